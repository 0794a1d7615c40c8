"""Outbox queries for the delivery engine: write the rows, claim them, record what happened.

Claiming is one UPDATE over `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one
writer at a time), setting a lease with an expiry: two processes never hold the same row, and
rows a crashed process held come back when its lease runs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import UTCDateTime
from models.broadcast import Broadcast, BroadcastStatus, OutboxMessage, RowStatus
from models.member import Member
from models.subscription import select_audience

QUEUED = RowStatus.QUEUED.value


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    broadcast_id: int | None
    member_id: int
    chat_id: str
    text: str | None
    kind: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Result:
    """What became of one claimed row: a final status, or QUEUED again with a retry time."""

    id: int
    status: RowStatus
    detail: str = ""
    retry_at: datetime | None = None
    counts_attempt: bool = True


async def enqueue_broadcast(session: AsyncSession, broadcast: Broadcast, *, now: datetime) -> int:
    """One queued row per recipient, written in one statement. Returns how many."""
    audience = select_audience(broadcast.topic, broadcast.audience).subquery()
    rows = select(
        literal(broadcast.id), audience.c.id, audience.c.channel, audience.c.chat_id,
        literal("announcement"), literal(broadcast.urgent), literal(QUEUED), literal(0),
        literal(now, UTCDateTime()), literal(""),
    )
    columns = ("broadcast_id", "member_id", "channel", "chat_id", "kind", "urgent", "status",
               "attempts", "available_at", "detail")
    result = await session.execute(insert(OutboxMessage).from_select(columns, rows))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def enqueue_message(
    session: AsyncSession, member: Member, text: str, *, now: datetime, kind: str,
    urgent: bool = True, dedupe_key: str | None = None,
) -> OutboxMessage:
    row = OutboxMessage(member_id=member.id, channel=member.channel, chat_id=member.chat_id,
                        text=text, kind=kind, urgent=urgent, available_at=now,
                        dedupe_key=dedupe_key, status=QUEUED, attempts=0, detail="")
    session.add(row)
    return row


async def claim_rows(
    session: AsyncSession, *, channel: str, owner: str, now: datetime, lease: timedelta,
    limit: int, urgent_only: bool = False,
) -> list[Claimed]:
    """Lease up to `limit` due rows to `owner`, oldest first. One statement, so it takes the
    write lock before it reads (SQLite) and skips rows another process holds (PostgreSQL)."""
    free = (OutboxMessage.status == QUEUED,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
    due = select(OutboxMessage.id).where(
        OutboxMessage.channel == channel, OutboxMessage.available_at <= now, *free)
    if urgent_only:
        due = due.where(OutboxMessage.urgent.is_(True))
    due = due.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    rows = await session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()), *free)
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(OutboxMessage.id, OutboxMessage.broadcast_id, OutboxMessage.member_id,
                   OutboxMessage.chat_id, OutboxMessage.text, OutboxMessage.kind,
                   OutboxMessage.attempts)
        .execution_options(synchronize_session=False))
    return sorted((Claimed(*row) for row in rows), key=lambda row: row.id)


async def renew_leases(
    session: AsyncSession, ids: Sequence[int], *, owner: str, until: datetime
) -> set[int]:
    """Extend `owner`'s leases on these rows; returns the ids it still holds."""
    rows = await session.execute(
        update(OutboxMessage).where(
            OutboxMessage.id.in_(ids), OutboxMessage.lease_owner == owner,
            OutboxMessage.status == QUEUED)
        .values(lease_until=until).returning(OutboxMessage.id)
        .execution_options(synchronize_session=False))
    return set(rows.scalars())


async def take_write_lock(session: AsyncSession) -> None:
    """Start the transaction with a write: on SQLite, a transaction that read first and then
    writes fails at once ("database is locked") if another wrote meanwhile; one that writes
    first waits its turn. Changes nothing."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == -1)
                              .values(attempts=OutboxMessage.attempts)
                              .execution_options(synchronize_session=False))


async def record_results(
    session: AsyncSession, results: Sequence[Result], *, owner: str, now: datetime
) -> None:
    """Write outcomes, one UPDATE per kind of outcome; a row another process took over
    meanwhile is left to it."""
    groups: dict[tuple[RowStatus, str, datetime | None, bool], list[int]] = {}
    for result in results:
        key = (result.status, result.detail[:200], result.retry_at, result.counts_attempt)
        groups.setdefault(key, []).append(result.id)
    for (status, detail, retry_at, counts_attempt), ids in groups.items():
        values: dict[str, object] = {"status": status.value, "detail": detail,
                                     "lease_owner": None, "lease_until": None}
        if status is RowStatus.SENT:
            values["sent_at"] = now
        if retry_at is not None:
            values["available_at"] = retry_at
        if counts_attempt:
            values["attempts"] = OutboxMessage.attempts + 1
        await session.execute(
            update(OutboxMessage).where(
                OutboxMessage.id.in_(ids), OutboxMessage.status == QUEUED,
                OutboxMessage.lease_owner == owner,
            ).values(**values))


async def block_member(session: AsyncSession, member_id: int) -> None:
    """The member blocked the bot: unreachable, and nothing more is written to them."""
    await session.execute(update(Member).where(Member.id == member_id).values(unreachable=True))
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.member_id == member_id,
                                    OutboxMessage.status == QUEUED)
        .values(status=RowStatus.BLOCKED.value, detail="member unreachable"))


async def set_reachable(
    session: AsyncSession, *, channel: str, external_id: str, reachable: bool
) -> bool:
    """From the platform's own notice (Telegram's my_chat_member). Returns whether known."""
    member = await session.scalar(select(Member).where(
        Member.channel == channel, Member.external_id == external_id))
    if member is None:
        return False
    if reachable:
        member.unreachable = False
    else:
        await block_member(session, member.id)
    return True


async def cancelled_among(session: AsyncSession, broadcast_ids: set[int]) -> set[int]:
    if not broadcast_ids:
        return set()
    rows = await session.scalars(select(Broadcast.id).where(
        Broadcast.id.in_(broadcast_ids), Broadcast.status == BroadcastStatus.CANCELLED.value))
    return set(rows)


async def finish_broadcasts(
    session: AsyncSession, broadcast_ids: set[int], *, now: datetime
) -> list[Broadcast]:
    """Running broadcasts with nothing left queued become done; each is returned to exactly
    one caller (the conditional update), who reports the counts."""
    finished: list[Broadcast] = []
    for broadcast_id in sorted(broadcast_ids):
        left = await session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == QUEUED).limit(1))
        if left:
            continue
        result = await session.execute(update(Broadcast).where(
            Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.RUNNING.value,
        ).values(status=BroadcastStatus.DONE.value, finished_at=now))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is not None:
                finished.append(broadcast)
    return finished

