"""Hourly housekeeping: an abandoned claim's uploads are deleted, old update ids forgotten."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.config import Settings
from bot.housekeeping import Housekeeping
from models.base import utcnow
from models.db import Sessions
from models.dedupe import HandledUpdate
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import (
    JPEG,
    Clock,
    FileMember,
    bind,
    claim_up_to_documents,
    load_demo_data,
)


async def test_uploads_of_a_cancelled_claim_are_deleted_and_old_updates_forgotten(
    settings: Settings, sessions: Sessions
) -> None:
    await load_demo_data(sessions)
    started = utcnow()
    dispatcher = make_dispatcher(settings, sessions, Clock(started))
    member = FileMember(dispatcher, user_id="1", language="en")
    await bind(member)
    await claim_up_to_documents(member)
    await member.sends_file(JPEG)
    assert "Cancelled" in await member.command("/cancel")
    stored = settings.bot.data_dir / "documents"
    assert len(list(stored.rglob("*.*"))) == 1

    housekeeping = Housekeeping(sessions, settings.bot.data_dir)
    assert await housekeeping.run(started + timedelta(hours=1)) == 0  # the member may come back
    assert await housekeeping.run(started + timedelta(days=3)) == 2  # the row and the file
    assert list(stored.rglob("*.*")) == []
    assert await _remembered_updates(sessions) > 0  # a platform may still retry those
    await housekeeping.run(started + timedelta(days=8))
    assert await _remembered_updates(sessions) == 0


async def _remembered_updates(sessions: Sessions) -> int:
    async with sessions.begin() as session:
        return int(await session.scalar(select(func.count()).select_from(HandledUpdate)) or 0)
