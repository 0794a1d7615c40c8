"""WeChat fixtures: the fake WeChat API, settings that enable the channel, and our callback
endpoint served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.answering import load_answerer
from bot.app import App
from bot.channels.base import Outbound
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.channel import WeChatChannel
from bot.config import Settings, load_settings
from bot.context import Services
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from bot.routing import Route
from handlers import all_routes
from models.db import Sessions, make_engine
from tests.support.fakes.loopback import LoopbackServer
from tests.support.fakes.wechat_api import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChat

Serve = Callable[[web.Application], Awaitable[str]]
MakeChannel = Callable[[float, Sequence[Route]], WeChatChannel]


def wechat_config(fake: FakeWeChat, **overrides: Any) -> dict[str, Any]:
    return {"enabled": True, "token": TOKEN, "app_id": APP_ID, "app_secret": APP_SECRET,
            "encoding_aes_key": AES_KEY, "api_base_url": fake.base_url, "mode": "safe",
            "template_id": "TPL-notice", **overrides}


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path, fake_wechat: FakeWeChat
                  ) -> Callable[..., Settings]:
    def make(**wechat: Any) -> Settings:
        return load_settings(None, database={"url": database_url},
                             bot={"data_dir": str(tmp_path / "data")},
                             wechat=wechat_config(fake_wechat, **wechat))
    return make


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve an aiohttp app on 127.0.0.1; returns its base URL."""
    servers: list[LoopbackServer] = []

    async def start(app: web.Application) -> str:
        servers.append(LoopbackServer())
        return f"http://127.0.0.1:{await servers[-1].serve(app)}"

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def serve_app(
    sessions: Sessions, make_settings: Callable[..., Settings], serve: Serve
) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """The real App's HTTP server with WeChat in a given mode; returns the callback URL."""
    apps: list[App] = []

    async def start(**wechat: Any) -> str:
        apps.append(App(make_settings(**wechat)))
        return await serve(apps[-1].http_app()) + "/wechat"

    yield start
    for app in apps:
        await app.stop()


def channel_app(channel: WeChatChannel) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_routes(channel.routes())
    return app


@pytest.fixture
async def make_wechat_channel(
    sessions: Sessions, make_settings: Callable[..., Settings], fake_wechat: FakeWeChat,
) -> AsyncIterator[MakeChannel]:
    """A WeChat channel with its own engine (two are two processes) and extra routes."""
    channels: list[WeChatChannel] = []
    settings = make_settings()

    def make(budget: float, routes: Sequence[Route] = ()) -> WeChatChannel:
        services = Services(settings=settings, catalogs=Catalogs(), answerer=load_answerer())
        engine = make_engine(settings.database.url)
        dispatcher = Dispatcher((*all_routes(), *routes), services, Sessions(engine))
        api = WeChatApi(APP_ID, APP_SECRET, fake_wechat.base_url)
        channel = WeChatChannel(settings.wechat, dispatcher, Outbound(), api, reply_budget=budget)
        channels.append(channel)
        return channel

    yield make
    for channel in channels:
        await channel.stop()
        await channel.sessions.dispose()
