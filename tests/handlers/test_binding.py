"""Linking a chat to the roster: card, name, last four digits of the phone; lockout."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.messages import Contact
from models.db import Sessions
from models.roster import Binding
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import DEMO_CARD, Clock, load_demo_data


async def _bound(sessions: Sessions) -> int:
    async with sessions.begin() as session:
        return await session.scalar(select(func.count()).select_from(Binding)) or 0


async def test_member_binds_with_card_name_and_phone(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()))
    assert "京卡卡号" in await member.command("/bind")
    assert "第 2 步" in await member.says("6200 0000 0000 0001")
    assert "第 3 步" in await member.says("王芳")
    assert "绑定成功" in await member.says("0001")
    assert ("申请互助金", "claim.start") in member.buttons
    assert "已绑定 王芳" in await member.presses("bind.start")
    assert await _bound(sessions) == 1


async def test_binding_checks_each_answer(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    await member.presses("bind.start")
    assert "16 to 19 digits" in await member.says("12345")
    await member.says(DEMO_CARD)
    await member.says("王芳")
    assert "exactly four digits" in await member.says("12")


async def test_own_contact_confirms_the_phone(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    await member.command("/bind")
    await member.says(DEMO_CARD)
    await member.says("王芳")
    assert "own contact" in _text(await member.send(contact=Contact("+8613900000000", False)))
    assert "linked to 王芳" in _text(await member.send(contact=Contact("+86 138 0000 0001", True)))


async def test_five_wrong_tries_lock_binding_for_an_hour(settings, sessions) -> None:
    await load_demo_data(sessions)
    clock = Clock()
    member = Member(make_dispatcher(settings, sessions, clock), language="en")
    for _attempt in range(5):
        await member.command("/bind")
        await member.says(DEMO_CARD)
        await member.says("王芳")
        answer = await member.says("9999")
        clock.now += timedelta(minutes=1)
    assert "locked until 11:04" in answer
    assert "locked" in await member.command("/bind")
    clock.now += timedelta(minutes=30)
    assert "locked" in await member.command("/bind"), "the right details are not even asked"
    clock.now += timedelta(minutes=31)
    assert "Step 1 of 3" in await member.command("/bind")
    await member.says(DEMO_CARD)
    await member.says("王芳")
    assert "linked to 王芳" in await member.says("0001")


async def test_wrong_details_never_say_which_was_wrong(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    await member.command("/bind")
    await member.says("6200000000009999")
    await member.says("王芳")
    unknown_card = await member.says("0001")
    await member.command("/bind")
    await member.says(DEMO_CARD)
    await member.says("王小芳")
    wrong_name = await member.says("0001")
    assert unknown_card == wrong_name
    assert "do not match" in wrong_name
    assert await _bound(sessions) == 0


def _text(replies) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(reply.text for reply in replies)


async def test_each_channel_names_only_itself_and_names_match_loosely(settings,
                                                                      sessions) -> None:
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions)
    on_wechat = Member(dispatcher, user_id="o1", channel="wechat", language="en")
    await on_wechat.command("/bind")
    await on_wechat.says("6200000000000002")
    step3 = await on_wechat.says("li  ming")
    assert "Step 3 of 3" in step3 and "Telegram" not in step3 and "contact" not in step3
    assert "now linked to Li Ming" in await on_wechat.says("0002")
    on_telegram = Member(dispatcher, user_id="t1", language="en")
    await on_telegram.command("/bind")
    await on_telegram.says("6200000000000002")
    assert "share your own contact" in await on_telegram.says("LI MING")
