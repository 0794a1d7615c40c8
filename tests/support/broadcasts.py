"""A running bot on both fake platforms, followers and members put straight into its
database, and waiting (bounded) for a broadcast to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import App
from bot.config import load_settings
from models.base import utcnow
from models.broadcast import Broadcast, count_deliveries
from models.db import Sessions
from models.member import Member
from models.subscription import set_subscription
from tests.bot.channels.wechat.conftest import wechat_config
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.fakes.wechat_api import FakeWeChat

FINAL = ("done", "partial", "cancelled", "missed")


@asynccontextmanager
async def running_bot(database_url: str, tmp_path: Path, telegram: FakeTelegram,
                      wechat: FakeWeChat, **wechat_settings: Any) -> AsyncIterator[App]:
    settings = load_settings(
        None, database={"url": database_url}, bot={"data_dir": str(tmp_path)},
        telegram={"token": telegram.token, "base_url": telegram.base_url,
                  "base_file_url": telegram.base_file_url},
        wechat=wechat_config(wechat, **wechat_settings), http={"port": 0},
        broadcast={"quiet_hours": ""},
    )
    app = App(settings, reminder_sources=())
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def add_followers(
    sessions: Sessions, channel: str, count: int, *, seen_ago: timedelta = timedelta(days=5),
    opted_out: int = 0, start: int = 1, language: str = "zh_CN",
) -> list[str]:
    """`count` members on a channel (WeChat openids `o...`, Telegram numeric ids), last seen
    `seen_ago`; the first `opted_out` of them turned announcements off."""
    now = utcnow()
    ids = [f"oFollower{start + i:06d}" if channel == "wechat" else str(700000 + start + i)
           for i in range(count)]
    rows = [Member(channel=channel, external_id=i, chat_id=i, private_chat_id=i, language=language,
                   created_at=now - seen_ago, last_seen_at=now - seen_ago) for i in ids]
    async with sessions.begin() as session:
        session.add_all(rows)
        await session.flush()
        for row in rows[:opted_out]:
            await set_subscription(session, row.id, "announcements", subscribed=False, now=now)
    return ids


async def wait_until_ended(sessions: Sessions, broadcast_id: int, within: float = 20.0,
                           ) -> tuple[Broadcast, dict[str, int]]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        async with sessions.begin() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            counts = await count_deliveries(session, broadcast_id)
        assert broadcast is not None
        if broadcast.status in FINAL:
            return broadcast, counts
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"broadcast {broadcast_id} still {broadcast.status}: {counts}")
        await asyncio.sleep(0.1)


async def eventually(check: Callable[[], Any], within: float = 10.0) -> None:
    """Wait (bounded) until `check()` is true; async checks are awaited."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
