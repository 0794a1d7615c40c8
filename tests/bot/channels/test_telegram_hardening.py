"""Attacks and faults on the Telegram channel, over real HTTP to the fake Bot API: forged
webhook posts, poison messages, a member's flood, a 429 for one chat, a poller that is down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

import bot.channels.telegram_updates as telegram_updates
from bot.app import App
from bot.config import ConfigError, Settings, load_settings
from models.db import Sessions
from tests.bot.channels.conftest import telegram_settings
from tests.bot.channels.test_telegram import SECRET, _post
from tests.support.fakes.telegram_api import FakeTelegram

WANG, LI, ADMIN = 4101, 4102, 4103
SORRY_ZH = "抱歉，系统出了点问题，请稍后再试。"
SLOW_DOWN_ZH = "您发消息的速度比我读得快"
DANGEROUS_SPACES = ["\u3000", "\u00a0", "\u2002", "\u2003", "\u200a", "\u202f", "\u205f"]


@pytest.fixture
async def fair_bot(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram
) -> AsyncIterator[App]:
    """The production defaults: 1 message a second, bursts of 5."""
    fair = settings.model_copy(update={"inbound": settings.inbound.model_copy(
        update={"member_burst": 5, "member_rate": 1.0})})
    app = App(telegram_settings(fair, fake_telegram))
    await app.start()
    yield app
    await app.stop()


async def _health(app: App) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{app.http_port}/healthz"
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.json()


# ----- 1. webhook secret -----

def test_webhook_mode_without_a_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^config error: telegram\.webhook_secret: required"):
        load_settings(None, telegram={"token": "1:abc", "mode": "webhook",
                                      "webhook_url": "https://bot.example.org/telegram"})


async def test_a_webhook_without_a_secret_handles_no_forged_post(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram
) -> None:
    """Even if the config check is bypassed, a POST "from" an admin is not handled."""
    unsafe = telegram_settings(settings, fake_telegram, mode="webhook",
                                webhook_url="https://bot.example.org/telegram")
    app = App(unsafe)
    await app.start()
    try:
        forged = fake_telegram.make_update(fake_telegram.message(ADMIN, "/start"))
        assert await _post(app, forged, None) == 403
    finally:
        await app.stop()
    assert fake_telegram.to(ADMIN) == []


async def test_forged_posts_cannot_claim_future_update_ids(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram
) -> None:
    app = App(telegram_settings(settings, fake_telegram, mode="webhook",
                                 webhook_url="https://bot.example.org/telegram",
                                 webhook_secret=SECRET))
    await app.start()
    try:
        real = fake_telegram.make_update(fake_telegram.message(WANG, "/start"))
        for forged_id in range(real["update_id"], real["update_id"] + 5):
            forged = {**fake_telegram.message(ADMIN, "/help"), "update_id": forged_id}
            assert await _post(app, forged, "guessed") == 403
        assert await _post(app, real, SECRET) == 200
    finally:
        await app.stop()
    [greeting] = fake_telegram.to(WANG)
    assert "您好" in greeting.text


# ----- 2. poison messages, isolation, health -----

@pytest.mark.parametrize("space", DANGEROUS_SPACES)
async def test_a_slash_and_a_unicode_space_gets_an_answer_and_polling_goes_on(
    polling_bot: App, fake_telegram: FakeTelegram, space: str
) -> None:
    fake_telegram.push(fake_telegram.message(WANG, "/" + space))
    fake_telegram.push(fake_telegram.message(LI, "/help"))
    [poisoned] = await fake_telegram.wait_for(WANG, 1)
    [helped] = await fake_telegram.wait_for(LI, 1)
    assert poisoned.text and "/menu" in helped.text
    status, _body = await _health(polling_bot)
    assert status == 200


async def test_text_of_the_wrong_json_type_is_answered_and_polling_goes_on(
    polling_bot: App, fake_telegram: FakeTelegram
) -> None:
    broken = fake_telegram.message(WANG, None)
    broken["message"]["text"] = 12345  # PTB keeps a number where text belongs
    fake_telegram.push(broken)
    fake_telegram.push(fake_telegram.message(LI, "/help"))
    [answer] = await fake_telegram.wait_for(WANG, 1)
    [helped] = await fake_telegram.wait_for(LI, 1)
    assert answer.text and "/menu" in helped.text


# A plain message is read from the JSON, a reply through PTB: a fault in either is apologised for.
@pytest.mark.parametrize("extra", [{}, {"reply_to_message": {
    "message_id": 7, "date": 1700000000, "chat": {"id": WANG, "type": "private"}, "text": "hi"}}])
async def test_an_update_that_raises_is_apologised_for_and_the_next_is_answered(
    polling_bot: App, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any],
) -> None:
    real_split = telegram_updates.split_command

    def split_or_fail(text: str) -> tuple[str, tuple[str, ...]] | None:
        if text == "/boom":
            raise RuntimeError("a fault in the adapter")
        return real_split(text)

    monkeypatch.setattr(telegram_updates, "split_command", split_or_fail)
    update_id = fake_telegram.push(fake_telegram.message(WANG, "/boom", **extra))
    fake_telegram.push(fake_telegram.message(LI, "/help"))
    [apology] = await fake_telegram.wait_for(WANG, 1)
    await fake_telegram.wait_for(LI, 1)
    assert apology.text == SORRY_ZH
    assert f"update {update_id} failed" in caplog.text
    fake_telegram.push(fake_telegram.message(WANG, "/help"))
    assert "/menu" in (await fake_telegram.wait_for(WANG, 2))[-1].text
    assert fake_telegram.pending_updates() <= 1  # the offset moved past the failed update


async def test_an_unreadable_update_is_skipped_not_the_batch(
    polling_bot: App, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push({"message": {"message_id": "x", "chat": "not a chat", "date": []}})
    fake_telegram.push(fake_telegram.message(LI, "/help"))
    [helped] = await fake_telegram.wait_for(LI, 1)
    assert "/menu" in helped.text
    status, body = await _health(polling_bot)
    assert status == 200 and body["channels"]["telegram"]["poller_alive"]


async def test_healthz_says_503_when_getupdates_keeps_failing(
    polling_bot: App, fake_telegram: FakeTelegram
) -> None:
    assert polling_bot.telegram is not None
    fake_telegram.push(fake_telegram.message(LI, "/help"))
    await fake_telegram.wait_for(LI, 1)
    status, body = await _health(polling_bot)
    assert status == 200 and body["channels"]["telegram"]["last_get_updates"]
    polling_bot.telegram.poller.stale_after = 0.5
    fake_telegram.updates_down = True
    for _ in range(50):
        status, body = await _health(polling_bot)
        if status == 503:
            break
        await asyncio.sleep(0.1)
    assert status == 503
    assert body["channels"]["telegram"]["poller_alive"] and not body["ok"]


async def test_healthz_says_503_when_the_poller_is_gone(polling_bot: App) -> None:
    assert polling_bot.telegram is not None
    await polling_bot.telegram.poller.stop()
    status, body = await _health(polling_bot)
    assert status == 503 and body["channels"]["telegram"]["poller_alive"] is False


# ----- 6. fair inbound -----

async def test_one_members_flood_is_slowed_and_others_are_answered(
    fair_bot: App, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.fairness")
    for n in range(600):
        fake_telegram.push(fake_telegram.message(WANG, f"京卡怎么办理 {n}"))
    fake_telegram.push(fake_telegram.message(LI, "/help"))
    [helped] = await fake_telegram.wait_for(LI, 1, within=5.0)
    assert "/menu" in helped.text
    await fake_telegram.wait_for(WANG, 6)
    await asyncio.sleep(0.5)
    texts = [sent.text for sent in fake_telegram.to(WANG)]
    assert sum(SLOW_DOWN_ZH in text for text in texts) == 1  # told once, then silence
    assert 6 <= len(texts) <= 10, texts  # a burst of 5, then about one a second
    assert "asked to slow down" in caplog.text and "dropped a message" in caplog.text


# PTB 22 warns about its own int retry_after while building the RetryAfter error.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_for_one_chat_does_not_hold_another_chat(
    polling_bot: App, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.hold[str(WANG)] = 3  # Telegram tells the bot to wait 3 s before WANG's chat
    fake_telegram.push(fake_telegram.message(WANG, "/help"))
    for _ in range(100):
        if fake_telegram.too_many:
            break  # the bot has been told to wait for WANG's chat
        await asyncio.sleep(0.05)
    fake_telegram.push(fake_telegram.message(LI, "/help"))
    [li_answer] = await fake_telegram.wait_for(LI, 1)
    [wang_answer] = await fake_telegram.wait_for(WANG, 1)
    assert li_answer.at < wang_answer.at  # LI did not wait behind WANG's 429
    assert wang_answer.at - li_answer.at > 2.0  # WANG's reply came after the asked-for wait
    assert polling_bot.telegram is not None and polling_bot.telegram.limiter is not None
    assert polling_bot.telegram.limiter.paused_for == 0  # the bot-wide limit was not paused


# ----- 9. forged button arguments -----

@pytest.mark.parametrize("data", [
    "discounts.show:²", "discounts.show:" + "9" * 40, "discounts.page:c:food:²",
    "claim.withdraw:²:yes", "claim.withdraw:" + "9" * 30 + ":yes", "claim.more:²",
    "events.show:١٢", "events.join:" + "9" * 40, "broadcast.cancel:²",
])
async def test_a_forged_button_argument_gets_a_polite_answer_not_an_apology(
    polling_bot: App, fake_telegram: FakeTelegram, data: str
) -> None:
    fake_telegram.push(fake_telegram.callback(WANG, data))
    [answer] = await fake_telegram.wait_for(WANG, 1)
    assert answer.text and answer.text != SORRY_ZH
