"""Screenshots of each console page for docs/console.md, from a running unionbot with demo
content, in Chromium:  python -m tests.support.console_screenshots [docs/img]"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import models
from models.base import utcnow
from models.broadcast import create_broadcast
from models.db import Sessions, make_engine
from models.events import Event, register
from models.handoff import Direction, HandoffTicket, record_message
from models.member import Role
from models.unanswered import record_unanswered
from tests.support.console import (
    MEMBER,
    STAFF,
    add_account,
    chromium,
    console_settings,
    free_port,
    running_app,
    seed_claim,
    seed_ticket,
    sign_in,
)
from tests.support.fakes.telegram_api import FakeTelegram

PAGES = (("dashboard", "/"), ("claims", "/claims"), ("claim", "/claims/1"),
         ("events", "/events"), ("event", "/events/1"), ("broadcasts", "/broadcasts"),
         ("broadcast", "/broadcasts/1"), ("conversations", "/conversations"),
         ("conversation", "/conversations/1"), ("unanswered", "/unanswered"),
         ("members", "/members?q=6200000000000099"), ("roster-import", "/roster-import"))
PHONE = (("phone-claim", "/claims/1"), ("phone-event", "/events/1"))


async def _content(sessions: Sessions, data: Path) -> None:
    now = utcnow()
    staff = await add_account(sessions, STAFF, name="李干事", role=Role.ADMIN, language="en")
    member = await add_account(sessions, MEMBER, name="王芳", language="zh_CN")
    others = [await add_account(sessions, 3000 + n, name=name) for n, name in
              enumerate(("张伟", "刘洋", "陈静"))]
    await seed_claim(sessions, data, member_id=member, description="阑尾炎住院 5 天，附出院小结")
    ticket = await seed_ticket(sessions, member)
    async with sessions.begin() as session:
        event = Event(kind="lecture", topic="legal", title_zh="劳动合同法讲座",
                      title_en="Labour contract law", starts_at=now + timedelta(days=6),
                      ends_at=now + timedelta(days=6, hours=2), venue_zh="西城区职工服务中心",
                      capacity=3, taken=0)
        session.add(event)
        await session.flush()
        for who in (member, *others):
            await register(session, event_id=event.id, member_id=who, now=now)
        found = await session.get(HandoffTicket, ticket)
        assert found is not None
        await record_message(session, found, author_id=member, direction=Direction.TO_STAFF,
                             text="公司两个月没发工资了，怎么办？", now=now)
        await record_message(session, found, author_id=staff, direction=Direction.TO_MEMBER,
                             text="请把劳动合同和工资条拍照发来，我们今天联系单位。", now=now)
        for text, guess in (("京卡能在超市用吗", "jingka.discounts"),
                            ("退休了还能参加互助吗", "mutual_aid.plans"),
                            ("今天天气怎么样", None)):
            await record_unanswered(session, now=now, channel="telegram", language="zh_CN",
                                    text=text, best_intent=guess, confidence=0.31,
                                    reason="low_confidence" if guess else "unknown")
        await create_broadcast(session, created_by=staff, text="工会会员大会周五 19:00 召开",
                               audience="all", now=now, urgent=True)


async def main(folder: Path) -> None:
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/shots.db"
        engine = make_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(models.Base.metadata.create_all)
        sessions = Sessions(engine)
        await _content(sessions, Path(tmp) / "data")
        settings = console_settings(url, Path(tmp) / "data", fake, free_port())
        async with running_app(settings) as app, chromium() as browser:
            base = f"http://127.0.0.1:{app.http_port}/console"
            await asyncio.sleep(3)  # the broadcast goes out, so its report is done
            for width, height, pages in ((1100, 760, PAGES), (390, 760, PHONE)):
                context = await browser.new_context(viewport={"width": width,
                                                              "height": height})
                page = await context.new_page()
                await sign_in(page, fake)
                for name, path in pages:
                    await page.goto(base + path)
                    await page.screenshot(path=str(folder / f"console-{name}.png"))
                if width > 400:  # and once in Chinese
                    await page.goto(base + "/")
                    await page.click("text=中文")
                    await page.screenshot(path=str(folder / "console-dashboard-zh.png"))
                await context.close()
        await sessions.dispose()
    await fake.stop()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img")
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(target))
