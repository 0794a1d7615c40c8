"""Retention queries: each deletes one kind of personal data past its period, and says how
many rows went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.dedupe import HandledUpdate
from models.handoff import HandoffMessage, HandoffTicket, TicketStatus
from models.member import Member, Role
from models.mutual_aid import PENDING, Claim, ClaimDocument
from models.privacy import ERASED_PREFIX
from models.roster import Binding
from models.unanswered import RecentQuestion, UnansweredQuestion


def _count(result: object) -> int:
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_decided_documents(session: AsyncSession, *, decided_before: datetime) -> int:
    """Document rows of claims decided (or withdrawn) before the cutoff; their files go once
    nothing points to them."""
    old_claims = select(Claim.id).where(
        Claim.status.not_in(PENDING),
        (Claim.decided_at < decided_before)
        | (Claim.decided_at.is_(None) & (Claim.updated_at < decided_before)))
    result = await session.execute(delete(ClaimDocument).where(
        ClaimDocument.claim_id.in_(old_claims)).execution_options(synchronize_session=False))
    return _count(result)


async def forget_closed_handoffs(session: AsyncSession, *, closed_before: datetime) -> int:
    """Transcripts of conversations with staff closed before the cutoff, and their tickets."""
    tickets = select(HandoffTicket.id).where(
        HandoffTicket.status == TicketStatus.CLOSED.value,
        HandoffTicket.closed_at < closed_before)
    messages = await session.execute(delete(HandoffMessage).where(
        HandoffMessage.ticket_id.in_(tickets)).execution_options(synchronize_session=False))
    closed = await session.execute(delete(HandoffTicket).where(
        HandoffTicket.id.in_(tickets)).execution_options(synchronize_session=False))
    return _count(messages) + _count(closed)


async def forget_update_ids(session: AsyncSession, *, before: datetime) -> int:
    result = await session.execute(delete(HandledUpdate).where(HandledUpdate.at < before))
    return _count(result)


async def forget_unanswered(session: AsyncSession, *, before: datetime) -> int:
    """Questions the bot could not answer, recorded for staff."""
    return _count(await session.execute(
        delete(UnansweredQuestion).where(UnansweredQuestion.created_at < before)))


async def forget_recent_questions(session: AsyncSession, *, before: datetime) -> int:
    """Members' last FAQ questions (for "not what I asked"), kept a day."""
    return _count(await session.execute(
        delete(RecentQuestion).where(RecentQuestion.asked_at < before)))


async def unbound_members(session: AsyncSession, *, unseen_since: datetime,
                          limit: int = 500) -> list[Member]:
    """Chat accounts not linked to a membership and not seen since the cutoff (members only;
    staff accounts and accounts already erased are left alone)."""
    return list(await session.scalars(select(Member).where(
        Member.last_seen_at < unseen_since, Member.role == Role.MEMBER.value,
        ~Member.external_id.cast(Text).startswith(ERASED_PREFIX),
        ~exists().where(Binding.member_id == Member.id),
        ~exists().where(Claim.member_id == Member.id, Claim.status.in_(PENDING)),
    ).order_by(Member.id).limit(limit)))
