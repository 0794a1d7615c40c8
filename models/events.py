"""Job fairs, training classes and lectures, and members' registrations for them.

Every change to an event's seats first locks the event row (`_lock_event`), so two bot
processes sharing the database never hand out the same seat or the same waitlist place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.member import Member


class EventKind(StrEnum):
    JOB_FAIR = "job_fair"
    TRAINING = "training"
    LECTURE = "lecture"


class Topic(StrEnum):
    RIGHTS = "rights"
    MENTAL_HEALTH = "mental_health"
    WELLNESS = "wellness"
    LEGAL = "legal"


class Status(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    topic: Mapped[str | None] = mapped_column(String(16), default=None)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    venue_zh: Mapped[str] = mapped_column(String(200), default="")
    venue_en: Mapped[str] = mapped_column(String(200), default="")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    employers: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column(default=None)  # None: no limit
    taken: Mapped[int] = mapped_column(Integer, default=0)  # confirmed seats
    # Sign-up needs a linked membership; None: as [limits] members_only_events says for the kind
    members_only: Mapped[bool | None] = mapped_column(default=None)
    demo: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)  # called off by staff

    def title(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title_zh

    def description(self, language: str) -> str:
        return self.description_en if language == "en" and self.description_en \
            else self.description_zh

    def venue(self, language: str) -> str:
        return self.venue_en if language == "en" and self.venue_en else self.venue_zh

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("event_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]  # with id, the arrival order on the waitlist
    reminded_24h_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_1h_at: Mapped[datetime | None] = mapped_column(default=None)
    checked_in_at: Mapped[datetime | None] = mapped_column(default=None)


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_WAITLISTED = "already_waitlisted"
    NOT_FOUND = "not_found"
    PAST = "past"


@dataclass(frozen=True, slots=True)
class SignUp:
    outcome: Outcome
    event: Event | None = None
    position: int = 0  # place on the waitlist, from 1


@dataclass(frozen=True, slots=True)
class Cancellation:
    cancelled: bool
    event: Event | None = None
    promoted: Member | None = None  # the waitlisted member who got the seat


async def list_upcoming(
    session: AsyncSession, *, now: datetime, kinds: tuple[str, ...], topic: str | None = None,
    limit: int = 10,
) -> list[Event]:
    """Events of these kinds that have not started yet, soonest first."""
    query = select(Event).where(Event.kind.in_(kinds), Event.starts_at > now,
                                Event.cancelled_at.is_(None))
    if topic is not None:
        query = query.where(Event.topic == topic)
    return list(await session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit)))


async def get_event(session: AsyncSession, event_id: int) -> Event | None:
    return await session.get(Event, event_id)


async def find_registration(
    session: AsyncSession, *, event_id: int, member_id: int
) -> Registration | None:
    return await session.scalar(select(Registration).where(
        Registration.event_id == event_id, Registration.member_id == member_id))


async def _lock_event(session: AsyncSession, event_id: int) -> Event | None:
    # A write comes first: on PostgreSQL it locks the event row until commit; on SQLite it takes
    # the database's write lock before anything is read, so no transaction decides on a stale
    # snapshot. Everything after it runs one registration at a time per event.
    result = await session.execute(
        update(Event).where(Event.id == event_id).values(taken=Event.taken)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        return None
    return await session.get(Event, event_id, populate_existing=True)


async def _waitlist_position(session: AsyncSession, registration: Registration) -> int:
    ahead = await session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id,
        Registration.status == Status.WAITLISTED.value,
        Registration.id != registration.id,
        (Registration.created_at < registration.created_at)
        | ((Registration.created_at == registration.created_at)
           & (Registration.id < registration.id)),
    ))
    return int(ahead or 0) + 1


async def register(
    session: AsyncSession, *, event_id: int, member_id: int, now: datetime
) -> SignUp:
    """A seat if one is left, else a place on the waitlist; never twice for one member."""
    event = await _lock_event(session, event_id)
    if event is None:
        return SignUp(Outcome.NOT_FOUND)
    if event.starts_at <= now or event.cancelled_at is not None:
        return SignUp(Outcome.PAST, event)
    existing = await find_registration(session, event_id=event_id, member_id=member_id)
    if existing is not None and existing.status == Status.CONFIRMED.value:
        return SignUp(Outcome.ALREADY_CONFIRMED, event)
    if existing is not None and existing.status == Status.WAITLISTED.value:
        return SignUp(Outcome.ALREADY_WAITLISTED, event,
                      await _waitlist_position(session, existing))
    seat = event.capacity is None or event.taken < event.capacity
    status = Status.CONFIRMED if seat else Status.WAITLISTED
    if existing is not None:  # signing up again after cancelling: a new place at the back
        await session.delete(existing)
        await session.flush()
    existing = Registration(event_id=event_id, member_id=member_id, status=status.value,
                            created_at=now)
    session.add(existing)
    if seat:
        event.taken += 1
        await session.flush()
        return SignUp(Outcome.CONFIRMED, event)
    await session.flush()
    return SignUp(Outcome.WAITLISTED, event, await _waitlist_position(session, existing))


async def cancel_registration(
    session: AsyncSession, *, event_id: int, member_id: int, now: datetime
) -> Cancellation:
    """Cancels the member's seat or waitlist place; a freed seat goes to the first in line."""
    event = await _lock_event(session, event_id)
    if event is None:
        return Cancellation(False)
    mine = await find_registration(session, event_id=event_id, member_id=member_id)
    if mine is None or mine.status == Status.CANCELLED.value:
        return Cancellation(False, event)
    had_seat = mine.status == Status.CONFIRMED.value
    mine.status = Status.CANCELLED.value
    promoted = None
    if had_seat:
        event.taken -= 1
        if event.starts_at > now:
            promoted = await _promote_next(session, event)
    await session.flush()
    return Cancellation(True, event, promoted)


async def _promote_next(session: AsyncSession, event: Event) -> Member | None:
    first = await session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.status == Status.WAITLISTED.value,
    ).order_by(Registration.created_at, Registration.id).limit(1))
    if first is None:
        return None
    first.status = Status.CONFIRMED.value
    event.taken += 1
    return await session.get(Member, first.member_id)


@dataclass(frozen=True, slots=True)
class MyRegistration:
    event: Event
    status: str


async def list_member_registrations(
    session: AsyncSession, *, member_id: int, now: datetime
) -> list[MyRegistration]:
    """The member's confirmed and waitlisted registrations for events still to come."""
    rows = await session.execute(
        select(Event, Registration.status)
        .join(Registration, Registration.event_id == Event.id)
        .where(Registration.member_id == member_id,
               Registration.status != Status.CANCELLED.value, Event.starts_at > now)
        .order_by(Event.starts_at, Event.id)
    )
    return [MyRegistration(event, status) for event, status in rows]


REMINDER_COLUMNS = {"24h": Registration.reminded_24h_at, "1h": Registration.reminded_1h_at}


@dataclass(frozen=True, slots=True)
class DueReminder:
    registration_id: int
    member: Member
    event: Event


async def registrations_due_for_reminder(
    session: AsyncSession, *, now: datetime, lead: timedelta, column: str
) -> list[DueReminder]:
    """Confirmed registrations for events starting within `lead` of now, not yet reminded.

    `column` is "24h" or "1h": which reminder this is.
    """
    reminded = REMINDER_COLUMNS[column]
    rows = await session.execute(
        select(Registration.id, Member, Event)
        .join(Event, Registration.event_id == Event.id)
        .join(Member, Registration.member_id == Member.id)
        .where(Registration.status == Status.CONFIRMED.value, reminded.is_(None),
               Event.starts_at > now, Event.starts_at <= now + lead)
        .order_by(Event.starts_at, Registration.id)
    )
    return [DueReminder(reg_id, member, event) for reg_id, member, event in rows]


async def mark_reminded(
    session: AsyncSession, registration_ids: list[int], *, column: str, now: datetime
) -> None:
    """Records that these registrations got the `column` ("24h" or "1h") reminder."""
    if not registration_ids:
        return
    name = REMINDER_COLUMNS[column].key
    await session.execute(
        update(Registration).where(Registration.id.in_(registration_ids)).values({name: now})
        .execution_options(synchronize_session=False)
    )


async def promote_registration(session: AsyncSession, event: Event, registration_id: int
                               ) -> Member | None:
    """Staff move one member off the waitlist (even past capacity); None if not waiting."""
    registration = await session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id \
            or registration.status != Status.WAITLISTED.value:
        return None
    registration.status = Status.CONFIRMED.value
    event.taken += 1
    await session.flush()
    return await session.get(Member, registration.member_id)
