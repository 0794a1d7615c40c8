"""What the bot holds about one chat member: gathered for an export, erased on request, and
the access log entries that concern them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from models.audit import AuditEntry, record_audit
from models.broadcast import OutboxMessage
from models.conversation import ConversationState
from models.dedupe import HandledUpdate
from models.events import Registration
from models.handoff import HandoffMessage, HandoffTicket
from models.mass_sends import MassSendCount
from models.member import Member
from models.mutual_aid import PENDING, Claim, ClaimDocument, ClaimStatus, Consent, set_status
from models.options import OfferedOptions
from models.roster import BindAttempt, Binding, RosterEntry
from models.subscription import MemberTag, Subscription

ERASED_PREFIX = "erased-"
Record = dict[str, Any]
# Rows that belong to the member alone: exported, and deleted on erasure.
OWN_ROWS: tuple[tuple[str, type[Any]], ...] = (
    ("consents", Consent),
    ("bind_attempts", BindAttempt),
    ("subscriptions", Subscription),
    ("tags", MemberTag),
    ("event_registrations", Registration),
    ("messages_sent_to_you", OutboxMessage),
    ("conversation_in_progress", ConversationState),
    ("binding", Binding),
)


def as_record(row: DeclarativeBase) -> Record:
    """A row's columns as JSON-ready values."""
    record: Record = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        record[column.key] = value.isoformat() if isinstance(value, date | datetime) else value
    return record


@dataclass
class MemberData:
    """Everything held about one chat member, as records, and the documents' stored paths."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    documents: list[ClaimDocument] = field(default_factory=list)
    claim_numbers: dict[int, str] = field(default_factory=dict)


async def gather_member_data(session: AsyncSession, member: Member) -> MemberData:
    data = MemberData()
    data.records["chat_account"] = [as_record(member)]
    entry = await session.scalar(select(RosterEntry).join(
        Binding, Binding.roster_id == RosterEntry.id).where(Binding.member_id == member.id))
    data.records["membership"] = [as_record(entry)] if entry is not None else []
    for name, model in OWN_ROWS:
        rows = await session.scalars(select(model).where(model.member_id == member.id))
        data.records[name] = [as_record(row) for row in rows]
    claims = list(await session.scalars(
        select(Claim).where(Claim.member_id == member.id).order_by(Claim.id)))
    data.records["claims"] = [as_record(claim) for claim in claims]
    data.claim_numbers = {claim.id: claim.number or "" for claim in claims}
    data.documents = list(await session.scalars(
        select(ClaimDocument).where(ClaimDocument.member_id == member.id)
        .order_by(ClaimDocument.id)))
    data.records["documents"] = [as_record(doc) for doc in data.documents]
    tickets = list(await session.scalars(
        select(HandoffTicket).where(HandoffTicket.member_id == member.id)))
    data.records["conversations_with_staff"] = [as_record(ticket) for ticket in tickets]
    messages = await session.scalars(select(HandoffMessage).where(
        HandoffMessage.ticket_id.in_([t.id for t in tickets])).order_by(HandoffMessage.id))
    data.records["conversation_messages"] = [as_record(message) for message in messages]
    audit = await session.scalars(select(AuditEntry).where(
        _concerns(member.id, list(data.claim_numbers.values()))).order_by(AuditEntry.id))
    data.records["access_and_activity_log"] = [_audit_record(e, member.id) for e in audit]
    return data


def _concerns(member_id: int, claim_numbers: list[str]) -> Any:
    targets = [f"member:{member_id}", *(f"claim:{n}" for n in claim_numbers if n)]
    return or_(AuditEntry.actor_id == member_id, AuditEntry.target.in_(targets))


def _audit_record(entry: AuditEntry, member_id: int) -> Record:
    record = as_record(entry)
    record["actor_id"] = "you" if entry.actor_id == member_id else "union staff"
    return record


async def audit_entries(session: AsyncSession, *, member_id: int | None = None,
                        staff_id: int | None = None, limit: int = 500) -> list[AuditEntry]:
    """The audit log concerning one member (their actions and accesses to their data), or
    what one staff member did."""
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id).limit(limit)
    if member_id is not None:
        numbers = list(await session.scalars(
            select(Claim.number).where(Claim.member_id == member_id)))
        query = query.where(_concerns(member_id, [n for n in numbers if n]))
    if staff_id is not None:
        query = query.where(AuditEntry.actor_id == staff_id)
    return list(await session.scalars(query))


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: stored files no row needs any more (removed after commit), claims
    withdrawn because they were still open, paid claims kept for accounting."""

    files: frozenset[str]
    withdrawn: tuple[str, ...]
    kept: tuple[str, ...]
    rows: int


async def open_claims(session: AsyncSession, member_id: int) -> list[Claim]:
    return list(await session.scalars(select(Claim).where(
        Claim.member_id == member_id, Claim.status.in_(PENDING)).order_by(Claim.id)))


async def paid_claims(session: AsyncSession, member_id: int) -> list[Claim]:
    return list(await session.scalars(select(Claim).where(
        Claim.member_id == member_id, Claim.status == ClaimStatus.APPROVED.value)))


async def erase_member(session: AsyncSession, member: Member, *, now: datetime,
                       actor_id: int | None = None) -> Erasure:
    """Delete what the member's chat account holds and pseudonymise the account row, in the
    caller's transaction. Open claims are withdrawn first; paid claims keep only what
    accounting needs."""
    await _scrub_notices(session, member)
    withdrawn = []
    for claim in await open_claims(session, member.id):
        await set_status(session, claim, ClaimStatus.CANCELLED, now=now,
                         actor_id=member.id if actor_id is None else actor_id)
        withdrawn.append(claim.number or "")
    kept = await paid_claims(session, member.id)
    for claim in kept:
        claim.description, claim.reason = "", ""
    paths = set(await session.scalars(
        select(ClaimDocument.path).where(ClaimDocument.member_id == member.id)))
    rows = await _delete_rows(session, member.id, keep={c.id for c in kept})
    still_used = set(await session.scalars(
        select(ClaimDocument.path).where(ClaimDocument.path.in_(paths))))
    await session.execute(delete(OfferedOptions).where(
        OfferedOptions.channel == member.channel, OfferedOptions.chat_id == member.chat_id))
    await session.execute(delete(MassSendCount).where(
        MassSendCount.channel == member.channel, MassSendCount.chat_id == member.chat_id))
    await session.execute(delete(HandledUpdate).where(  # WeChat event keys hold the openid
        HandledUpdate.channel == member.channel,
        HandledUpdate.key.like(f"%:{member.external_id}:%")))
    _pseudonymise(member, now)
    await record_audit(session, at=now, actor_id=actor_id, action="member.erased",
                       target=f"member:{member.id}",
                       detail=f"{rows} rows, {len(paths)} documents; "
                              f"{len(kept)} paid claims kept for accounting")
    return Erasure(frozenset(paths - still_used), tuple(withdrawn),
                   tuple(c.number or "" for c in kept), rows)


async def _scrub_notices(session: AsyncSession, member: Member) -> None:
    """Notices to other chats (the staff chat) that name the member lose their text."""
    needles = {member.display_name, member.external_id}
    entry = await session.scalar(select(RosterEntry).join(
        Binding, Binding.roster_id == RosterEntry.id).where(Binding.member_id == member.id))
    if entry is not None:
        needles |= {entry.name, entry.card_number}
    found = [OutboxMessage.text.contains(needle, autoescape=True)
             for needle in needles if needle and len(needle) >= 2]
    if found:
        await session.execute(update(OutboxMessage).where(
            OutboxMessage.member_id.is_(None), or_(*found)).values(text="")
            .execution_options(synchronize_session=False))


async def _delete_rows(session: AsyncSession, member_id: int, *, keep: set[int]) -> int:
    count = 0

    async def run(statement: Any) -> None:
        nonlocal count
        result = await session.execute(statement.execution_options(synchronize_session=False))
        count += int(result.rowcount)  # type: ignore[attr-defined]

    await run(delete(ClaimDocument).where(ClaimDocument.member_id == member_id))
    await run(delete(Claim).where(Claim.member_id == member_id, Claim.id.not_in(keep)))
    tickets = select(HandoffTicket.id).where(HandoffTicket.member_id == member_id)
    await run(delete(HandoffMessage).where(or_(HandoffMessage.ticket_id.in_(tickets),
                                               HandoffMessage.author_id == member_id)))
    await run(update(HandoffTicket).where(HandoffTicket.closed_by_id == member_id)
              .values(closed_by_id=None))
    await run(delete(HandoffTicket).where(HandoffTicket.member_id == member_id))
    for _name, model in OWN_ROWS:
        await run(delete(model).where(model.member_id == member_id))
    return count


def _pseudonymise(member: Member, now: datetime) -> None:
    member.external_id = f"{ERASED_PREFIX}{member.id}"
    member.chat_id, member.private_chat_id, member.display_name = "", None, ""
    member.role, member.unreachable = "member", True
    member.last_intent, member.last_intent_at = None, None
    member.created_at = member.last_seen_at = now


def is_erased(member: Member) -> bool:
    return member.external_id.startswith(ERASED_PREFIX)
