"""One announcement reaches members on Telegram and on WeChat in one run, each through its
platform's own API (a message each on Telegram, a mass send to a tag on WeChat), over real
HTTP to the fake servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.config import load_settings
from models.base import utcnow
from models.broadcast import count_deliveries, create_broadcast
from models.db import Sessions
from tests.bot.channels.wechat.conftest import wechat_config
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.fakes.wechat_api import FakeWeChat, Follower

ANNA = 601
TEXT = "周五19:00 工会会员大会 / Union meeting on Friday 19:00"


@pytest.fixture
async def app(database_url: str, sessions: Sessions, fake_telegram: FakeTelegram,
              fake_wechat: FakeWeChat, tmp_path: Path) -> AsyncIterator[App]:
    settings = load_settings(
        None, database={"url": database_url}, bot={"data_dir": str(tmp_path)},
        telegram={"token": fake_telegram.token, "base_url": fake_telegram.base_url,
                  "base_file_url": fake_telegram.base_file_url},
        wechat=wechat_config(fake_wechat), http={"port": 0}, broadcast={"quiet_hours": ""},
    )
    app = App(settings)
    await app.start()
    yield app
    await app.stop()


async def test_an_announcement_reaches_telegram_and_wechat_members(
    app: App, sessions: Sessions, fake_telegram: FakeTelegram, fake_wechat: FakeWeChat
) -> None:
    fake_telegram.push(fake_telegram.message(ANNA, "/start"))
    await fake_telegram.wait_for(ANNA, 1)
    follower = Follower(f"http://127.0.0.1:{app.http_port}/wechat")
    welcome = await follower.subscribes()
    assert welcome.status == 200 and welcome.text

    async with sessions.begin() as session:
        broadcast = await create_broadcast(session, created_by=None, text=TEXT, audience="all",
                                           now=utcnow())
        broadcast_id = broadcast.id

    on_telegram = await fake_telegram.wait_for(ANNA, 2)
    on_wechat = await fake_wechat.wait_for(follower.openid, 1)
    assert on_telegram[-1].text == TEXT
    # WeChat followers get announcements by one mass send to the audience's tag
    assert [(sent.kind, sent.text) for sent in on_wechat] == [("mass", TEXT)]
    assert await _sent_count(sessions, broadcast_id, expected=2) == 2


async def _sent_count(sessions: Sessions, broadcast_id: int, *, expected: int) -> int:
    """The engine records a result just after the platform answered: wait (bounded) for it."""
    sent = 0
    for _ in range(100):
        async with sessions.begin() as session:
            counts = await count_deliveries(session, broadcast_id)
            sent = counts["sent"] + counts["mass"]
        if sent >= expected:
            break
        await asyncio.sleep(0.05)
    return sent
