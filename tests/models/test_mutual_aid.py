"""Claim queries and the guard against two staff deciding one claim at the same time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm.exc import StaleDataError

from models.db import Sessions
from models.member import get_or_create_member
from models.mutual_aid import AidPlan, Claim, ClaimStatus, file_claim, get_claim, set_status
from models.roster import RosterEntry
from tests.support.member_services import NOW


async def _one_claim(sessions: Sessions) -> int:
    async with sessions.begin() as session:
        member, _ = await get_or_create_member(
            session, channel="telegram", external_id="1", chat_id="1", display_name="",
            language="zh_CN", now=NOW)
        plan = AidPlan(name_zh="计划", coverage_zh="住院", cap_fen=100_000, claim_window_days=90,
                       incident_types=["hospitalisation"])
        entry = RosterEntry(card_number="6200000000000001", name="王芳", phone="13800000001")
        session.add_all([plan, entry])
        await session.flush()
        claim = Claim(member_id=member.id, roster_id=entry.id, plan_id=plan.id,
                      incident_type="hospitalisation", incident_date=date(2026, 11, 18),
                      amount_fen=50_000, submitted_at=NOW, updated_at=NOW)
        await file_claim(session, claim, draft="none", local_day=NOW.date())
        return claim.id


async def test_the_second_of_two_simultaneous_decisions_fails(sessions: Sessions) -> None:
    if sessions.engine.dialect.name == "sqlite":
        pytest.skip("SQLite lets one writer at a time: the second decision waits for the lock")
    claim_id = await _one_claim(sessions)
    later = NOW + timedelta(minutes=5)
    with pytest.raises(StaleDataError):
        async with sessions.begin() as first, sessions.begin() as second:
            mine, theirs = await get_claim(first, claim_id), await get_claim(second, claim_id)
            assert mine is not None and theirs is not None
            await set_status(first, mine, ClaimStatus.APPROVED, actor_id=1, now=later,
                             decided_fen=50_000)
            await set_status(second, theirs, ClaimStatus.REJECTED, actor_id=1, now=later,
                             reason="重复")
            await second.flush()
            await second.commit()
    async with sessions.begin() as session:
        claim = await get_claim(session, claim_id)
        assert claim is not None and claim.status == "rejected"
