"""A bot killed after it recorded an answer but before it sent it sends that answer when it
starts again, once; answers it had sent are not sent twice, and Telegram's retry of the same
update gets nothing more."""

from __future__ import annotations

import aiohttp

from bot.app import App
from bot.config import Settings
from bot.messages import Incoming
from models.db import Sessions
from tests.support.fakes.telegram_api import FakeTelegram

SECRET = "s3cret-token_42"
IN_FLIGHT = (5001, 5002, 5003)  # members whose answers were committed, not sent, at the kill
ANSWERED = 5004  # a member whose answer was sent and confirmed before the kill


def _webhook_settings(settings: Settings, fake: FakeTelegram) -> Settings:
    telegram = settings.telegram.model_copy(update={
        "token": fake.token, "base_url": fake.base_url, "base_file_url": fake.base_file_url,
        "mode": "webhook", "webhook_url": "https://bot.example.org/telegram",
        "webhook_secret": SECRET,
    })
    http = settings.http.model_copy(update={"port": 0})
    return settings.model_copy(update={"telegram": telegram, "http": http})


def _start(update: dict[str, object], user_id: int) -> Incoming:
    return Incoming(channel="telegram", chat_id=str(user_id), user_id=str(user_id),
                    command="start", update_id=str(update["update_id"]))


async def _post(app: App, update: dict[str, object]) -> int:
    url = f"http://127.0.0.1:{app.http_port}/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http, http.post(url, json=update,
                                                          headers=headers) as res:
        return res.status


async def test_answers_committed_but_not_sent_at_a_kill_are_sent_after_restart_once(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram
) -> None:
    config = _webhook_settings(settings, fake_telegram)
    updates = {uid: fake_telegram.make_update(fake_telegram.message(uid, "/start"))
               for uid in (*IN_FLIGHT, ANSWERED)}
    crashed = App(config)
    for uid in IN_FLIGHT:  # handled and committed; the process dies before sending
        assert await crashed.dispatcher.handle(_start(updates[uid], uid))
    sent_before = _start(updates[ANSWERED], ANSWERED)
    assert await crashed.dispatcher.handle(sent_before)
    crashed.dispatcher.delivered(sent_before)
    await crashed.dispatcher.confirmations.close()
    await crashed.sessions.dispose()
    assert fake_telegram.sent == []

    restarted = App(config)
    await restarted.start()
    try:
        for uid in IN_FLIGHT:
            [greeting] = await fake_telegram.wait_for(uid, 1)
            assert "您好" in greeting.text
        for update in updates.values():  # Telegram retries what was never answered 200
            assert await _post(restarted, update) == 200
    finally:
        await restarted.stop()
    assert [len(fake_telegram.to(uid)) for uid in IN_FLIGHT] == [1, 1, 1]
    assert fake_telegram.to(ANSWERED) == []
