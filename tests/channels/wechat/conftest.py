"""WeChat fixtures: the fake WeChat API, settings that enable the channel, and our callback
endpoint served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.channels.wechat.channel import WeChatChannel
from bot.config import Settings, load_settings
from tests.fakes.wechat_api import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChat

Serve = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def fake_wechat() -> AsyncIterator[FakeWeChat]:
    server = FakeWeChat()
    await server.start()
    yield server
    await server.stop()


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
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def channel_app(channel: WeChatChannel) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_routes(channel.routes())
    return app
