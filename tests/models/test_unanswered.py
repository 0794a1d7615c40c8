"""Missed questions are kept for staff 90 days, then housekeeping deletes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.db import Sessions
from models.retention import forget_unanswered
from models.unanswered import list_open_unanswered, record_unanswered

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


async def test_questions_older_than_90_days_are_deleted(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        for age, text in ((91, "old"), (89, "recent")):
            await record_unanswered(
                session, now=NOW - timedelta(days=age), channel="telegram", language="zh_CN",
                text=text, best_intent=None, confidence=0.0, reason="unknown",
            )
    async with sessions.begin() as session:
        assert await forget_unanswered(session, before=NOW - timedelta(days=90)) == 1
    async with sessions.begin() as session:
        assert [q.text for q in await list_open_unanswered(session)] == ["recent"]
