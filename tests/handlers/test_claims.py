"""Filing a mutual-aid claim: every step checked, /cancel, resume, consent, documents."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from bot.config import Settings
from bot.messages import Attachment, AttachmentKind
from models.db import Sessions
from models.mutual_aid import Claim, ClaimDocument, Consent
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import (
    JPEG,
    PDF,
    Clock,
    FileMember,
    bind,
    bound_member,
    file_claim,
    load_demo_data,
)


async def _count(sessions: Sessions, model: type) -> int:
    async with sessions.begin() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def _stored_files(settings: Settings) -> list[Path]:
    folder = settings.bot.data_dir / "documents"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def _at_amount_step(member: FileMember) -> None:
    await member.command("/claim")
    await member.presses("claim.answer:p1")
    await member.presses("claim.answer:hospitalisation")
    await member.says("2026-11-18")


async def test_a_claim_needs_a_linked_membership(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = FileMember(make_dispatcher(settings, sessions, Clock()), language="en")
    assert "first link this chat" in await member.command("/claim")
    assert ("Link my membership", "bind.start") in member.buttons
    assert "first link this chat" in await member.command("/myclaims")
    assert "Mutual-aid plans" in await member.presses("plans.list"), "browsing needs no binding"


async def test_member_files_a_claim_and_sees_its_status(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = FileMember(make_dispatcher(settings, sessions, Clock()))
    await bind(member)
    assert "您要申请哪项保障计划" in await member.command("/claim")
    assert "发生了什么情况" in await member.presses("claim.answer:p1")
    assert "发生日期" in await member.presses("claim.answer:hospitalisation")
    assert "最高支付 ¥10,000.00" in await member.presses("claim.answer:2026-11-19")
    assert "简要说明" in await member.says("3,500.50元")
    assert "敏感个人信息" in await member.presses("claim.answer:-")
    assert "已记录您的同意" in await member.presses("claim.answer:agree")
    assert "已收到第 1 份材料" in await member.sends_file(JPEG, name="我的身份证.jpg")
    assert "已收到第 2 份材料" in await member.sends_file(PDF, kind=AttachmentKind.DOCUMENT,
                                                       name="bill.pdf")
    summary = await member.presses("claim.answer:done")
    assert "金额：¥3,500.50" in summary and "材料：2 份" in summary
    filed = await member.presses("claim.answer:submit")
    assert "申请编号：HZ26112000001" in filed
    assert "HZ26112000001" in await member.command("/myclaims")
    assert "状态：已提交，等待审核" in member.last[0].text
    names = sorted(p.name for p in _stored_files(settings))
    assert len(names) == 2 and all(len(n.split(".")[0]) == 64 for n in names)
    assert await _count(sessions, ClaimDocument) == 2


async def test_typing_works_as_well_as_buttons(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    await member.command("/claim")
    assert "What happened" in await member.says("1")
    assert "On what date" in await member.says("Hospital stay")
    assert "How much" in await member.says("2026年11月18日")
    await member.says("800")
    await member.says("-")
    await member.says("I agree")
    await member.sends_file(JPEG)
    assert "Submit it?" in await member.says("done")
    assert "Claim number" in await member.says("yes")


async def test_each_step_refuses_a_wrong_answer(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    await member.command("/claim")
    assert "choose one of the plans" in await member.says("the best plan")
    await member.presses("claim.answer:p1")
    assert "choose one of these" in await member.says("a broken heart")
    await member.presses("claim.answer:hospitalisation")
    assert "could not read that date" in await member.says("some day")
    assert "could not read that date" in await member.says("2026-02-30")
    assert "in the future" in await member.says("2026-11-21")
    assert "within 180 days" in await member.says("2026-05-20")
    assert "How much" in await member.says("2026-05-24")
    assert "could not read that amount" in await member.says("0")
    assert "could not read that amount" in await member.says("-5")
    assert "could not read that amount" in await member.says("a lot")
    assert "at most ¥10,000.00" in await member.says("10000.01")
    assert "describe" in await member.says("10000")
    assert "under 500 characters" in await member.says("x" * 501)


async def test_documents_are_checked_by_content_type_and_size(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    await _at_amount_step(member)
    await member.says("3500")
    await member.says("-")
    await member.presses("claim.answer:agree")
    gif = b"GIF89a" + b"\x00" * 40
    assert "not a JPG or PNG photo or a PDF" in await member.sends_file(gif, name="scan.jpg")
    exe = b"MZ\x90\x00" + b"\x00" * 40
    assert "not a JPG or PNG" in await member.sends_file(exe, kind=AttachmentKind.DOCUMENT,
                                                         name="bill.pdf")
    assert "too large" in await member.sends_file(JPEG, size=20 * 1024 * 1024)
    assert "too large" in await member.sends_file(JPEG + b"\x00" * (10 * 1024 * 1024))
    assert "photo, or a PDF" in await member.sends_file(b"OggS", kind=AttachmentKind.VOICE)
    assert _stored_files(settings) == []
    assert "Received document 1" in await member.sends_file(JPEG)


async def test_a_claim_can_be_filed_where_files_cannot_be_sent(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), channel="terminal",
                    language="en")
    await bind(member)
    await _at_amount_step(member)  # type: ignore[arg-type]
    await member.says("3500")
    await member.says("-")
    await member.presses("claim.answer:agree")
    attachment = Attachment(AttachmentKind.PHOTO, "x")
    assert "cannot receive files" in "".join(r.text for r in await member.send(
        attachment=attachment))
    assert "You have sent no documents" in await member.presses("claim.answer:done")
    assert "Claim number" in await member.presses("claim.answer:submit")


async def test_cancel_at_any_step_files_nothing(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    await _at_amount_step(member)
    assert "Cancelled" in await member.command("/cancel")
    assert "How much" not in await member.says("3500")
    await _at_amount_step(member)
    await member.says("3500")
    await member.says("-")
    await member.presses("claim.answer:agree")
    await member.sends_file(JPEG)
    await member.presses("claim.answer:done")
    assert "No claim was filed" in await member.presses("claim.cancel")
    assert "step is over" in await member.presses("claim.answer:submit")
    assert await _count(sessions, Claim) == 0


async def test_a_claim_resumes_after_a_restart(settings, sessions) -> None:
    await load_demo_data(sessions)
    before = FileMember(make_dispatcher(settings, sessions, Clock()), language="en")
    await bind(before)
    await _at_amount_step(before)
    after = FileMember(make_dispatcher(settings, sessions, Clock()), language="en", _count=100)
    assert "describe what happened" in await after.says("3500")
    await after.presses("claim.answer:-")
    await after.presses("claim.answer:agree")
    await after.sends_file(JPEG)
    await after.presses("claim.answer:done")
    assert "Claim number" in await after.presses("claim.answer:submit")


async def test_refusing_consent_stores_nothing(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    await _at_amount_step(member)
    await member.says("3500")
    assert "sensitive personal information" in await member.says("-")
    assert "nothing has been stored" in await member.presses("claim.answer:refuse")
    assert "nothing has been stored" in await member.sends_file(JPEG)
    assert _stored_files(settings) == []
    assert await _count(sessions, Consent) == 0
    assert await _count(sessions, ClaimDocument) == 0
    assert "Cancelled" in await member.command("/cancel")


async def test_consent_is_asked_once_and_recorded(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    assert "Claim number" in await file_claim(member)
    await _at_amount_step(member)
    await member.says("100")
    assert "Send photos or PDFs" in await member.says("-")
    async with sessions.begin() as session:
        consent = await session.scalar(select(Consent))
    assert consent is not None and consent.text_version == "2026-12-v2/1095d"
    assert consent.purpose == "claim_documents"


async def test_a_double_tap_on_submit_files_one_claim(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    await _at_amount_step(member)
    await member.says("3500")
    await member.says("-")
    await member.presses("claim.answer:agree")
    await member.sends_file(JPEG)
    await member.presses("claim.answer:done")
    answers = await asyncio.gather(member.presses("claim.answer:submit"),
                                   member.presses("claim.answer:submit"))
    assert sum("Claim number" in answer for answer in answers) == 1
    assert await _count(sessions, Claim) == 1
    assert "step is over" in await member.presses("claim.answer:submit")


async def test_an_album_of_photos_sent_at_once_is_kept_whole(settings, sessions) -> None:
    member = await bound_member(settings, sessions)
    await _at_amount_step(member)
    await member.says("3500")
    await member.says("-")
    await member.presses("claim.answer:agree")
    photos = [JPEG + bytes([n]) for n in range(4)]
    await asyncio.gather(*(member.sends_file(photo) for photo in photos))
    assert "Documents: 4" in await member.presses("claim.answer:done")
    await member.presses("claim.answer:submit")
    assert await _count(sessions, ClaimDocument) == 4
