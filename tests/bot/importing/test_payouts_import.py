"""`unionbot import payouts FILE`: the bank's payout file marks approved claims and applications
paid, all or nothing, and each member is told the amount and the date in their language."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from models.broadcast import OutboxMessage
from models.mutual_aid import Claim
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import (
    Clock,
    FileMember,
    bind,
    file_claim,
    load_demo_data,
    make_staff,
)


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("UNIONBOT_DATABASE__URL", database_url)
    monkeypatch.chdir(tmp_path)

    async def run_cli(*args: str) -> int:
        return await asyncio.to_thread(main, list(args))

    return run_cli


async def _approved_claim(settings, sessions) -> FileMember:  # type: ignore[no-untyped-def]
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions, Clock())
    member = FileMember(dispatcher, user_id="1001", language="zh-hans")
    await bind(member)
    await file_claim(member)
    await make_staff(sessions, "2002")
    await Member(dispatcher, user_id="2002").presses("claims.approve:1")
    return member


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


async def test_the_bank_file_marks_the_claim_paid_and_the_member_is_told(
        run, settings, sessions, tmp_path, capsys) -> None:
    member = await _approved_claim(settings, sessions)
    async with sessions.begin() as session:  # the approval notice is already queued
        before = set(await session.scalars(select(OutboxMessage.id)))
    assert len(before) == 1
    path = _csv(tmp_path / "payouts.csv", ["number,amount,paid_on",
                                            "HZ26112000001,\"3,500.00\",2026/11/25"])
    assert await run("import", "payouts", str(path)) == 0
    assert await run("import", "payouts", str(path)) == 0, "a second import changes nothing"
    async with sessions.begin() as session:
        claim = await session.scalar(select(Claim))
        notices = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.id.not_in(before))))
    assert claim is not None and (claim.status, claim.paid_fen) == ("paid", 350_000)
    assert len(notices) == 1
    assert notices[0].text == "您的申请 HZ26112000001：¥3,500.00 已于 2026-11-25 打入您的京卡。"
    assert "已支付：¥3,500.00（2026-11-25）" in await member.command("/myclaims")


async def test_a_bad_payout_file_names_every_problem_and_pays_nothing(
        run, settings, sessions, tmp_path, capsys) -> None:
    await _approved_claim(settings, sessions)
    path = _csv(tmp_path / "payouts.csv", [
        "number,amount,paid_on", "HZ26112000001,3000,2026-11-25", "HZ99,100,2026-11-25",
        "HZ26112000001,lots,25.11"])
    assert await run("import", "payouts", str(path)) == 1
    errors = capsys.readouterr().err
    for expected in ("row 2, amount: ¥3,000.00 differs from the ¥3,500.00 approved",
                     "row 3, number: no claim or application 'HZ99'",
                     "row 4, amount: not an amount: 'lots'", "row 4, paid_on: not a date"):
        assert expected in errors
    async with sessions.begin() as session:
        claim = await session.scalar(select(Claim))
    assert claim is not None and claim.status == "approved"
