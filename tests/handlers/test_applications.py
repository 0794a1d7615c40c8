"""Applications described as data, end to end: a member applies for hardship aid, a student
grant or membership in their own words, staff decide with the documents, the member sees it
paid; /myapplications shows each stage with its date."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.messages import Address
from handlers.applications.spec import SpecError, load_specs, parse_spec
from models.applications import Application
from models.db import Sessions
from tests.support.dialogue import Member, notices
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import JPEG, Clock, FileMember, bind, load_demo_data, make_staff

# kind, the member's answers (typed or pressed), documents sent
APPLICATIONS = [
    ("hardship_aid", ["apply.answer:illness", "上周五", "三口", "三千五", "一万五",
                      "爱人住院，家里只有我一份收入"], 2),
    ("student_aid", ["王小明", "北京联合大学", "本科", "8月20日", "是的"], 1),
    ("membership", ["美团外卖（平台）", "2", "2025-03-01", "no"], 0),
]


async def _setup(settings, sessions, language: str = "zh-hans"):  # type: ignore[no-untyped-def]
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions, Clock())
    member = FileMember(dispatcher, user_id="1001", language=language)
    await bind(member)
    await make_staff(sessions, "2002", language="en")
    return member, Member(dispatcher, user_id="2002", name="Li", language="en")


async def _application(sessions: Sessions) -> Application:
    async with sessions.begin() as session:
        found = await session.scalar(select(Application))
        assert found is not None
        return found


async def _apply(member: FileMember, kind: str, answers: list[str], documents: int) -> str:
    opening = await member.presses(f"apply.start:{kind}")
    for answer in answers:
        reply = await (member.presses(answer) if answer.startswith("apply.") else
                       member.says(answer))
        assert "没看懂" not in reply and "请选择" not in reply, (answer, reply)
    if ("我同意", "apply.answer:agree") in member.buttons:
        await member.presses("apply.answer:agree")
        for number in range(documents):
            await member.sends_file(JPEG + bytes([number]))
        await member.presses("apply.answer:done")
    assert "请核对您的申请" in member.last[0].text
    return opening + "\n" + await member.says("确认")


@pytest.mark.parametrize(("kind", "answers", "documents"), APPLICATIONS)
async def test_member_applies_and_staff_decide_and_pay(settings, sessions, kind: str,
                                                       answers: list[str],
                                                       documents: int) -> None:
    member, staff = await _setup(settings, sessions)
    said = await _apply(member, kind, answers, documents)
    assert "申请编号" in said
    application = await _application(sessions)
    assert application.status == "submitted"
    assert "waiting for review: 1" in await staff.command("/applications")
    assert staff.buttons[0][1] == f"apply.open:{application.id}"
    assert str(application.number) in staff.buttons[0][0]
    await staff.presses(f"apply.open:{application.id}")
    files = [r for r in staff.last if r.file is not None]
    assert len(files) == documents
    assert (staff.last[-1].buttons[1][0].payload or "").startswith("apply.reject")
    assert "ending 0001" in staff.last[0].text
    await staff.presses(f"apply.approve:{application.id}")
    if kind == "membership":
        assert "已批准" in await member.command("/myapplications")
        return
    await staff.presses(f"apply.paid:{application.id}")
    assert all(r.to is None and r.to_member is None for r in staff.last)
    notice = (await notices(member.dispatcher, Address("telegram", "1001")))[-1]
    assert "已于 2026-11-20 打入您的京卡" in notice.text
    mine = await member.command("/myapplications")
    assert "已支付" in mine and "2026-11-20" in mine


async def test_hardship_aid_in_english_with_wrong_answers_explained(settings, sessions) -> None:
    member, _staff = await _setup(settings, sessions, language="en")
    opening = await member.command("/apply hardship")
    assert "Please have these ready" in opening and "Household register" in opening
    assert "choose one of these" in await member.says("bad luck")
    assert "Since when" in await member.says("1")
    assert "could not read that date" in await member.says("a while ago")
    assert "How many people" in await member.says("last Friday")
    assert "whole number from 1 to 20" in await member.says("many")
    assert "monthly income" in await member.says("3")
    assert "could not read that amount" in await member.says("little")
    assert "How much aid" in await member.says("3.5k")
    assert "more than ¥20,000.00" in await member.says("50000")
    assert "describe" in await member.says("15,000")
    assert "Before you send documents" in await member.says("My wife is in hospital.")
    assert "Cancelled" in await member.says("never mind")


async def test_another_amount_needs_a_reason_and_own_applications_are_refused(
        settings, sessions) -> None:
    member, staff = await _setup(settings, sessions)
    await _apply(member, "student_aid", APPLICATIONS[1][1], 0)
    await staff.presses("apply.open:1")
    assert staff.buttons[0] == ("Approve ¥3,000.00", "apply.approve:1")
    await staff.presses("apply.amount:1")
    assert "Why ¥2,000.00" in await staff.says("2000")
    await staff.says("今年助学标准为每人 2000 元")
    mine = await member.command("/myapplications")
    assert "¥2,000.00" in mine and "每人 2000 元" in mine
    await bind(staff, card="6200000000000002", name="li ming", phone="0002")
    await _apply_as(staff)
    assert "cannot decide your own application" in await staff.presses("apply.approve:2")


async def _apply_as(member: Member) -> None:
    await member.command("/apply 入会")
    for answer in APPLICATIONS[2][1]:
        await member.says(answer)
    await member.says("yes")


async def test_apply_lists_all_four_and_mutual_aid_goes_to_the_claim(settings, sessions) -> None:
    member, _staff = await _setup(settings, sessions, language="en")
    await member.command("/apply")
    assert [payload for _label, payload in member.buttons] == [
        "claim.start", "apply.start:hardship_aid", "apply.start:student_aid",
        "apply.start:membership"]
    assert "Which plan" in await member.presses("claim.start")


def test_the_four_files_load_and_a_broken_one_names_its_fault() -> None:
    assert [spec.kind for spec in load_specs()] == [
        "mutual_aid", "hardship_aid", "student_aid", "membership"]
    with pytest.raises(SpecError, match="type must be one of"):
        parse_spec({"kind": "x", "name": "X", "fields": [{"id": "a", "type": "colour",
                                                          "question": "?"}]}, "x.toml")
    with pytest.raises(SpecError, match="needs a consent"):
        parse_spec({"kind": "x", "name": "X", "documents": ["ID"],
                    "fields": [{"id": "a", "type": "text", "question": "?"}]}, "x.toml")
