"""Attacks on accounts, groups and notices, through python-telegram-bot and the fake Bot API
over real HTTP with the whole bot running: a private notice never lands in a group, a
colleague's card is not taken over, a 502 loses no notice, a slow upload holds nobody up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from models.audit import AuditEntry
from models.db import Sessions
from models.roster import Binding
from tests.support.events import add_event
from tests.support.fakes.telegram_api import BOT_USERNAME, FakeTelegram
from tests.support.member_services import DEMO_CARD, JPEG, NOW, load_demo_data, make_staff
from tests.support.telegram_chat import STAFF_GROUP, Chat, app_settings, running

MEMBER, STAFF, GROUP = 1001, 2002, -100555
WRONG = "Those details do not match our records"


@pytest.fixture
async def app(database_url: str, settings: Settings, sessions: Sessions,
              fake_telegram: FakeTelegram) -> AsyncIterator[App]:
    await load_demo_data(sessions)
    await make_staff(sessions, str(STAFF))
    on_fake = app_settings(database_url, settings.bot.data_dir, fake_telegram)
    async with running(on_fake, NOW) as running_app:
        yield running_app


def staff_reply(fake: FakeTelegram, text: str, relayed: str) -> dict[str, Any]:
    """Staff answer a relayed message in the staff group by replying to it."""
    original = {"message_id": 1, "date": int(time.time()), "text": relayed,
                "chat": {"id": STAFF_GROUP, "type": "group", "title": "staff"},
                "from": {"id": 777000, "is_bot": True, "first_name": "Union"}}
    return fake.message(STAFF, text, chat_type="group", chat_id=STAFF_GROUP, name="李老师",
                        reply_to_message=original)


async def bind(chat: Chat, card: str = DEMO_CARD, name: str = "王芳", phone: str = "0001",
               answers: int = 1) -> str:
    await chat.says("/bind")
    await chat.says(card)
    await chat.says(name)
    return await chat.says(phone, answers=answers)


async def test_a_private_notice_never_follows_the_member_into_a_group(
    app: App, fake_telegram: FakeTelegram
) -> None:
    member = Chat(fake_telegram, MEMBER, "en")
    in_group = Chat(fake_telegram, MEMBER, "en", group=GROUP)
    assert "ticket #T1" in await member.says("/human")
    await member.says("My employer has not paid me for two months")
    [relayed] = [s.text for s in await fake_telegram.wait_for(STAFF_GROUP, 2)][1:]

    await in_group.says(f"/help@{BOT_USERNAME}")  # the member's latest message is in a group
    assert "privately" in await in_group.says("My salary is 5000")  # not relayed to staff
    assert "privately" in await in_group.says(f"/claim@{BOT_USERNAME}")
    assert "privately" in await in_group.says(f"/bind@{BOT_USERNAME}")

    fake_telegram.push(staff_reply(fake_telegram, "Please bring your contract.", relayed))
    answers = await fake_telegram.wait_for(MEMBER, 3)
    assert answers[-1].text == "Union staff (#T1): Please bring your contract."
    assert not [s for s in fake_telegram.to(GROUP) if "contract" in s.text]
    assert len(fake_telegram.to(STAFF_GROUP)) == 3  # opened, one relay, "queued for"


async def test_a_second_account_with_a_colleagues_card_is_not_linked_silently(
    app: App, fake_telegram: FakeTelegram, sessions: Sessions
) -> None:
    holder = Chat(fake_telegram, MEMBER, "en")
    assert "linked to 王芳" in await bind(holder)
    intruder = Chat(fake_telegram, 3001, "en")
    answer = await bind(intruder)
    assert "asked that account to confirm" in answer
    question = (await fake_telegram.wait_for(MEMBER, 5))[-1]
    assert "Is that you?" in question.text and "**** 0001" in question.text
    assert ("No, that is not me", "bind.deny:1") in question.buttons
    assert "link this chat" in await intruder.says("/myclaims")  # still not linked

    refused = await holder.presses("bind.deny:1")
    assert "Nothing has changed" in refused[0].text
    told = await fake_telegram.wait_for(3001, 6)
    assert "did not confirm" in told[-1].text
    async with sessions.begin() as session:
        bound = list(await session.scalars(select(Binding.member_id)))
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert len(bound) == 1
    assert {"member.bind.request", "member.bind.refuse"} <= set(actions)


async def test_guesses_spread_over_accounts_lock_the_card_and_never_say_which_field(
    app: App, fake_telegram: FakeTelegram, sessions: Sessions
) -> None:
    wrong_phone = await bind(Chat(fake_telegram, 3001, "en"), phone="9999")
    wrong_name = await bind(Chat(fake_telegram, 3002, "en"), name="李四")
    wrong_card = await bind(Chat(fake_telegram, 3003, "en"), card="6200000000009999")
    assert WRONG in wrong_phone and WRONG in wrong_name and WRONG in wrong_card
    assert wrong_phone == wrong_name  # the same words whichever field was wrong
    for user, phone in ((3002, "1234"), (3003, "4321"), (3001, "1111")):
        await bind(Chat(fake_telegram, user, "en"), phone=phone)
    # Five failures on this card from three accounts: even the right details are refused now.
    locked = await bind(Chat(fake_telegram, 3004, "en"))
    assert "linking is locked" in locked
    async with sessions.begin() as session:
        assert await session.scalar(select(Binding.id)) is None
        refusals = list(await session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "member.bind", AuditEntry.allowed.is_(False))))
    assert len(refusals) == 7 and refusals.count("locked") >= 2


async def test_one_502_in_ten_sends_loses_no_notice(
    app: App, fake_telegram: FakeTelegram
) -> None:
    member = Chat(fake_telegram, MEMBER, "zh-hans")
    assert "工单 #T1" in await member.says("/human")
    await fake_telegram.wait_for(STAFF_GROUP, 1)
    # One send in ten fails, off the rhythm of reply-then-notice pairs so notices are hit.
    fake_telegram.fail_every, fake_telegram.fail_phase = 10, 5
    questions = [f"问题 {n}" for n in range(1, 16)]
    for text in questions:  # the member's words go to the staff group ...
        fake_telegram.push(member.update(text=text))
        await asyncio.sleep(0.05)
    relays = await _all_arrive(fake_telegram, STAFF_GROUP, [f"#T1 王芳: {q}" for q in questions])
    for relay in relays:  # ... and staff answers come back to the member
        fake_telegram.push(staff_reply(fake_telegram, f"答复 {relay[-2:].strip()}", relay))
        await asyncio.sleep(0.05)
    await _all_arrive(fake_telegram, MEMBER,
                      [f"工会工作人员（#T1）：答复 {q[-2:].strip()}" for q in questions])
    assert fake_telegram.failed >= 5


async def _all_arrive(fake: FakeTelegram, chat: int, texts: list[str]) -> list[str]:
    """Every text reaches the chat exactly once (within 40 s: retries back off)."""
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        got = [s.text for s in fake.to(chat)]
        if all(text in got for text in texts):
            assert all(got.count(text) == 1 for text in texts)
            return texts
        await asyncio.sleep(0.2)
    missing = [text for text in texts if text not in [s.text for s in fake.to(chat)]]
    raise AssertionError(f"lost notices: {missing}")


async def test_help_is_answered_while_a_slow_upload_downloads(
    app: App, fake_telegram: FakeTelegram
) -> None:
    member = Chat(fake_telegram, MEMBER, "en")
    await bind(member)
    await member.presses("claim.start")
    for answer in ("claim.answer:p1", "claim.answer:hospitalisation"):
        await member.presses(answer)
    await member.says("2026-11-18")
    await member.says("3500")
    await member.presses("claim.answer:-")
    await member.presses("claim.answer:agree")
    fake_telegram.add_file("slow-1", JPEG)
    release = fake_telegram.slow_files["slow-1"] = asyncio.Event()
    photo = [{"file_id": "slow-1", "file_unique_id": "s1", "width": 800, "height": 600}]
    before = len(fake_telegram.to(MEMBER))
    other = Chat(fake_telegram, 4004, "en")
    fake_telegram.push(member.update(photo=photo))  # one batch: the upload, then /help
    fake_telegram.push(other.update(text="/help"))
    helped = await fake_telegram.wait_for(4004, 1, within=8)  # not held up by the upload
    assert "You can ask me about" in helped[0].text
    for _ in range(50):
        if "slow-1" in fake_telegram.downloads_started:
            break
        await asyncio.sleep(0.1)
    assert len(fake_telegram.to(MEMBER)) == before  # the upload is still downloading
    release.set()
    received = await fake_telegram.wait_for(MEMBER, before + 1)
    assert "Received document 1" in received[-1].text


async def test_many_accounts_cannot_take_the_seats_of_a_members_only_lecture(
    app: App, fake_telegram: FakeTelegram, sessions: Sessions
) -> None:
    lecture = await add_event(sessions, kind="lecture", capacity=2)
    for user in (3001, 3002, 3003):
        answer = await Chat(fake_telegram, user, "en").presses(f"events.join:{lecture}")
        assert "for union members" in answer[0].text
    member = Chat(fake_telegram, MEMBER, "en")
    await bind(member)
    assert "signed up" in (await member.presses(f"events.join:{lecture}"))[0].text
