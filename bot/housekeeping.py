"""Hourly tidying: the retention periods of `[privacy]` kept, and the documents of claim flows
members abandoned deleted.

Each kind of personal data past its period is deleted in its own short transaction, and the
count goes to the audit log (`retention.<kind>`), so what was deleted when can be shown.
Files go after the rows that pointed to them are committed; a file that could not be removed
is found again the next hour (nothing points to it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot import documents
from bot.config import PrivacySettings
from models.audit import record_audit
from models.db import Sessions
from models.mutual_aid import document_paths_in_use, forget_abandoned_drafts
from models.privacy import erase_member
from models.retention import (
    forget_closed_handoffs,
    forget_decided_documents,
    forget_recent_questions,
    forget_unanswered,
    forget_update_ids,
    unbound_members,
)

log = logging.getLogger(__name__)

DRAFT_LIFETIME = timedelta(days=2)  # an unfinished claim flow keeps its uploads this long
Rule = Callable[[AsyncSession, datetime], Awaitable[int]]


class Housekeeping:
    def __init__(self, sessions: Sessions, data_dir: Path,
                 privacy: PrivacySettings | None = None) -> None:
        self.sessions = sessions
        self.data_dir = data_dir
        self.privacy = privacy or PrivacySettings()

    def rules(self) -> dict[str, Rule]:
        """Each kind of data with its deletion, as of `now`."""
        days = self.privacy

        def ago(count: int, now: datetime) -> datetime:
            return now - timedelta(days=count)

        return {
            "documents": lambda s, now: forget_decided_documents(
                s, decided_before=ago(days.document_days, now)),
            "abandoned_documents": lambda s, now: forget_abandoned_drafts(
                s, added_before=now - DRAFT_LIFETIME),
            "handoff_transcripts": lambda s, now: forget_closed_handoffs(
                s, closed_before=ago(days.handoff_days, now)),
            "unanswered_questions": lambda s, now: forget_unanswered(
                s, before=ago(days.unanswered_days, now)),
            "recent_questions": lambda s, now: forget_recent_questions(
                s, before=now - timedelta(days=1)),
            "update_ids": lambda s, now: forget_update_ids(
                s, before=ago(days.update_log_days, now)),
            "unbound_members": lambda s, now: self._erase_unbound(
                s, unseen_since=ago(days.unbound_member_days, now), now=now),
        }

    async def run(self, now: datetime) -> int:
        """Returns how many rows and files were removed."""
        total = 0
        for kind, rule in self.rules().items():
            async with self.sessions.begin() as session:
                count = await rule(session, now)
                if count:
                    await record_audit(session, at=now, actor_id=None,
                                       action=f"retention.{kind}", detail=f"{count} deleted")
            total += count
        async with self.sessions.begin() as session:
            in_use = await document_paths_in_use(session)
        removed = await asyncio.to_thread(
            documents.remove_unused, self.data_dir, in_use, older_than=now - DRAFT_LIFETIME
        )
        if removed:
            async with self.sessions.begin() as session:
                await record_audit(session, at=now, actor_id=None, action="retention.files",
                                   detail=f"{removed} deleted")
        if total or removed:
            log.info("housekeeping: %s rows and %s files deleted", total, removed)
        return total + removed

    async def _erase_unbound(self, session: AsyncSession, *, unseen_since: datetime,
                             now: datetime) -> int:
        members = await unbound_members(session, unseen_since=unseen_since)
        for member in members:
            await erase_member(session, member, now=now)
        return len(members)
