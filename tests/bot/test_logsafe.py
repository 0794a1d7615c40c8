"""No secret, token or openid in any log line at any level: unit checks of the redactor, and a
Telegram conversation at DEBUG over real HTTP whose whole log is grepped."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.config import Settings
from bot.logsafe import Redactor, quiet_libraries
from models.db import Sessions
from tests.bot.channels.conftest import telegram_settings
from tests.support.fakes.telegram_api import FakeTelegram

OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize("line", [
    f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/getUpdates \"HTTP/1.1 200 OK\"",
    f"GET /wechat?signature=abc123&timestamp=1&nonce=2&openid={OPENID}&msg_signature=ff",
    "POST /cgi-bin/token?grant_type=client_credential&appid=wx1&secret=AppSecret-9 failed",
    f"wechat: {OPENID} unsubscribed (forgotten)",
])
def test_the_redactor_hides_tokens_signatures_secrets_and_openids(line: str) -> None:
    clean = Redactor(["AppSecret-9"])(line)
    for secret in (TOKEN, "abc123", OPENID, "AppSecret-9", "=ff"):
        assert secret not in clean
    assert clean.split()[0] == line.split()[0]  # the rest of the line is still readable


def test_ordinary_text_is_left_alone() -> None:
    line = "telegram update 42: /help in 12 ms; claim 2015-07 of 3,500 yuan"
    assert Redactor(["s3cret-token"])(line) == line


@pytest.fixture
async def verbose_bot(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[App]:
    app = App(telegram_settings(settings, fake_telegram))
    caplog.set_level(logging.DEBUG)
    await app.start()
    yield app
    await app.stop()


async def test_a_conversation_at_debug_logs_no_token(
    verbose_bot: App, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake_telegram.push(fake_telegram.message(4201, "/start"))
    fake_telegram.push(fake_telegram.callback(4201, "lang.set:en"))
    await fake_telegram.wait_for(4201, 2)
    secret_part = fake_telegram.token.partition(":")[2]
    assert "getUpdates" in caplog.text.lower() or "getupdates" in caplog.text
    assert fake_telegram.token not in caplog.text and secret_part not in caplog.text
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO
             and r.name.startswith("bot.channels.telegram")]
    assert any(line.startswith("telegram update") and "/start" in line for line in lines)


def test_the_scheduler_ticks_are_not_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    quiet_libraries()
    ticks = logging.getLogger("apscheduler.executors.default")
    ticks.info('Running job "sweep (trigger: interval[0:00:01])"')
    ticks.warning("Run time of job was missed by 0:00:03")
    assert "Running job" not in caplog.text and "was missed" in caplog.text
