"""Broadcasts staff compose, and the outbox: one row per recipient and message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"  # waits for send_at (a recurring one stays scheduled)
    RUNNING = "running"  # outbox rows written, delivery under way
    DONE = "done"
    PARTIAL = "partial"  # done, but some recipients failed or could not be reached
    CANCELLED = "cancelled"
    MISSED = "missed"  # the bot was down past the misfire grace time


class RowStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    MASS = "mass"  # delivered by a WeChat mass send (群发) to the broadcast's tag
    WAITING = "waiting"  # a service notice waits for the member to write (WeChat's 48 h)
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    created_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    topic: Mapped[str] = mapped_column(String(24), default="announcements")
    audience: Mapped[str] = mapped_column(String(64), default="all")
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), index=True)
    send_at: Mapped[datetime] = mapped_column(index=True)
    recurrence: Mapped[str | None] = mapped_column(String(32), default=None)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboxMessage(Base):
    """One message to one member. Written before anything is sent, so a restart resumes."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "available_at"),
        Index("ix_outbox_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), default=None)
    # None: a notice to a chat that is no member's (the staff chat)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text, default=None)  # None: the broadcast's text
    # A notice's buttons: rows of {"label", "payload" or "url"}; None for broadcasts
    buttons: Mapped[list[list[dict[str, str]]] | None] = mapped_column(JSON, default=None)
    kind: Mapped[str] = mapped_column(String(16), default="announcement")
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=RowStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(40), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    detail: Mapped[str] = mapped_column(String(200), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120), default=None, unique=True)


def topic_of(audience: str) -> str:
    """The subscription an audience is drawn from: topic:X's, otherwise announcements."""
    kind, _, value = audience.partition(":")
    return value if kind == "topic" else "announcements"


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def list_broadcasts(session: AsyncSession, *, limit: int = 10) -> list[Broadcast]:
    """Scheduled ones first, then the most recent."""
    scheduled = await session.scalars(
        select(Broadcast).where(Broadcast.status == BroadcastStatus.SCHEDULED.value)
        .order_by(Broadcast.send_at).limit(limit))
    recent = await session.scalars(
        select(Broadcast).where(Broadcast.status != BroadcastStatus.SCHEDULED.value)
        .order_by(Broadcast.id.desc()).limit(limit))
    return [*scheduled, *recent][:limit]


async def count_deliveries(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """queued/sent/failed/blocked/cancelled counts of one broadcast's outbox rows."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).where(
            OutboxMessage.broadcast_id == broadcast_id).group_by(OutboxMessage.status))
    counts = {status.value: 0 for status in RowStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts


async def failure_details(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """How many rows failed or were blocked, per recorded detail (the platform's reason)."""
    rows = await session.execute(
        select(OutboxMessage.detail, func.count()).where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status.in_((RowStatus.FAILED.value, RowStatus.BLOCKED.value)))
        .group_by(OutboxMessage.detail))
    return {detail: int(n) for detail, n in rows}


async def cancel_broadcast(session: AsyncSession, broadcast_id: int, *, now: datetime) -> bool:
    """Stops a scheduled or running broadcast: its queued rows are never sent."""
    result = await session.execute(
        update(Broadcast).where(
            Broadcast.id == broadcast_id,
            Broadcast.status.in_((BroadcastStatus.SCHEDULED.value, BroadcastStatus.RUNNING.value)),
        ).values(status=BroadcastStatus.CANCELLED.value, finished_at=now))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(OutboxMessage).where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status == RowStatus.QUEUED.value,
        ).values(status=RowStatus.CANCELLED.value))
    return True


async def create_broadcast(
    session: AsyncSession, *, created_by: int | None, text: str, audience: str, now: datetime,
    send_at: datetime | None = None, recurrence: str | None = None, urgent: bool = False,
    photo: bytes | None = None,
) -> Broadcast:
    """A scheduled broadcast; "now" is a schedule for now, started by the next scheduler tick
    of whichever process runs the engine. `audience` is all, topic:NAME, lang:xx or tag:NAME."""
    broadcast = Broadcast(
        created_by=created_by, created_at=now, text=text, photo=photo,
        topic=topic_of(audience), audience=audience, urgent=urgent,
        status=BroadcastStatus.SCHEDULED.value, send_at=send_at or now, recurrence=recurrence,
    )
    session.add(broadcast)
    await session.flush()
    return broadcast
