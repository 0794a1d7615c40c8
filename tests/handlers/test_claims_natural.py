"""A claim accepts dates, amounts and answers as members write them, and lets them leave."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.db import Sessions
from models.mutual_aid import Claim
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import JPEG, Clock, FileMember, bind, load_demo_data


async def _claims(sessions: Sessions) -> int:
    async with sessions.begin() as session:
        return await session.scalar(select(func.count()).select_from(Claim)) or 0


async def _member(settings, sessions, language: str, user_id: str = "1001") -> FileMember:
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions, Clock())
    member = FileMember(dispatcher, language=language, user_id=user_id)
    await bind(member)
    return member


async def _to_date_step(member: FileMember) -> None:
    await member.command("/claim")
    await member.presses("claim.answer:p1")
    await member.presses("claim.answer:hospitalisation")


WHOLE_CLAIMS = [
    # language, date, amount, done, last answer, summary shows, last reply shows, claims filed
    ("zh-hans", "上周五", "一万", "好了", "是的", ("2026-11-13", "¥10,000.00"), "申请编号", 1),
    ("en", "last Monday", "3.5k", "done", "no", ("2026-11-16", "¥3,500.00"),
     "No claim was filed", 0),
    ("en", "November 18", "¥2,000", "finish", "OK", ("2026-11-18", "¥2,000.00"),
     "Claim number", 1),
    ("zh-hans", "11月17号", "两千五", "完成", "不", ("2026-11-17", "¥2,500.00"), "未提交", 0),
]


@pytest.mark.parametrize(("language", "when", "amount", "done", "last", "shown", "answer",
                          "filed"), WHOLE_CLAIMS)
async def test_a_claim_in_the_members_own_words(settings, sessions, language: str, when: str,
                                                amount: str, done: str, last: str,
                                                shown: tuple[str, str], answer: str,
                                                filed: int) -> None:
    member = await _member(settings, sessions, language)
    await _to_date_step(member)
    await member.says(when)
    await member.says(amount)
    await member.says("-")
    await member.presses("claim.answer:agree")
    await member.sends_file(JPEG)
    summary = await member.says(done)
    assert all(part in summary for part in shown)
    assert answer in await member.says(last)
    assert await _claims(sessions) == filed


async def test_wrong_answers_are_explained(settings, sessions) -> None:
    member = await _member(settings, sessions, "en")
    await _to_date_step(member)
    assert "could not read that date" in await member.says("some time ago")
    assert "How much" in await member.says("last Monday")
    assert "could not read that amount" in await member.says("a lot")
    assert "describe" in await member.says("3.5k")


async def test_yesterday_and_11_20_style_dates(settings, sessions) -> None:
    member = await _member(settings, sessions, "zh-hans")
    await _to_date_step(member)
    assert "最高支付" in await member.says("昨天")
    await member.command("/cancel")
    await _to_date_step(member)
    assert "最高支付" in await member.says("11.18")


# One database each: a membership bound to one chat account is not moved to another silently.
@pytest.mark.parametrize(("language", "phrase", "answer"), [
    ("zh-hans", "算了", "已取消"), ("zh-hans", "我不想申请了", "已取消"),
    ("en", "never mind", "Cancelled")])
async def test_exit_phrases_leave_the_claim(settings, sessions, language: str, phrase: str,
                                            answer: str) -> None:
    member = await _member(settings, sessions, language)
    await _to_date_step(member)
    await member.says("2026-11-18")
    assert answer in await member.says(phrase)
    assert "3000" not in await member.says("3000"), "the claim is not silently resumed"
    assert await _claims(sessions) == 0


async def test_another_command_asks_to_continue_or_leave(settings, sessions) -> None:
    member = await _member(settings, sessions, "en")
    await _to_date_step(member)
    await member.says("2026-11-18")
    question = await member.command("/discounts")
    assert "middle of: your mutual-aid claim" in question
    assert ("Continue", "flow.stay") in member.buttons
    assert ("Leave it", "flow.leave:discounts") in member.buttons
    assert "go on" in await member.presses("flow.stay")
    assert "describe" in await member.says("3000"), "the claim goes on where it was"
    await member.command("/discounts")
    assert "discount" in (await member.presses("flow.leave:discounts")).lower()
    assert "describe" not in await member.says("3000")


async def test_chinese_member_is_asked_in_chinese(settings, sessions) -> None:
    member = await _member(settings, sessions, "zh-hans")
    await _to_date_step(member)
    assert "您正在办理：互助保障理赔申请" in await member.command("/discounts")
    assert ("退出", "flow.leave:discounts") in member.buttons
