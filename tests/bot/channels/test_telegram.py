"""The bot on Telegram, end to end: python-telegram-bot speaks real HTTP to a fake Bot API on
127.0.0.1, in polling and in webhook mode."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import App
from bot.config import Settings
from bot.messages import Button, Reply
from models.db import Sessions
from tests.bot.channels.conftest import telegram_settings
from tests.support.fakes.telegram_api import FakeTelegram

WANG = 4001
TOM = 4002
SECRET = "s3cret-token_42"


@pytest.fixture
async def webhook_bot(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram
) -> AsyncIterator[App]:
    app = App(telegram_settings(
        settings, fake_telegram, mode="webhook", webhook_url="https://bot.example.org/telegram",
        webhook_secret=SECRET,
    ))
    await app.start()
    yield app
    await app.stop()


async def test_member_starts_asks_presses_a_button_and_switches_language(
    polling_bot: App, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push(fake_telegram.message(WANG, "/start", name="王芳"))
    [greeting] = await fake_telegram.wait_for(WANG, 1)
    assert "王芳，您好" in greeting.text
    assert ("京卡优惠", "discounts.menu") in greeting.buttons

    fake_telegram.push(fake_telegram.message(WANG, "京卡怎么办理"))
    answer = (await fake_telegram.wait_for(WANG, 2))[-1]
    assert "京卡" in answer.text or "jingka" in answer.text

    fake_telegram.push(fake_telegram.callback(WANG, "lang.set:en"))
    switched = (await fake_telegram.wait_for(WANG, 3))[-1]
    assert switched.text == "I will answer in English from now on."
    assert ("Jingka discounts", "discounts.menu") in switched.buttons

    fake_telegram.push(fake_telegram.message(WANG, "/help"))
    assert "/apply" in (await fake_telegram.wait_for(WANG, 4))[-1].text
    assert fake_telegram.pending_updates() <= 1  # handled updates were confirmed


async def test_english_member_is_answered_in_english(
    polling_bot: App, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push(fake_telegram.message(TOM, "/start", language="en", name="Tom"))
    [greeting] = await fake_telegram.wait_for(TOM, 1)
    assert greeting.text.startswith("Hello, Tom!")


async def test_a_sticker_gets_a_polite_answer(
    polling_bot: App, fake_telegram: FakeTelegram
) -> None:
    sticker = {"file_id": "st1", "file_unique_id": "st1", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False}
    fake_telegram.push(fake_telegram.message(WANG, None, sticker=sticker))
    [reply] = await fake_telegram.wait_for(WANG, 1)
    assert reply.text == "我目前只能读文字消息，请用文字输入您的问题。"


async def test_a_long_reply_is_split_never_rejected(
    polling_bot: App, fake_telegram: FakeTelegram
) -> None:
    assert polling_bot.telegram is not None
    text = "\n".join(f"第{n}条：京卡优惠商户信息" for n in range(900))
    menu = ((Button("菜单", "menu.main"),),)
    await polling_bot.telegram.send(str(WANG), Reply(text=text, buttons=menu))
    pieces = fake_telegram.to(WANG)
    assert len(pieces) >= 3 and all(len(piece.text) <= 4096 for piece in pieces)
    assert "\n".join(piece.text for piece in pieces) == text
    assert pieces[-1].buttons == [("菜单", "menu.main")] and pieces[0].buttons == []


async def _post(app: App, update: dict[str, object], secret: str | None) -> int:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    url = f"http://127.0.0.1:{app.http_port}/telegram"
    async with aiohttp.ClientSession() as client, client.post(
        url, json=update, headers=headers
    ) as response:
        return response.status


async def test_webhook_registers_with_its_secret(
    webhook_bot: App, fake_telegram: FakeTelegram
) -> None:
    assert fake_telegram.webhook["url"] == "https://bot.example.org/telegram"
    assert fake_telegram.webhook["secret_token"] == SECRET


@pytest.mark.parametrize("secret", [None, "wrong", SECRET + "x"])
async def test_webhook_refuses_a_wrong_or_missing_secret(
    webhook_bot: App, fake_telegram: FakeTelegram, secret: str | None
) -> None:
    update = fake_telegram.make_update(fake_telegram.message(WANG, "/start"))
    assert await _post(webhook_bot, update, secret) == 403
    assert fake_telegram.to(WANG) == []


async def test_webhook_answers_once_even_when_telegram_retries(
    webhook_bot: App, fake_telegram: FakeTelegram
) -> None:
    update = fake_telegram.make_update(fake_telegram.message(WANG, "/start"))
    assert await _post(webhook_bot, update, SECRET) == 200
    assert await _post(webhook_bot, update, SECRET) == 200
    [greeting] = fake_telegram.to(WANG)
    assert "您好" in greeting.text


async def test_webhook_refuses_garbage(webhook_bot: App, fake_telegram: FakeTelegram) -> None:
    url = f"http://127.0.0.1:{webhook_bot.http_port}/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as client, client.post(
        url, data=b"<not json>", headers=headers
    ) as response:
        assert response.status == 400


async def test_webhook_answers_a_command_addressed_to_the_bot_in_a_group(
    webhook_bot: App, fake_telegram: FakeTelegram
) -> None:
    group = -100400500
    update = fake_telegram.make_update(fake_telegram.message(
        WANG, "/help@UnionBot_Test_Bot", chat_type="group", chat_id=group))
    assert await _post(webhook_bot, update, SECRET) == 200
    [helped] = fake_telegram.to(group)
    assert "/apply" in helped.text and fake_telegram.to(WANG) == []


async def test_a_pressed_button_is_answered_so_the_spinner_stops(
    webhook_bot: App, fake_telegram: FakeTelegram
) -> None:
    pressed = fake_telegram.callback(WANG, "lang.set:en")
    assert await _post(webhook_bot, fake_telegram.make_update(pressed), SECRET) == 200
    assert fake_telegram.to(WANG)[-1].text == "I will answer in English from now on."
    query_id = pressed["callback_query"]["id"]
    for _ in range(100):
        if ("answerCallbackQuery", {"callback_query_id": query_id}) in fake_telegram.calls:
            break
        await asyncio.sleep(0.02)
    assert ("answerCallbackQuery", {"callback_query_id": query_id}) in fake_telegram.calls


async def test_a_member_who_blocked_the_bot_is_logged_and_others_are_answered(
    webhook_bot: App, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake_telegram.blocked.add(str(WANG))
    for member in (WANG, TOM):
        update = fake_telegram.make_update(fake_telegram.message(member, "/help"))
        assert await _post(webhook_bot, update, SECRET) == 200
    assert fake_telegram.to(WANG) == [] and "/apply" in fake_telegram.to(TOM)[0].text
    assert f"chat {WANG} blocked the bot" in caplog.text
