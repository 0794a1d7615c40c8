"""Questions the bot could not answer well, kept (masked) for staff to assign an intent.

The shared contract between the answering engine, which records them, and the staff console,
which assigns them: `record_unanswered`, `list_open_unanswered`, `assign_unanswered`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class UnansweredStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    OFF_TOPIC = "off_topic"


class UnansweredQuestion(Base):
    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)  # already masked
    best_intent: Mapped[str | None] = mapped_column(String(40), default=None)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(String(20))  # unknown | low_confidence | member_said_miss
    status: Mapped[str] = mapped_column(String(12), index=True,
                                        default=UnansweredStatus.OPEN.value)
    assigned_intent: Mapped[str | None] = mapped_column(String(40), default=None)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)


async def record_unanswered(
    session: AsyncSession, *, now: datetime, channel: str, language: str, text: str,
    best_intent: str | None, confidence: float, reason: str,
) -> UnansweredQuestion:
    question = UnansweredQuestion(created_at=now, channel=channel, language=language, text=text,
                                  best_intent=best_intent, confidence=confidence, reason=reason)
    session.add(question)
    await session.flush()
    return question


async def list_open_unanswered(session: AsyncSession, *, limit: int = 200
                               ) -> list[UnansweredQuestion]:
    return list(await session.scalars(
        select(UnansweredQuestion).where(UnansweredQuestion.status == UnansweredStatus.OPEN.value)
        .order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc())
        .limit(limit)))


async def assign_unanswered(session: AsyncSession, question_id: int, *, intent: str | None,
                            staff_id: int, now: datetime) -> UnansweredQuestion | None:
    """Gives an open question its intent; intent None marks it off-topic."""
    question = await session.get(UnansweredQuestion, question_id)
    if question is None or question.status != UnansweredStatus.OPEN.value:
        return None
    question.status = (UnansweredStatus.ASSIGNED if intent else UnansweredStatus.OFF_TOPIC).value
    question.assigned_intent, question.assigned_by, question.assigned_at = intent, staff_id, now
    return question
