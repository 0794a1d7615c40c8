"""Read-only queries behind the staff console's lists; each one bounded by a limit so a page
stays fast on a large roster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditEntry
from models.broadcast import Broadcast, BroadcastStatus, OutboxMessage, RowStatus
from models.events import Event, Registration, Status
from models.handoff import HandoffMessage, HandoffTicket, TicketStatus
from models.member import Member
from models.mutual_aid import PENDING, AidPlan, Claim
from models.roster import Binding, RosterEntry
from models.unanswered import UnansweredQuestion, UnansweredStatus

PAGE = 100


@dataclass(frozen=True, slots=True)
class ClaimRow:
    claim: Claim
    name: str
    plan_zh: str
    plan_en: str


async def claim_queue(session: AsyncSession, *, statuses: tuple[str, ...], limit: int = PAGE
                      ) -> list[ClaimRow]:
    """Claims in these statuses, oldest first, with the member's name and the plan."""
    rows = await session.execute(
        select(Claim, RosterEntry.name, AidPlan.name_zh, AidPlan.name_en)
        .join(RosterEntry, RosterEntry.id == Claim.roster_id)
        .join(AidPlan, AidPlan.id == Claim.plan_id)
        .where(Claim.status.in_(statuses)).order_by(Claim.submitted_at, Claim.id).limit(limit))
    return [ClaimRow(claim, name, zh, en) for claim, name, zh, en in rows]


@dataclass(frozen=True, slots=True)
class EventRow:
    event: Event
    waitlisted: int


async def event_rows(session: AsyncSession, *, since: datetime, limit: int = PAGE
                     ) -> list[EventRow]:
    """Events from `since` on, soonest first, with their waitlist lengths."""
    waiting = (select(Registration.event_id, func.count().label("n"))
               .where(Registration.status == Status.WAITLISTED.value)
               .group_by(Registration.event_id).subquery())
    rows = await session.execute(
        select(Event, func.coalesce(waiting.c.n, 0))
        .outerjoin(waiting, waiting.c.event_id == Event.id)
        .where(Event.starts_at >= since).order_by(Event.starts_at, Event.id).limit(limit))
    return [EventRow(event, int(n)) for event, n in rows]


@dataclass(frozen=True, slots=True)
class Attendee:
    registration: Registration
    member: Member
    roster: RosterEntry | None


async def event_attendees(session: AsyncSession, event_id: int, *, limit: int = 2000
                          ) -> list[Attendee]:
    """Everyone registered or waiting (waitlist in its order), with roster names if bound."""
    rows = await session.execute(
        select(Registration, Member, RosterEntry)
        .join(Member, Member.id == Registration.member_id)
        .outerjoin(Binding, Binding.member_id == Member.id)
        .outerjoin(RosterEntry, RosterEntry.id == Binding.roster_id)
        .where(Registration.event_id == event_id)
        .order_by(Registration.status, Registration.created_at, Registration.id).limit(limit))
    return [Attendee(reg, member, entry) for reg, member, entry in rows]


async def ticket_rows(session: AsyncSession, *, limit: int = PAGE
                      ) -> list[tuple[HandoffTicket, Member]]:
    rows = await session.execute(
        select(HandoffTicket, Member).join(Member, Member.id == HandoffTicket.member_id)
        .where(HandoffTicket.status == TicketStatus.OPEN.value)
        .order_by(HandoffTicket.id).limit(limit))
    return [(ticket, member) for ticket, member in rows]


async def ticket_messages(session: AsyncSession, ticket_id: int, *, limit: int = 500
                          ) -> list[HandoffMessage]:
    return list(await session.scalars(
        select(HandoffMessage).where(HandoffMessage.ticket_id == ticket_id)
        .order_by(HandoffMessage.at, HandoffMessage.id).limit(limit)))


@dataclass(frozen=True, slots=True)
class RosterRow:
    entry: RosterEntry
    accounts: int


async def search_roster(session: AsyncSession, text: str, *, limit: int = 50
                        ) -> list[RosterRow]:
    """By card number or mobile number (exact), else by the start of the name; each an
    indexed lookup, so a search stays fast on a roster of 100,000."""
    text = text.strip()
    if not text:
        return []
    digits = text.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) >= 16:
        condition = RosterEntry.card_number == digits
    elif digits.isdigit():
        condition = RosterEntry.phone == digits
    else:  # a range rather than LIKE, which SQLite and PostgreSQL both answer from the index
        condition = (RosterEntry.name >= text) & (RosterEntry.name < text + "\U0010ffff")
    accounts = (select(func.count()).select_from(Binding)
                .where(Binding.roster_id == RosterEntry.id).scalar_subquery())
    rows = await session.execute(select(RosterEntry, accounts).where(condition)
                                 .order_by(RosterEntry.name, RosterEntry.id).limit(limit))
    return [RosterRow(entry, int(n)) for entry, n in rows]


async def bound_members(session: AsyncSession, roster_id: int) -> list[Member]:
    return list(await session.scalars(
        select(Member).join(Binding, Binding.member_id == Member.id)
        .where(Binding.roster_id == roster_id).order_by(Member.id)))


async def recent_audit(session: AsyncSession, *, actions_like: str, limit: int = 20
                       ) -> list[AuditEntry]:
    return list(await session.scalars(
        select(AuditEntry).where(AuditEntry.action.like(actions_like))
        .order_by(AuditEntry.id.desc()).limit(limit)))


@dataclass(frozen=True, slots=True)
class Overview:
    conversations_today: int
    open_tickets: int
    unanswered: int
    claims_waiting: int
    oldest_claim: datetime | None
    broadcasts_running: int


async def overview(session: AsyncSession, *, day_start: datetime) -> Overview:
    """The dashboard's counters; each an indexed count."""
    async def count(query: object) -> int:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]

    return Overview(
        conversations_today=await count(select(func.count()).select_from(Member)
                                        .where(Member.last_seen_at >= day_start)),
        open_tickets=await count(select(func.count()).select_from(HandoffTicket)
                                 .where(HandoffTicket.status == TicketStatus.OPEN.value)),
        unanswered=await count(select(func.count()).select_from(UnansweredQuestion).where(
            UnansweredQuestion.status == UnansweredStatus.OPEN.value)),
        claims_waiting=await count(select(func.count()).select_from(Claim)
                                   .where(Claim.status.in_(PENDING))),
        oldest_claim=await session.scalar(select(func.min(Claim.submitted_at))
                                          .where(Claim.status.in_(PENDING))),
        broadcasts_running=await count(select(func.count()).select_from(Broadcast).where(
            Broadcast.status == BroadcastStatus.RUNNING.value)),
    )


async def per_day(session: AsyncSession, column: Any, *, since: datetime,
                  group: Any = None) -> list[tuple[str, str, int]]:
    """(UTC day, group, count) rows of a timestamp column since a moment."""
    day = func.date(column)
    key = group if group is not None else literal("")
    rows = await session.execute(select(day, key, func.count()).where(column >= since)
                                 .group_by(day, key).order_by(day))
    return [(str(d), str(g), int(n)) for d, g, n in rows]


async def intents_since(session: AsyncSession, *, since: datetime, limit: int = 8
                        ) -> list[tuple[str, int]]:
    """Members' latest topics since a moment, most common first."""
    rows = await session.execute(
        select(Member.last_intent, func.count()).where(Member.last_intent_at >= since,
                                                       Member.last_intent.is_not(None))
        .group_by(Member.last_intent).order_by(func.count().desc()).limit(limit))
    return [(str(intent), int(n)) for intent, n in rows]


async def delivery_curve(session: AsyncSession, broadcast_id: int, *, sent: int,
                         points: int = 400) -> list[datetime]:
    """Send times of about `points` of one broadcast's delivered messages (every k-th row),
    in order: enough for its curve without reading every row of a large broadcast."""
    step = max(sent // points, 1)
    query = select(OutboxMessage.sent_at).where(
        OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == RowStatus.SENT.value)
    if step > 1:
        query = query.where(OutboxMessage.id % step == 0)
    return sorted(at for at in await session.scalars(query) if at is not None)


async def broadcast_recipients(session: AsyncSession, broadcast_id: int, *, limit: int = 200
                               ) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage).where(
        OutboxMessage.broadcast_id == broadcast_id).order_by(OutboxMessage.id).limit(limit)))


async def delivery_counts(session: AsyncSession, broadcast_ids: list[int]
                          ) -> dict[int, dict[str, int]]:
    """count_deliveries for many broadcasts in one grouped query."""
    counts = {bid: {status.value: 0 for status in RowStatus} for bid in broadcast_ids}
    rows = await session.execute(
        select(OutboxMessage.broadcast_id, OutboxMessage.status, func.count())
        .where(OutboxMessage.broadcast_id.in_(broadcast_ids))
        .group_by(OutboxMessage.broadcast_id, OutboxMessage.status))
    for bid, status, n in rows:
        if bid is not None:
            counts[bid][status] = int(n)
    return counts


def week_ago(now: datetime) -> datetime:
    return now - timedelta(days=7)
