"""A bot killed after it recorded an answer but before it sent it sends that answer when it
starts again, once (or, with several processes, a survivor sends it); answers it had sent are
not sent twice, and Telegram's retry of the same update gets nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import aiohttp

from bot.app import App
from bot.channels.base import Outbound
from bot.config import RedisSettings, Settings
from bot.messages import Incoming, Reply
from bot.pending import CONFIRM_SECONDS, SWEEP_GRACE, UnsentSweeper
from models.base import utcnow
from models.db import Sessions
from models.dedupe import record_update
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


async def test_a_survivor_sends_what_a_killed_process_committed_but_never_sent(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram,
    redis_settings: RedisSettings,
) -> None:
    """Several processes: none restarts, so the scheduler leader among the survivors sends the
    answers the killed one left, once they are older than a live process ever takes."""
    config = _webhook_settings(settings, fake_telegram).model_copy(
        update={"redis": redis_settings})
    updates = {uid: fake_telegram.make_update(fake_telegram.message(uid, "/start"))
               for uid in IN_FLIGHT}
    killed = App(config)
    for uid in IN_FLIGHT:
        assert await killed.dispatcher.handle(_start(updates[uid], uid))
    await killed.sessions.dispose()  # kill -9: no confirmation, no goodbye

    survivor = App(config)
    await survivor.start()
    try:
        await asyncio.sleep(1.0)  # the leader swept once: too young to be a dead process's
        assert fake_telegram.sent == []
        survivor.clock = survivor.scheduler.clock = _later(SWEEP_GRACE)
        assert survivor.scheduler.unsent is not None
        survivor.scheduler.unsent.clock = survivor.clock
        for uid in IN_FLIGHT:
            [greeting] = await fake_telegram.wait_for(uid, 1, within=15)
            assert "您好" in greeting.text
        for update in updates.values():  # Telegram's retry of them gets nothing more
            assert await _post(survivor, update) == 200
        await asyncio.sleep(6)  # another sweep or two
    finally:
        await survivor.stop()
    assert [len(fake_telegram.to(uid)) for uid in IN_FLIGHT] == [1, 1, 1]


async def test_a_live_process_confirms_what_it_sent_without_waiting_for_another_update(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram,
) -> None:
    """So the leader's sweep never takes a live process's answers for a dead one's."""
    app = App(_webhook_settings(settings, fake_telegram))
    app.dispatcher.confirmations.start()  # as `App.start` does
    try:
        update = fake_telegram.make_update(fake_telegram.message(ANSWERED, "/start"))
        incoming = _start(update, ANSWERED)
        assert await app.dispatcher.handle(incoming)
        app.dispatcher.delivered(incoming)
        await asyncio.sleep(CONFIRM_SECONDS + 1.0)
        sweeper = UnsentSweeper(sessions, app.outbound, grace=timedelta(0))
        assert await sweeper.sweep() == 0
    finally:
        await app.dispatcher.confirmations.close()
        await app.sessions.dispose()


async def test_the_sweep_sends_each_left_answer_once_and_only_once_it_is_old_enough(
    sessions: Sessions,
) -> None:
    sent: list[tuple[str, str]] = []
    outbound = Outbound({"telegram": _Recorder(sent)})
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        for minutes, key in ((-5, "old"), (-0.5, "young")):
            item = {"channel": "telegram", "chat_id": key, "text": key, "intent": None}
            await record_update(session, channel="telegram", key=key,
                                now=now + timedelta(minutes=minutes), replies=[item])
    clock = [now]
    sweeper = UnsentSweeper(sessions, outbound, clock=lambda: clock[0])
    assert await sweeper.sweep() == 1
    assert sent == [("old", "old")]
    assert await sweeper.sweep() == 0
    clock[0] = now + SWEEP_GRACE
    assert await sweeper.sweep() == 1
    assert sent == [("old", "old"), ("young", "young")]
    clock[0] = now + SWEEP_GRACE * 3
    assert await sweeper.sweep() == 0


class _Recorder:
    name = "telegram"

    def __init__(self, sent: list[tuple[str, str]]) -> None:
        self.sent = sent

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.sent.append((chat_id, reply.text))


def _later(by: timedelta) -> Callable[[], datetime]:
    return lambda: utcnow() + by
