"""Talking to a person: tickets that relay a member's messages to staff and their answers back."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.crypto import Sealed
from models.member import Member


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Direction(StrEnum):
    TO_STAFF = "to_staff"
    TO_MEMBER = "to_member"


class HandoffTicket(Base):
    __tablename__ = "handoff_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default=TicketStatus.OPEN.value)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)

    @property
    def number(self) -> str:
        """What members and staff see: "T12"."""
        return f"T{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status == TicketStatus.OPEN.value


class HandoffMessage(Base):
    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("handoff_tickets.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    direction: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Sealed())
    at: Mapped[datetime]


def parse_ticket_number(text: str | None) -> int | None:
    """The ticket id in "#T12 王芳: ..." or "T12", or None."""
    match = re.search(r"#?\bT(\d{1,9})\b", text or "")
    return int(match[1]) if match else None


async def open_ticket(session: AsyncSession, *, member_id: int, now: datetime) -> HandoffTicket:
    """The member's open ticket, or a new one."""
    ticket = await find_open_ticket(session, member_id=member_id)
    if ticket is None:
        ticket = HandoffTicket(member_id=member_id, status=TicketStatus.OPEN.value,
                               opened_at=now)
        session.add(ticket)
        await session.flush()
    return ticket


async def find_open_ticket(session: AsyncSession, *, member_id: int) -> HandoffTicket | None:
    return await session.scalar(select(HandoffTicket).where(
        HandoffTicket.member_id == member_id, HandoffTicket.status == TicketStatus.OPEN.value,
    ).order_by(HandoffTicket.id.desc()).limit(1))


async def get_ticket(
    session: AsyncSession, ticket_id: int
) -> tuple[HandoffTicket, Member] | None:
    """A ticket and the member who opened it."""
    ticket = await session.get(HandoffTicket, ticket_id)
    if ticket is None:
        return None
    member = await session.get(Member, ticket.member_id)
    assert member is not None
    return ticket, member


async def close_ticket(
    session: AsyncSession, ticket: HandoffTicket, *, by_id: int, now: datetime
) -> None:
    ticket.status, ticket.closed_at, ticket.closed_by_id = TicketStatus.CLOSED.value, now, by_id
    await session.flush()


async def record_message(
    session: AsyncSession, ticket: HandoffTicket, *, author_id: int, direction: Direction,
    text: str, now: datetime,
) -> None:
    session.add(HandoffMessage(ticket_id=ticket.id, author_id=author_id,
                               direction=direction.value, text=text, at=now))


async def list_open_tickets(
    session: AsyncSession, *, limit: int = 20
) -> list[tuple[HandoffTicket, Member]]:
    rows = await session.execute(
        select(HandoffTicket, Member).join(Member, HandoffTicket.member_id == Member.id)
        .where(HandoffTicket.status == TicketStatus.OPEN.value)
        .order_by(HandoffTicket.id).limit(limit)
    )
    return [(ticket, member) for ticket, member in rows]
