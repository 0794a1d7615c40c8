"""The members roster from workplace unions, chat accounts bound to it, and bind attempts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

MAX_FAILURES = 5
LOCKOUT = timedelta(hours=1)


class RosterEntry(Base):
    """A union member on file: the Jingka card number identifies them."""

    __tablename__ = "roster"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(64), index=True)  # console search
    phone: Mapped[str] = mapped_column(String(20), index=True)
    workplace_union: Mapped[str] = mapped_column(String(120), default="")
    demo: Mapped[bool] = mapped_column(default=False)


class Binding(Base):
    """A chat account linked to a roster entry (one per chat account)."""

    __tablename__ = "bindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("roster.id"), index=True)
    bound_at: Mapped[datetime]


class BindAttempt(Base):
    __tablename__ = "bind_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column(default=False)


async def find_binding(session: AsyncSession, member_id: int) -> RosterEntry | None:
    """The roster entry this chat account is bound to, if any."""
    return await session.scalar(
        select(RosterEntry).join(Binding, Binding.roster_id == RosterEntry.id)
        .where(Binding.member_id == member_id)
    )


async def find_roster_entry(session: AsyncSession, card_number: str) -> RosterEntry | None:
    return await session.scalar(select(RosterEntry).where(RosterEntry.card_number == card_number))


async def locked_until(session: AsyncSession, member_id: int, *, now: datetime) -> datetime | None:
    """An hour after the fifth failed try within an hour, binding opens again; else None."""
    failures = list(await session.scalars(
        select(BindAttempt.at).where(
            BindAttempt.member_id == member_id, BindAttempt.succeeded.is_(False),
            BindAttempt.at > now - 2 * LOCKOUT,
        ).order_by(BindAttempt.at)
    ))
    ends = [failures[i] + LOCKOUT for i in range(MAX_FAILURES - 1, len(failures))
            if failures[i] - failures[i - MAX_FAILURES + 1] < LOCKOUT]
    return max(ends) if ends and max(ends) > now else None


async def record_bind_attempt(
    session: AsyncSession, member_id: int, *, now: datetime, succeeded: bool
) -> None:
    session.add(BindAttempt(member_id=member_id, at=now, succeeded=succeeded))


async def bind_member(
    session: AsyncSession, member_id: int, entry: RosterEntry, *, now: datetime
) -> Binding:
    existing = await session.scalar(select(Binding).where(Binding.member_id == member_id))
    if existing is not None:
        existing.roster_id, existing.bound_at = entry.id, now
        return existing
    binding = Binding(member_id=member_id, roster_id=entry.id, bound_at=now)
    session.add(binding)
    return binding


async def count_roster(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(RosterEntry)) or 0
