"""Applications described by data (hardship aid, student grants, joining the union), their
documents, and the payout shared with mutual-aid claims."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import record_audit
from models.base import Base
from models.mutual_aid import PENDING, Claim, ClaimDocument, ClaimStatus


class Application(Base):
    """One member's application of a kind described in handlers/applications/*.toml."""

    __tablename__ = "applications"

    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True, default=None)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("roster.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    amount_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(16), index=True,
                                        default=ClaimStatus.SUBMITTED.value)
    decided_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    paid_on: Mapped[date | None] = mapped_column(default=None)


Case = Claim | Application


def _target(case: Case) -> tuple[str, str]:
    kind = "claim" if isinstance(case, Claim) else "application"
    return f"{kind}.status", f"{kind}:{case.number}"


async def _attach(session: AsyncSession, draft: str, application_id: int) -> None:
    await session.execute(
        update(ClaimDocument).where(ClaimDocument.draft == draft)
        .values(application_id=application_id, draft=None)
        .execution_options(synchronize_session=False))


async def file_application(session: AsyncSession, application: Application, *, draft: str,
                           prefix: str, local_day: date) -> Application:
    """Store a new application with its draft's documents and give it its number."""
    session.add(application)
    await session.flush()
    application.number = f"{prefix}{local_day:%y%m%d}{application.id:05d}"
    await _attach(session, draft, application.id)
    action, target = _target(application)
    await record_audit(session, at=application.submitted_at, actor_id=application.member_id,
                       action=action, target=target, detail=f"-> {application.status}")
    return application


async def decide_application(
    session: AsyncSession, application: Application, status: ClaimStatus, *, actor_id: int,
    now: datetime, decided_fen: int | None = None, reason: str = "",
) -> None:
    """Approve, reject or ask for documents; a decision replaces an earlier request."""
    old = application.status
    application.status, application.updated_at, application.reason = status.value, now, reason
    if status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED):
        application.decided_at, application.decided_fen = now, decided_fen
    action, target = _target(application)
    detail = f"{old} -> {status.value}" + (f"; {decided_fen} fen" if decided_fen else "")
    await record_audit(session, at=now, actor_id=actor_id, action=action, target=target,
                       detail=(detail + (f"; {reason}" if reason else ""))[:300])


async def add_application_documents(session: AsyncSession, application: Application, *,
                                    draft: str, actor_id: int, now: datetime) -> None:
    """Documents staff asked for: the application goes back to review."""
    await _attach(session, draft, application.id)
    if application.status == ClaimStatus.NEEDS_DOCUMENTS.value:
        await decide_application(session, application, ClaimStatus.SUBMITTED,
                                 actor_id=actor_id, now=now)


async def mark_paid(session: AsyncSession, case: Case, *, amount_fen: int, paid_on: date,
                    actor_id: int | None, now: datetime) -> None:
    """An approved claim or application paid out (by staff, or from the bank's payout file)."""
    old = case.status
    case.status, case.updated_at = ClaimStatus.PAID.value, now
    case.paid_fen, case.paid_on = amount_fen, paid_on
    action, target = _target(case)
    await record_audit(session, at=now, actor_id=actor_id, action=action, target=target,
                       detail=f"{old} -> paid; {amount_fen} fen on {paid_on.isoformat()}")


async def find_case(session: AsyncSession, number: str) -> Case | None:
    """A claim or an application by the number the member and the bank see."""
    claim = await session.scalar(select(Claim).where(Claim.number == number))
    if claim is not None:
        return claim
    return await session.scalar(select(Application).where(Application.number == number))


async def member_applications(session: AsyncSession, roster_id: int, limit: int = 10
                              ) -> list[Application]:
    return list(await session.scalars(
        select(Application).where(Application.roster_id == roster_id)
        .order_by(Application.submitted_at.desc(), Application.id.desc()).limit(limit)))


async def pending_applications(session: AsyncSession, kinds: tuple[str, ...], limit: int = 20
                               ) -> list[Application]:
    """Applications of these kinds waiting for staff, oldest first."""
    return list(await session.scalars(
        select(Application).where(Application.status.in_(PENDING), Application.kind.in_(kinds))
        .order_by(Application.submitted_at, Application.id).limit(limit)))


async def application_documents(session: AsyncSession, application_id: int
                                ) -> list[ClaimDocument]:
    return list(await session.scalars(
        select(ClaimDocument).where(ClaimDocument.application_id == application_id)
        .order_by(ClaimDocument.id)))
