"""End to end over real HTTP: staff compose /announce through the fake Bot API, members
receive it, a member who blocked the bot is marked, and staff hear the counts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import App
from bot.config import load_settings
from models.db import Sessions
from models.member import Role
from models.staff import grant_role
from tests.support.delivery import NOON
from tests.support.fakes.telegram_api import FakeTelegram

STAFF, ANNA, BO, CUI = 500, 501, 502, 503


@pytest.fixture
async def app(database_url: str, sessions: Sessions, fake_telegram: FakeTelegram,
              tmp_path: Path) -> App:
    settings = load_settings(
        None, database={"url": database_url}, bot={"data_dir": str(tmp_path)},
        telegram={"token": fake_telegram.token, "base_url": fake_telegram.base_url,
                  "base_file_url": fake_telegram.base_file_url},
        broadcast={"quiet_hours": ""}, http={"port": 0},
    )
    app = App(settings)
    await app.start()
    yield app  # type: ignore[misc]
    await app.stop()


async def test_staff_announce_reaches_members(app: App, sessions: Sessions,
                                              fake_telegram: FakeTelegram) -> None:
    async with sessions.begin() as session:
        await grant_role(session, channel="telegram", external_id=str(STAFF), role=Role.STAFF,
                         now=NOON, language="en")
    for user in (ANNA, BO, CUI):
        fake_telegram.push(fake_telegram.message(user, "/start"))
        await fake_telegram.wait_for(user, 1)
    fake_telegram.blocked.add(str(CUI))

    steps = [fake_telegram.message(STAFF, "/announce", language="en"),
             fake_telegram.message(STAFF, "Union meeting on Friday 19:00", language="en"),
             fake_telegram.callback(STAFF, "bc.aud:all", language="en"),
             fake_telegram.callback(STAFF, "bc.go:now", language="en")]
    expected = [1, 2, 5, 6]  # the preview is three messages
    for update, count in zip(steps, expected, strict=True):
        fake_telegram.push(update)
        await fake_telegram.wait_for(STAFF, count)
    assert fake_telegram.to(STAFF)[3].text == "Union meeting on Friday 19:00"
    plan = fake_telegram.to(STAFF)[4].text  # the plan, above the ways to send
    assert "Everyone: 4 members will receive it." in plan
    assert "Telegram 4 at 30/s, about 1 s" in plan

    for user in (ANNA, BO):
        received = await fake_telegram.wait_for(user, 2)
        assert [s.text for s in received[1:]] == ["Union meeting on Friday 19:00"]
    report = (await fake_telegram.wait_for(STAFF, 8))[-1].text
    assert "finished, with failures: 3 sent" in report and "1 blocked" in report
    assert "Why: 1 blocked the bot or stopped following" in report
    assert len(fake_telegram.to(ANNA)) == 2


def chat_member_update(user_id: int, status: str) -> dict[str, object]:
    user = {"id": user_id, "is_bot": False, "first_name": "王芳"}
    bot = {"id": 777000, "is_bot": True, "first_name": "Union"}
    return {"my_chat_member": {
        "chat": {"id": user_id, "type": "private", "first_name": "王芳"},
        "from": user, "date": 1_700_000_000,
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": status, "user": bot, "until_date": 0},
    }}


async def test_blocking_the_bot_marks_the_member_unreachable_and_unblocking_undoes_it(
    app: App, sessions: Sessions, fake_telegram: FakeTelegram,
) -> None:
    from sqlalchemy import select

    from models.member import Member

    fake_telegram.push(fake_telegram.message(ANNA, "/start"))
    await fake_telegram.wait_for(ANNA, 1)

    async def unreachable() -> bool:
        async with sessions.begin() as session:
            member = await session.scalar(select(Member).where(Member.external_id == str(ANNA)))
            assert member is not None
            return member.unreachable

    for status, expected in (("kicked", True), ("member", False)):
        fake_telegram.push(chat_member_update(ANNA, status))
        for _ in range(100):  # the poller picks the update up over HTTP
            if await unreachable() is expected:
                break
            await asyncio.sleep(0.05)  # a bounded wait for the HTTP round trip
        assert await unreachable() is expected
