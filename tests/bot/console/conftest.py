"""A running unionbot with the console, the fake Bot API and Chromium, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from bot.app import App
from models.db import Sessions
from models.member import Role
from tests.support.console import (
    MEMBER,
    STAFF,
    add_account,
    chromium,
    console_settings,
    free_port,
    running_app,
)
from tests.support.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def app(database_url: str, sessions: Sessions, fake_telegram: FakeTelegram,
              tmp_path: Path) -> AsyncIterator[App]:
    settings = console_settings(database_url, tmp_path / "data", fake_telegram, free_port())
    await add_account(sessions, STAFF, name="李干事", role=Role.STAFF)
    await add_account(sessions, MEMBER, name="王芳")
    async with running_app(settings) as running:
        yield running


@pytest.fixture(scope="module")
def browser_loop_scope() -> str:
    return "function"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
def base_url(app: App) -> str:
    return f"http://127.0.0.1:{app.http_port}/console"
