"""Mutual-aid plans, members' claims with their documents, and consents to sensitive data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import record_audit
from models.base import Base
from models.conversation import ConversationState
from models.crypto import Sealed
from models.roster import Binding


class ClaimStatus(StrEnum):
    SUBMITTED = "submitted"
    NEEDS_DOCUMENTS = "needs_documents"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    PAID = "paid"


PENDING = (ClaimStatus.SUBMITTED.value, ClaimStatus.NEEDS_DOCUMENTS.value)
DRAFT_FLOWS = ("claim", "apply")  # flows whose documents wait in a draft until submitted


class AidPlan(Base):
    """A mutual-aid plan: what it covers, the most one claim pays, the claim window."""

    __tablename__ = "aid_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    coverage_zh: Mapped[str] = mapped_column(Text)
    coverage_en: Mapped[str] = mapped_column(Text, default="")
    cap_fen: Mapped[int] = mapped_column(Integer)
    claim_window_days: Mapped[int] = mapped_column(Integer)
    incident_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    demo: Mapped[bool] = mapped_column(default=False)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_zh

    def coverage(self, language: str) -> str:
        return self.coverage_en if language == "en" and self.coverage_en else self.coverage_zh


class Consent(Base):
    """A member agreed to a purpose, as worded in one version of the consent text."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    text_version: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)


class Claim(Base):
    __tablename__ = "claims"

    # Two staff deciding the same claim at once: the second write fails instead of winning.
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True, default=None)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("roster.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("aid_plans.id"))
    incident_type: Mapped[str] = mapped_column(String(32))
    incident_date: Mapped[date]
    amount_fen: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Sealed(), default="")
    status: Mapped[str] = mapped_column(String(16), index=True,
                                        default=ClaimStatus.SUBMITTED.value)
    decided_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    reason: Mapped[str] = mapped_column(Sealed(), default="")
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    documents_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    documents_reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    paid_on: Mapped[date | None] = mapped_column(default=None)


class ClaimDocument(Base):
    """A file for a claim, stored by content hash under the data directory. While the member
    is still filing, it belongs to the flow's `draft` and has no claim yet."""

    __tablename__ = "claim_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True,
                                                 default=None)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       index=True, default=None)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    draft: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    sha256: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime]


async def list_plans(session: AsyncSession) -> list[AidPlan]:
    return list(await session.scalars(
        select(AidPlan).where(AidPlan.active.is_(True)).order_by(AidPlan.id)
    ))


async def has_consent(session: AsyncSession, member_id: int, *, purpose: str,
                      version: str) -> bool:
    found = await session.scalar(select(Consent.id).where(
        Consent.member_id == member_id, Consent.purpose == purpose,
        Consent.text_version == version, Consent.withdrawn_at.is_(None),
    ).limit(1))
    return found is not None


async def record_consent(session: AsyncSession, member_id: int, *, purpose: str, version: str,
                         now: datetime) -> None:
    session.add(Consent(member_id=member_id, purpose=purpose, text_version=version, at=now))
    await record_audit(session, at=now, actor_id=member_id, action="consent.given",
                       target=purpose, detail=f"text version {version}")


async def withdraw_consent(session: AsyncSession, member_id: int, *, purpose: str,
                           now: datetime) -> int:
    """Marks the member's standing consents to `purpose` withdrawn; returns how many."""
    result = await session.execute(update(Consent).where(
        Consent.member_id == member_id, Consent.purpose == purpose,
        Consent.withdrawn_at.is_(None)).values(withdrawn_at=now)
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def add_draft_document(session: AsyncSession, document: ClaimDocument) -> int:
    """Keeps a document of a claim being filed (once per content); returns how many the
    draft holds. Each file is its own row, so an album of photos arriving at once is kept
    whole."""
    assert document.draft is not None
    duplicate = await session.scalar(select(ClaimDocument.id).where(
        ClaimDocument.draft == document.draft, ClaimDocument.sha256 == document.sha256))
    if duplicate is None:
        session.add(document)
        await session.flush()
    return await count_draft_documents(session, document.draft)


async def count_draft_documents(session: AsyncSession, draft: str) -> int:
    return await session.scalar(
        select(func.count()).select_from(ClaimDocument).where(ClaimDocument.draft == draft)
    ) or 0


async def _attach_draft(session: AsyncSession, draft: str, claim_id: int) -> None:
    await session.execute(
        update(ClaimDocument).where(ClaimDocument.draft == draft)
        .values(claim_id=claim_id, draft=None).execution_options(synchronize_session=False)
    )


async def file_claim(session: AsyncSession, claim: Claim, *, draft: str,
                     local_day: date) -> Claim:
    """Store a new claim with its draft's documents; gives it the number the member sees."""
    session.add(claim)
    await session.flush()
    claim.number = f"HZ{local_day:%y%m%d}{claim.id:05d}"
    await _attach_draft(session, draft, claim.id)
    await record_audit(session, at=claim.submitted_at, actor_id=claim.member_id,
                       action="claim.status", target=f"claim:{claim.number}",
                       detail=f"-> {claim.status}")
    return claim


async def add_documents(session: AsyncSession, claim: Claim, *, draft: str, actor_id: int,
                        now: datetime) -> None:
    """More documents from the member; a claim waiting for them goes back to review."""
    await _attach_draft(session, draft, claim.id)
    if claim.status == ClaimStatus.NEEDS_DOCUMENTS.value:
        await set_status(session, claim, ClaimStatus.SUBMITTED, actor_id=actor_id, now=now)


async def set_status(
    session: AsyncSession, claim: Claim, status: ClaimStatus, *, actor_id: int, now: datetime,
    decided_fen: int | None = None, reason: str = "",
) -> None:
    """Every change of a claim's status goes to the audit log. A decision replaces an earlier
    request for documents, so the member never reads an old note under "Approved"."""
    old = claim.status
    claim.status, claim.updated_at = status.value, now
    if status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED):
        claim.decided_at, claim.decided_fen = now, decided_fen
        claim.reason, claim.documents_requested_at = reason, None
    elif reason:
        claim.reason = reason
    if status is ClaimStatus.NEEDS_DOCUMENTS:
        claim.documents_requested_at, claim.documents_reminded_at = now, None
    detail = f"{old} -> {status.value}" + (f"; {decided_fen} fen" if decided_fen else "")
    # The reason is medical free text: it stays sealed in the claim, not in the audit log.
    await record_audit(session, at=now, actor_id=actor_id, action="claim.status",
                       target=f"claim:{claim.number}", detail=detail)


async def get_claim(session: AsyncSession, claim_id: int) -> Claim | None:
    return await session.get(Claim, claim_id)


async def member_claims(session: AsyncSession, roster_id: int, limit: int = 10) -> list[Claim]:
    """The claims of one member on the roster, from whichever chat they were filed."""
    return list(await session.scalars(
        select(Claim).where(Claim.roster_id == roster_id)
        .order_by(Claim.submitted_at.desc(), Claim.id.desc()).limit(limit)
    ))


async def find_own_claim(session: AsyncSession, claim_id: int, *, member_id: int
                         ) -> Claim | None:
    """The claim if it belongs to the roster entry this chat member is bound to."""
    return await session.scalar(
        select(Claim).join(Binding, Binding.roster_id == Claim.roster_id)
        .where(Claim.id == claim_id, Binding.member_id == member_id)
    )


async def pending_claims(session: AsyncSession, limit: int = 20) -> list[Claim]:
    """Claims waiting for staff, oldest first."""
    return list(await session.scalars(
        select(Claim).where(Claim.status.in_(PENDING))
        .order_by(Claim.submitted_at, Claim.id).limit(limit)
    ))


async def claim_documents(session: AsyncSession, claim_id: int) -> list[ClaimDocument]:
    return list(await session.scalars(
        select(ClaimDocument).where(ClaimDocument.claim_id == claim_id).order_by(ClaimDocument.id)
    ))


async def claims_awaiting_documents(
    session: AsyncSession, *, requested_before: datetime
) -> list[Claim]:
    """Claims still in needs_documents whose request is older than `requested_before` and
    that were not reminded since (`documents_reminded_at` is cleared by each new request)."""
    return list(await session.scalars(
        select(Claim).where(
            Claim.status == ClaimStatus.NEEDS_DOCUMENTS.value,
            Claim.documents_requested_at <= requested_before,
            Claim.documents_reminded_at.is_(None),
        ).order_by(Claim.documents_requested_at, Claim.id)
    ))


async def _active_drafts(session: AsyncSession) -> set[str]:
    states = await session.scalars(
        select(ConversationState.data).where(ConversationState.flow.in_(DRAFT_FLOWS)))
    return {str(data["draft"]) for data in states if data.get("draft")}


async def document_paths_in_use(session: AsyncSession) -> set[str]:
    """Stored files a claim or an unfinished claim flow still points to."""
    drafts = await _active_drafts(session)
    return set(await session.scalars(select(ClaimDocument.path).where(or_(
        ClaimDocument.claim_id.is_not(None), ClaimDocument.application_id.is_not(None),
        ClaimDocument.draft.in_(drafts)))))


async def forget_abandoned_drafts(session: AsyncSession, *, added_before: datetime) -> int:
    """Drop document rows of claim flows that were cancelled or abandoned."""
    drafts = await _active_drafts(session)
    result = await session.execute(delete(ClaimDocument).where(
        ClaimDocument.claim_id.is_(None), ClaimDocument.application_id.is_(None),
        ClaimDocument.draft.not_in(drafts),
        ClaimDocument.added_at < added_before,
    ).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def close_claim_flow(session: AsyncSession, member_id: int, *, step: str) -> bool:
    """Ends the member's claim flow if it is still at `step`; False when another message got
    there first (a double tap on Submit), so a claim is filed once."""
    result = await session.execute(
        delete(ConversationState).where(
            ConversationState.member_id == member_id, ConversationState.flow == "claim",
            ConversationState.step == step,
        ).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class DocumentUsage:
    """What a member's documents take up, for the quotas."""

    other_drafts: int  # unfinished claims other than this one that hold documents
    in_claim: int  # documents this claim (its draft, and the claim itself) already has
    total_bytes: int  # all of the member's stored documents


async def document_usage(session: AsyncSession, member_id: int, *, draft: str,
                         claim_id: int | None = None) -> DocumentUsage:
    mine = ClaimDocument.member_id == member_id
    other_drafts = await session.scalar(
        select(func.count(func.distinct(ClaimDocument.draft))).where(
            mine, ClaimDocument.claim_id.is_(None), ClaimDocument.draft != draft)) or 0
    this_claim = ClaimDocument.draft == draft
    if claim_id is not None:
        this_claim = or_(this_claim, ClaimDocument.claim_id == claim_id)
    in_claim = await session.scalar(
        select(func.count()).select_from(ClaimDocument).where(this_claim)) or 0
    total = await session.scalar(select(func.sum(ClaimDocument.size)).where(mine)) or 0
    return DocumentUsage(int(other_drafts), int(in_claim), int(total))
