"""Automated reminders: sources say what is due, the sweep writes one outbox row for each.

A source (lecture registrations, claims awaiting documents, waitlist promotions) implements
`ReminderSource`; the sweep runs them in one transaction per source, so a reminder is queued
and marked sent together. The outbox row's dedupe key makes a second sweep (two processes, a
crash between the two writes) a no-op. Members who turned reminders off get none.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.sender import MessageKind
from bot.i18n import Catalogs
from models.broadcast import OutboxMessage
from models.db import Sessions
from models.member import Member
from models.outbox import enqueue_message, take_write_lock
from models.subscription import REMINDERS, wants

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One reminder for one member. `message` is English source text marked with N_() in the
    source's module; it is translated into the member's language, then formatted."""

    key: str  # unique within the source, e.g. "lecture:12:registration:5:24h"
    member_id: int
    message: str
    params: Mapping[str, str] = field(default_factory=dict)
    # (label marked with N_(), payload): the choices the member can act on from the reminder
    buttons: tuple[tuple[str, str], ...] = ()


class ReminderSource(Protocol):
    name: str

    async def due(self, session: AsyncSession, *, now: datetime) -> Sequence[DueReminder]: ...

    async def mark_sent(
        self, session: AsyncSession, reminder: DueReminder, *, now: datetime
    ) -> None: ...


async def sweep_reminders(
    sessions: Sessions, sources: Sequence[ReminderSource], catalogs: Catalogs, *, now: datetime
) -> int:
    """Queue every due reminder; returns how many were queued."""
    queued = 0
    for source in sources:
        try:
            async with sessions.begin() as session:
                await take_write_lock(session)
                for reminder in await source.due(session, now=now):
                    queued += await _queue(session, source.name, reminder, catalogs, now)
                    await source.mark_sent(session, reminder, now=now)
        except Exception:
            log.exception("reminder source %s failed; it is tried again next sweep", source.name)
    return queued


async def _queue(
    session: AsyncSession, source: str, reminder: DueReminder, catalogs: Catalogs,
    now: datetime,
) -> int:
    key = f"{source}:{reminder.key}"[:120]
    member = await session.get(Member, reminder.member_id)
    if member is None or member.unreachable or not await wants(session, member.id, REMINDERS):
        return 0
    if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return 0
    _ = catalogs.get(member.language).gettext
    text = _(reminder.message).format(**reminder.params)
    buttons = [[{"label": _(label), "payload": payload}]
               for label, payload in reminder.buttons] or None
    await enqueue_message(session, member, text, now=now, kind=MessageKind.SERVICE_NOTICE.value,
                          dedupe_key=key, buttons=buttons)
    return 1
