"""Telegram fixtures: settings pointing the real App at the fake Bot API, and the App polling
it (over real HTTP on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.config import Settings
from models.db import Sessions
from tests.support.fakes.telegram_api import FakeTelegram


def telegram_settings(settings: Settings, fake: FakeTelegram, **telegram: object) -> Settings:
    section = settings.telegram.model_copy(
        update={"token": fake.token, "base_url": fake.base_url,
                "base_file_url": fake.base_file_url, **telegram}
    )
    http = settings.http.model_copy(update={"port": 0})
    return settings.model_copy(update={"telegram": section, "http": http})


@pytest.fixture
async def polling_bot(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram
) -> AsyncIterator[App]:
    app = App(telegram_settings(settings, fake_telegram))
    await app.start()
    yield app
    await app.stop()
