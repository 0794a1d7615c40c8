"""A membership already linked elsewhere: the holder confirms, or staff move it after checking;
requests expire, and nobody else can answer them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messages import Address
from models.db import Sessions
from models.roster import Binding
from tests.support.dialogue import Member, notices
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import Clock, bind, load_demo_data, make_staff


async def _bound(sessions: Sessions) -> list[int]:
    async with sessions.begin() as session:
        return sorted(await session.scalars(select(Binding.member_id)))


async def _two_accounts(settings, sessions, clock):  # type: ignore[no-untyped-def]
    await load_demo_data(sessions)
    with_staff = settings.model_copy(update={
        "handoff": settings.handoff.model_copy(update={"staff_chat": "telegram:-100777"})})
    dispatcher = make_dispatcher(with_staff, sessions, clock)
    holder = Member(dispatcher, user_id="1001", language="en")
    await bind(holder)
    newcomer = Member(dispatcher, user_id="oWx-9", channel="wechat", language="en")
    await bind(newcomer)
    return holder, newcomer


async def test_the_holder_confirms_and_both_accounts_are_linked(settings, sessions) -> None:
    holder, newcomer = await _two_accounts(settings, sessions, Clock())
    assert "asked that account to confirm" in newcomer.last[0].text
    await bind(newcomer)  # trying again does not ask the holder again
    [asked] = await notices(holder.dispatcher, Address("telegram", "1001"))
    assert asked.payloads == ("bind.allow:1", "bind.deny:1")
    assert "no longer open" in await newcomer.presses("bind.allow:1")  # only the holder answers
    assert await _bound(sessions) == [1]
    assert "linked too" in await holder.presses("bind.allow:1")
    assert len(await _bound(sessions)) == 2
    [linked] = await notices(holder.dispatcher, Address("wechat", "oWx-9"))
    assert "now linked to 王芳" in linked.text
    assert "no longer open" in await holder.presses("bind.allow:1")


async def test_staff_move_the_membership_and_the_old_account_is_told(settings, sessions) -> None:
    holder, _newcomer = await _two_accounts(settings, sessions, Clock())
    [note] = await notices(holder.dispatcher, Address("telegram", "-100777"))
    assert note.payloads == ("bind.approve:1",)
    assert "only for union staff" in await holder.presses("bind.approve:1")
    await make_staff(sessions, "2002")
    staff = Member(holder.dispatcher, user_id="2002")
    assert "批准" in (await staff.send(payload="bind.approve:1", is_private=False,
                                       chat_id="-100777"))[0].text
    assert await _bound(sessions) == [2]
    moved = await notices(holder.dispatcher, Address("telegram", "1001"))
    assert "moved your membership" in moved[-1].text


async def test_an_old_request_can_no_longer_be_answered(settings, sessions) -> None:
    clock = Clock()
    holder, _newcomer = await _two_accounts(settings, sessions, clock)
    clock.now += timedelta(days=3)
    assert "no longer open" in await holder.presses("bind.allow:1")
    assert await _bound(sessions) == [1]
