"""A WeChat follower, through the real App's HTTP server: /mydata gives a short-lived link
(WeChat cannot send files) that downloads the export, and /deleteme erases."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy import select

from bot.app import App
from bot.config import Settings, load_settings
from bot.privacy.erase import settle
from models.audit import AuditEntry
from models.base import utcnow
from models.db import Sessions
from tests.bot.channels.wechat.conftest import Serve, wechat_config
from tests.support.fakes.wechat_api import FakeWeChat, Follower
from tests.support.member_services import DEMO_CARD, load_demo_data
from tests.support.privacy import read_export, traces

OPENID = "oPrivacyTest0000000000000001"


async def test_mydata_by_link_then_deleteme(
    settings: Settings, sessions: Sessions, fake_wechat: FakeWeChat, serve: Serve,
) -> None:
    await load_demo_data(sessions)
    app = App(load_settings(None, database={"url": settings.database.url},
                            bot={"data_dir": str(settings.bot.data_dir)},
                            wechat=wechat_config(fake_wechat),
                            privacy={"public_url": "https://union.example"}))
    try:
        base = await serve(app.http_app())
        follower = Follower(base + "/wechat", OPENID)
        await follower.says("/bind")
        await follower.says(DEMO_CARD)
        await follower.says("王芳")
        assert "王芳" in (await follower.says("0001")).text

        answer = (await follower.says("/mydata")).text
        assert "请勿转发" in answer  # do not share it (WeChat members default to Chinese)
        link = next(word for word in answer.split() if word.startswith("https://union.example"))
        async with aiohttp.ClientSession() as http:
            async with http.get(base + urlsplit(link).path) as response:
                assert response.status == 200
                body, _files = read_export(await response.read())
            forged = base + urlsplit(link).path[:-3] + "abc"
            async with http.get(forged) as response:
                assert response.status == 404
        assert body["membership"][0]["phone"] == "13800000001"
        assert body["chat_account"][0]["external_id"] == OPENID

        app.dispatcher.clock = lambda: utcnow() + timedelta(hours=1)
        async with aiohttp.ClientSession() as http, \
                http.get(base + urlsplit(link).path) as response:
            assert response.status == 404  # expired
        app.dispatcher.clock = utcnow

        assert "1. " in (await follower.says("/deleteme")).text
        assert "全部信息已删除" in (await follower.says("1")).text
        await settle()
        assert await traces(sessions, OPENID, "13800000001", "王芳") == []
        async with sessions.begin() as session:
            actions = list(await session.scalars(select(AuditEntry.action)))
        assert "member.export_link" in actions and actions.count("member.export") == 1
    finally:
        await app.stop()

