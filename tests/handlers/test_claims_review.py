"""Staff review of claims, from both sides: staff decide, the member hears at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messages import Address
from models.audit import AuditEntry
from models.db import Sessions
from models.mutual_aid import Claim, claims_awaiting_documents
from tests.support.dialogue import Member, notices
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import (
    JPEG,
    NOW,
    Clock,
    FileMember,
    bind,
    bound_member,
    file_claim,
    load_demo_data,
    make_staff,
)


async def _audit(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with sessions.begin() as session:
        return list(await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


async def _claim(sessions: Sessions) -> Claim:
    async with sessions.begin() as session:
        claim = await session.scalar(select(Claim))
        assert claim is not None
        return claim


async def _filed(settings, sessions, clock=None) -> tuple[FileMember, Member]:  # type: ignore[no-untyped-def]
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions, clock or Clock())
    member = FileMember(dispatcher, user_id="1001", language="en")
    await bind(member)
    await file_claim(member)
    await make_staff(sessions, "2002")
    return member, Member(dispatcher, user_id="2002", name="李干事")


async def test_members_cannot_review_claims_and_the_refusal_is_audited(settings, sessions) -> None:
    member, _staff = await _filed(settings, sessions)
    assert "only for union staff" in await member.command("/claims")
    assert "only for union staff" in await member.presses("claims.approve:1")
    refused = [e for e in await _audit(sessions, "claims") if not e.allowed]
    assert len(refused) == 1
    assert [e.allowed for e in await _audit(sessions, "claims.approve")] == [False]
    assert (await _claim(sessions)).status == "submitted"


async def test_staff_open_a_claim_with_its_documents_and_approve_it(settings, sessions) -> None:
    member, staff = await _filed(settings, sessions)
    assert "待审核的申请：1 项" in await staff.command("/claims")
    assert staff.buttons == [("HZ26112000001 · ¥3,500.00", "claims.open:1")]
    opened = await staff.presses("claims.open:1")
    assert "会员：王芳，卡号 6200000000000001" in opened and "材料：1 份" in opened
    files = [r.file for r in staff.last if r.file is not None]
    assert len(files) == 1 and files[0].data == JPEG and files[0].as_photo
    assert files[0].name == "HZ26112000001-1.jpg"
    assert "给会员的通知已排队" in await staff.presses("claims.approve:1")
    [notice] = await notices(staff.dispatcher)
    assert notice.to == Address("telegram", "1001") and notice.status == "queued"
    assert notice.text == ("Good news: your claim HZ26112000001 is approved. ¥3,500.00 will be "
                           "paid to your Jingka card.")
    claim = await _claim(sessions)
    assert (claim.status, claim.decided_fen) == ("approved", 350_000)
    details = [e.detail for e in await _audit(sessions, "claim.status")]
    assert details == ["-> submitted", "submitted -> approved; 350000 fen"]
    assert "Amount approved: ¥3,500.00" in await member.command("/myclaims")
    assert "不在待审核状态" in await staff.presses("claims.approve:1")


async def test_staff_approve_another_amount_within_the_cap(settings, sessions) -> None:
    _member, staff = await _filed(settings, sessions)
    assert "核准金额" in await staff.presses("claims.amount:1")
    assert "不超过 ¥10,000.00" in await staff.says("20000")
    assert "为什么批准 ¥3,000.00" in await staff.says("3000")
    await staff.says("门诊费用不在保障范围内")
    assert "¥3,000.00 will be paid" in (await notices(staff.dispatcher))[-1].text
    assert (await _claim(sessions)).decided_fen == 300_000


async def test_staff_reject_with_a_reason_the_member_reads(settings, sessions) -> None:
    _member, staff = await _filed(settings, sessions)
    await staff.presses("claims.reject:1")
    await staff.says("住院日期不在保障期内")
    notice = (await notices(staff.dispatcher))[-1]
    assert notice.to == Address("telegram", "1001")
    assert "was not approved. Reason: 住院日期不在保障期内" in notice.text
    assert (await _claim(sessions)).status == "rejected"


async def test_staff_ask_for_documents_and_the_member_sends_them(settings, sessions) -> None:
    clock = Clock()
    member, staff = await _filed(settings, sessions, clock)
    await staff.presses("claims.docs:1")
    await staff.says("请补充出院小结")
    notice = (await notices(staff.dispatcher))[-1]
    assert "needs more documents: 请补充出院小结" in notice.text
    assert notice.payloads == ("claim.more:1",)
    async with sessions.begin() as session:
        assert await claims_awaiting_documents(session, requested_before=NOW) != []
        assert await claims_awaiting_documents(
            session, requested_before=NOW - timedelta(minutes=1)) == []
    clock.now += timedelta(days=1)
    assert "Send photos or PDFs" in await member.presses("claim.more:1")
    assert "at least one document" in await member.presses("claim.answer:done")
    await member.sends_file(JPEG[:-1] + b"\x01")
    assert "back with union staff" in await member.presses("claim.answer:done")
    claim = await _claim(sessions)
    assert claim.status == "submitted"
    async with sessions.begin() as session:
        assert await claims_awaiting_documents(session, requested_before=clock.now) == []
    await staff.presses("claims.open:1")
    assert "材料：2 份" in staff.last[0].text


async def test_members_cannot_add_documents_to_someone_elses_claim(settings, sessions) -> None:
    _member, staff = await _filed(settings, sessions)
    await staff.presses("claims.docs:1")
    await staff.says("请补充出院小结")
    other = FileMember(make_dispatcher(settings, sessions, Clock()), user_id="3003", language="en")
    assert "not waiting for documents" in await other.presses("claim.more:1")


async def test_a_missing_document_is_reported_not_a_crash(settings, sessions) -> None:
    _member, staff = await _filed(settings, sessions)
    for path in (settings.bot.data_dir / "documents").rglob("*.jpg"):
        path.unlink()
    await staff.presses("claims.open:1")
    assert "材料：1 份" in staff.last[0].text
    assert staff.last[1].text == "HZ26112000001 的第 1 份材料在存储中找不到。"
    assert staff.last[1].file is None


async def test_a_member_withdraws_a_claim_under_review(settings, sessions) -> None:
    member, staff = await _filed(settings, sessions)
    await member.command("/myclaims")
    assert ("Withdraw HZ26112000001", "claim.withdraw:1") in member.buttons
    assert "Withdraw claim HZ26112000001?" in await member.presses("claim.withdraw:1")
    assert (await _claim(sessions)).status == "submitted", "nothing happens before yes"
    assert "is withdrawn" in await member.presses("claim.withdraw:1:yes")
    assert "Status: Cancelled" in await member.command("/myclaims")
    assert "no longer be withdrawn" in await member.presses("claim.withdraw:1:yes")
    assert "没有待审核的申请" in await staff.command("/claims")
    details = [e.detail for e in await _audit(sessions, "claim.status")]
    assert details[-1] == "submitted -> cancelled"


async def test_the_same_member_sees_their_claims_from_another_chat(settings, sessions) -> None:
    await _filed(settings, sessions)
    on_wechat = FileMember(make_dispatcher(settings, sessions, Clock()), user_id="oWx-1001",
                           channel="wechat", language="en")
    await bind(on_wechat)
    assert "asked that account to confirm" in on_wechat.last[0].text
    holder = Member(on_wechat.dispatcher, user_id="1001", language="en", _count=100)
    assert "linked too" in await holder.presses("bind.allow:1")
    assert "HZ26112000001" in await on_wechat.command("/myclaims")
    assert "Withdraw claim HZ26112000001?" in await on_wechat.presses("claim.withdraw:1")


async def test_claims_are_never_reviewed_in_a_group_chat(settings, sessions) -> None:
    _member, staff = await _filed(settings, sessions)
    in_group = await staff.send(payload="claims.open:1", is_private=False)
    assert [r.text for r in in_group] == [
        "这件事只关乎您本人，我不在群里回答，请私聊我。"]
    assert all(r.file is None for r in in_group)



async def test_the_staff_chat_hears_of_a_new_claim(settings, sessions) -> None:
    with_staff_chat = settings.model_copy(update={
        "handoff": settings.handoff.model_copy(update={"staff_chat": "telegram:-100777"})})
    member = await bound_member(with_staff_chat, sessions)
    await file_claim(member)
    [note] = await notices(member.dispatcher, Address("telegram", "-100777"))
    assert note.text.startswith("新的互助金申请 HZ") and "王芳" in note.text
    assert "/claims" in note.text


async def test_without_a_staff_chat_only_the_member_hears(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    assert "Claim number" in await file_claim(member)
    assert [reply.to for reply in member.last] == [None]
    assert await notices(member.dispatcher) == []
