"""A claim followed to the payout: reasons for another amount, old requests cleared, paid with
amount and date, and staff never deciding their own claim."""

from __future__ import annotations

from sqlalchemy import select

from bot.messages import Address
from models.audit import AuditEntry
from models.db import Sessions
from models.mutual_aid import Claim
from tests.support.dialogue import Member, notices
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import (
    JPEG,
    Clock,
    FileMember,
    bind,
    file_claim,
    load_demo_data,
    make_staff,
)


async def _claim(sessions: Sessions) -> Claim:
    async with sessions.begin() as session:
        claim = await session.scalar(select(Claim))
        assert claim is not None
        return claim


async def _filed(settings, sessions, language: str = "en"):  # type: ignore[no-untyped-def]
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions, Clock())
    member = FileMember(dispatcher, user_id="1001", language=language)
    await bind(member)
    await file_claim(member)
    await make_staff(sessions, "2002", language="en")
    return member, Member(dispatcher, user_id="2002", name="Li", language="en")


async def _to_member(member: Member) -> str:
    """The newest notice queued in the outbox for the member's chat."""
    queued = await notices(member.dispatcher, Address(member.channel, member.user_id))
    assert queued, "a notice for the member is queued"
    return queued[-1].text


async def test_another_amount_needs_a_reason_the_member_reads(settings, sessions) -> None:
    member, staff = await _filed(settings, sessions)
    await staff.presses("claims.amount:1")
    assert "Why ¥3,000.00 rather than the ¥3,500.00 claimed" in await staff.says("3000")
    await staff.says("Outpatient costs before admission are not covered.")
    notice = await _to_member(member)
    assert "¥3,000.00" in notice and "Outpatient costs before admission" in notice
    claim = await _claim(sessions)
    assert (claim.status, claim.decided_fen) == ("approved", 300_000)


async def test_a_decision_clears_the_earlier_request_for_documents(settings, sessions) -> None:
    member, staff = await _filed(settings, sessions)
    await staff.presses("claims.docs:1")
    await staff.says("Please add the discharge summary.")
    await member.presses("claim.more:1")
    await member.sends_file(JPEG + b"2")
    await member.presses("claim.answer:done")
    await staff.presses("claims.approve:1")
    mine = await member.command("/myclaims")
    assert "Approved" in mine and "discharge summary" not in mine


async def test_staff_mark_a_claim_paid_and_the_member_hears_amount_and_date(
        settings, sessions) -> None:
    member, staff = await _filed(settings, sessions, language="zh-hans")
    await staff.presses("claims.approve:1")
    await staff.presses("claims.open:1")
    assert ("Mark ¥3,500.00 paid today", "claims.paid:1") in staff.buttons
    await staff.presses("claims.paid:1")
    assert "¥3,500.00 已于 2026-11-20 打入您的京卡" in await _to_member(member)
    assert "已支付：¥3,500.00（2026-11-20）" in await member.command("/myclaims")


async def test_staff_cannot_decide_their_own_claim(settings, sessions) -> None:
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions, Clock())
    staff = FileMember(dispatcher, user_id="2002", language="en")
    await make_staff(sessions, "2002", language="en")
    await bind(staff)
    await file_claim(staff)
    assert "cannot decide your own claim" in await staff.presses("claims.approve:1")
    assert "cannot decide your own claim" in await staff.presses("claims.reject:1")
    assert (await _claim(sessions)).status == "submitted"
    async with sessions.begin() as session:
        refused = await session.scalar(select(AuditEntry).where(
            AuditEntry.action == "claim.decide", AuditEntry.allowed.is_(False)))
    assert refused is not None


async def test_decision_buttons_follow_the_documents(settings, sessions) -> None:
    _member, staff = await _filed(settings, sessions)
    await staff.presses("claims.open:1")
    kinds = ["file" if r.file else "buttons" if r.buttons else "text" for r in staff.last]
    assert kinds == ["text", "file", "buttons"]
    assert "Decide on HZ26112000001" in staff.last[-1].text
