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
UNSUCCESSFUL = (RowStatus.FAILED.value, RowStatus.BLOCKED.value)
NOT_CONNECTED = "channel not connected"


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    broadcast_id: int | None
    member_id: int | None
    chat_id: str
    text: str | None
    kind: str
    attempts: int
    buttons: list[list[dict[str, str]]] | None = None


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
    buttons: list[list[dict[str, str]]] | None = None,
) -> OutboxMessage:
    """A message to the member's private chat; a member who never wrote privately (or
    blocked the bot) gets a row that says so, for staff to see, and nothing is sent."""
    status, detail = QUEUED, ""
    if member.private_chat_id is None:
        status, detail = RowStatus.FAILED.value, "no private chat"
    elif member.unreachable:
        status, detail = RowStatus.BLOCKED.value, "member unreachable"
    row = OutboxMessage(member_id=member.id, channel=member.channel,
                        chat_id=member.private_chat_id or member.chat_id, text=text, kind=kind,
                        urgent=urgent, available_at=now, dedupe_key=dedupe_key, status=status,
                        attempts=0, detail=detail, buttons=buttons)
    session.add(row)
    return row


async def enqueue_chat_message(
    session: AsyncSession, *, channel: str, chat_id: str, text: str, now: datetime, kind: str,
    buttons: list[list[dict[str, str]]] | None = None,
) -> OutboxMessage:
    """A message to a chat that is not a member's private chat (the staff chat)."""
    member_id = await session.scalar(select(Member.id).where(
        Member.channel == channel, Member.private_chat_id == chat_id).limit(1))
    row = OutboxMessage(member_id=member_id, channel=channel, chat_id=chat_id, text=text,
                        kind=kind, urgent=True, available_at=now, status=QUEUED, attempts=0,
                        detail="", buttons=buttons)
    session.add(row)
    return row


async def recent_notices(session: AsyncSession, *, limit: int = 15
                         ) -> list[tuple[OutboxMessage, Member | None]]:
    """The latest messages that are not broadcasts, newest first, with their member."""
    rows = await session.execute(
        select(OutboxMessage, Member).outerjoin(Member, Member.id == OutboxMessage.member_id)
        .where(OutboxMessage.broadcast_id.is_(None))
        .order_by(OutboxMessage.id.desc()).limit(limit))
    return [(row, member) for row, member in rows.all()]


async def claim_rows(
    session: AsyncSession, *, channel: str, owner: str, now: datetime, lease: timedelta,
    limit: int, urgent_only: bool = False, skip_kind: str | None = None,
) -> list[Claimed]:
    """Lease up to `limit` due rows to `owner`, oldest first. One statement, so it takes the
    write lock before it reads (SQLite) and skips rows another process holds (PostgreSQL).
    `skip_kind` leaves broadcast rows of that kind to `claim_broadcast_rows`."""
    free = (OutboxMessage.status == QUEUED,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
    due = select(OutboxMessage.id).where(
        OutboxMessage.channel == channel, OutboxMessage.available_at <= now, *free)
    if urgent_only:
        due = due.where(OutboxMessage.urgent.is_(True))
    if skip_kind is not None:  # broadcast rows of this kind go out in bulk instead
        due = due.where(or_(OutboxMessage.kind != skip_kind,
                            OutboxMessage.broadcast_id.is_(None)))
    # A CTE, evaluated once: as a subquery of `IN (...)` PostgreSQL may run it again for each
    # row it updates, and with SKIP LOCKED each run finds other rows, so one claim took many
    # times `limit` rows (and seconds), more than the process could send within their lease.
    due_rows = (due.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
                .cte("due").prefix_with("MATERIALIZED"))
    rows = await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == due_rows.c.id, *free)
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(OutboxMessage.id, OutboxMessage.broadcast_id, OutboxMessage.member_id,
                   OutboxMessage.chat_id, OutboxMessage.text, OutboxMessage.kind,
                   OutboxMessage.attempts, OutboxMessage.buttons)
        .execution_options(synchronize_session=False))
    return sorted((Claimed(**row._asdict()) for row in rows), key=lambda row: row.id)


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
        if status in (RowStatus.SENT, RowStatus.MASS):
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
    """Running broadcasts with nothing left queued end: done, or done with failures when a
    recipient failed or could not be reached. Each is returned to exactly one caller (the
    conditional update), who reports the counts."""
    finished: list[Broadcast] = []
    for broadcast_id in sorted(broadcast_ids):
        left = await session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == QUEUED).limit(1))
        if left:
            continue
        failed = await session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status.in_(UNSUCCESSFUL)).limit(1))
        ending = BroadcastStatus.PARTIAL if failed else BroadcastStatus.DONE
        result = await session.execute(update(Broadcast).where(
            Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.RUNNING.value,
        ).values(status=ending.value, finished_at=now))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is not None:
                finished.append(broadcast)
    return finished


async def fail_unsendable(
    session: AsyncSession, broadcast_ids: set[int], *, channels: set[str]
) -> int:
    """Rows on a channel this process has no sender for (a terminal-chat member, a channel not
    configured) fail at once, so the broadcast can end instead of waiting for ever."""
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.broadcast_id.in_(broadcast_ids),
                                    OutboxMessage.status == QUEUED,
                                    OutboxMessage.channel.not_in(channels))
        .values(status=RowStatus.FAILED.value, detail=NOT_CONNECTED)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def claim_broadcast_rows(
    session: AsyncSession, *, channel: str, kind: str, owner: str, now: datetime,
    lease: timedelta, urgent_only: bool = False,
) -> list[Claimed]:
    """Lease every due row of the oldest running broadcast on `channel` at once: the rows a
    single platform call (a WeChat mass send to a tag) delivers together."""
    await take_write_lock(session)
    free = (OutboxMessage.status == QUEUED, OutboxMessage.channel == channel,
            OutboxMessage.kind == kind, OutboxMessage.broadcast_id.is_not(None),
            OutboxMessage.available_at <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
    first = select(OutboxMessage.broadcast_id).where(*free)
    if urgent_only:
        first = first.where(OutboxMessage.urgent.is_(True))
    broadcast_id = await session.scalar(first.order_by(OutboxMessage.id).limit(1))
    if broadcast_id is None:
        return []
    rows = await session.execute(
        update(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id, *free)
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(OutboxMessage.id, OutboxMessage.broadcast_id, OutboxMessage.member_id,
                   OutboxMessage.chat_id, OutboxMessage.text, OutboxMessage.kind,
                   OutboxMessage.attempts, OutboxMessage.buttons)
        .execution_options(synchronize_session=False))
    return sorted((Claimed(*tuple(row)) for row in rows), key=lambda row: row.id)


async def release_waiting(
    session: AsyncSession, *, channel: str, external_id: str, now: datetime
) -> int:
    """The member wrote: notices that waited for them are due now. Returns how many."""
    member_id = select(Member.id).where(
        Member.channel == channel, Member.external_id == external_id).scalar_subquery()
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.member_id == member_id,
                                    OutboxMessage.status == RowStatus.WAITING.value)
        .values(status=QUEUED, available_at=now, detail="")
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
