"""Starting scheduled broadcasts: each due one is started once, even across restarts or by two
processes, because starting is a conditional update of its row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcast import Broadcast, BroadcastStatus
from models.outbox import enqueue_broadcast, take_write_lock

SCHEDULED = BroadcastStatus.SCHEDULED.value


async def start_due_broadcasts(
    session: AsyncSession, *, now: datetime, grace: timedelta,
    next_time: Callable[[str, datetime], datetime],
) -> list[Broadcast]:
    """Write the outbox rows of every broadcast whose time came; a recurring one gets a copy
    started and moves on to its next time. Returns the broadcasts started."""
    await take_write_lock(session)
    due = await session.scalars(
        select(Broadcast).where(Broadcast.status == SCHEDULED, Broadcast.send_at <= now)
        .order_by(Broadcast.send_at))
    started: list[Broadcast] = []
    for broadcast in list(due):
        late = now - broadcast.send_at > grace
        if broadcast.recurrence is None:
            status = BroadcastStatus.MISSED if late else BroadcastStatus.RUNNING
            if await _move(session, broadcast, status=status.value, now=now) and not late:
                await _enqueue(session, broadcast, now=now)
                started.append(broadcast)
            continue
        following = next_time(broadcast.recurrence, max(now, broadcast.send_at))
        if not await _move(session, broadcast, status=SCHEDULED, now=now, send_at=following):
            continue
        if late:
            continue
        copy = Broadcast(
            created_by=broadcast.created_by, created_at=now, text=broadcast.text,
            photo=broadcast.photo, topic=broadcast.topic, audience=broadcast.audience,
            urgent=broadcast.urgent, status=BroadcastStatus.RUNNING.value, send_at=now,
            parent_id=broadcast.id, started_at=now,
        )
        session.add(copy)
        await session.flush()
        await _enqueue(session, copy, now=now)
        started.append(copy)
    return started


async def _enqueue(session: AsyncSession, broadcast: Broadcast, *, now: datetime) -> None:
    """Write the rows; an audience that has emptied since it was composed ends at once
    rather than staying "running" with nothing to send."""
    if await enqueue_broadcast(session, broadcast, now=now) == 0:
        broadcast.status = BroadcastStatus.DONE.value
        broadcast.finished_at = now


async def _move(
    session: AsyncSession, broadcast: Broadcast, *, status: str, now: datetime,
    send_at: datetime | None = None,
) -> bool:
    """Only the caller whose update matched the row as it read it goes on."""
    values: dict[str, object] = {"status": status}
    if status == BroadcastStatus.RUNNING.value:
        values["started_at"] = now
    if send_at is not None:
        values["send_at"] = send_at
    result = await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast.id, Broadcast.status == SCHEDULED,
                                Broadcast.send_at == broadcast.send_at)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    broadcast.status = status
    if send_at is not None:
        broadcast.send_at = send_at
    return True
