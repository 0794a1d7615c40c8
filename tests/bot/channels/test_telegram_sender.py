"""TelegramSender against the fake Bot API over HTTP: what each platform answer becomes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels.telegram_sender import TelegramSender, build_sender
from bot.config import BroadcastSettings, TelegramSettings
from bot.delivery.content import broadcast_reply
from bot.delivery.sender import MessageKind, Outcome
from bot.messages import Button, Reply
from tests.support.fakes.telegram_api import FakeTelegram

KIND = MessageKind.ANNOUNCEMENT


@pytest.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramSender]:
    settings = TelegramSettings(token=fake_telegram.token, base_url=fake_telegram.base_url,
                                base_file_url=fake_telegram.base_file_url)
    built = build_sender(settings, BroadcastSettings(per_chat_interval=0))
    await built.start()
    yield built
    await built.stop()


async def test_text_photo_and_long_text(sender: TelegramSender,
                                        fake_telegram: FakeTelegram) -> None:
    assert (await sender.deliver("11", Reply(text="通知"), kind=KIND)).outcome is Outcome.SENT
    photo = broadcast_reply("劳模表彰", b"\xff\xd8jpeg")
    assert (await sender.deliver("12", photo, kind=KIND)).outcome is Outcome.SENT
    sent = fake_telegram.to(12)
    assert [(s.method, s.text) for s in sent] == [("sendPhoto", "劳模表彰")]
    long = Reply(text="长" * 5000)
    assert (await sender.deliver("13", long, kind=KIND)).outcome is Outcome.SENT
    assert [len(s.text) for s in fake_telegram.to(13)] == [4096, 904]
    assert "allow_paid_broadcast" not in fake_telegram.to(11)[0].params


# PTB 22 warns about its own int retry_after while building the RetryAfter error.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_blocked_and_too_many(sender: TelegramSender, fake_telegram: FakeTelegram) -> None:
    fake_telegram.blocked.add("21")
    result = await sender.deliver("21", Reply(text="x"), kind=KIND)
    assert result.outcome is Outcome.BLOCKED
    fake_telegram.rate_limit = 1
    assert (await sender.deliver("22", Reply(text="x"), kind=KIND)).outcome is Outcome.SENT
    sender.limiter.rate = 5  # pretend our limit were wrong, to draw a 429
    result = await sender.deliver("23", Reply(text="x"), kind=KIND)
    assert result.outcome is Outcome.RETRY_AFTER and result.retry_after is not None
    assert sender.limiter.paused_for > 0  # the whole channel waits


async def test_a_paid_announcement_with_buttons_on_its_last_piece(
    fake_telegram: FakeTelegram,
) -> None:
    settings = TelegramSettings(token=fake_telegram.token, base_url=fake_telegram.base_url,
                                base_file_url=fake_telegram.base_file_url)
    paid = build_sender(settings, BroadcastSettings(per_chat_interval=0, rate_per_second=100,
                                                    paid=True))
    await paid.start()
    try:
        reply = Reply(text="讲" * 4100, buttons=((Button("报名", "lecture.signup:7"),),))
        assert (await paid.deliver("31", reply, kind=KIND)).outcome is Outcome.SENT
    finally:
        await paid.stop()
    first, last = fake_telegram.to(31)
    assert (len(first.text), len(last.text)) == (4096, 4)
    assert "reply_markup" not in first.params
    assert last.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "报名", "callback_data": "lecture.signup:7"}]]}
    assert first.params["allow_paid_broadcast"] in (True, "true", "True")
