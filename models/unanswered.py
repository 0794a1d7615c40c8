"""Questions the bot could not answer well, kept (masked) for staff to teach it."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import JSON, Float, ForeignKey, String, Table, Text, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.util import identity_key

from models.base import Base
from models.dedupe import dialect_insert
from models.statements import run

REASONS = ("unknown", "low_confidence", "member_said_miss")


class UnansweredStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    OFF_TOPIC = "off_topic"


STATUSES = tuple(status.value for status in UnansweredStatus)
# The last FAQ question of a member, kept so "not what I asked" can name it; short-lived.
RECENT_RETENTION = timedelta(days=1)
MAX_TEXT = 2000


class UnansweredQuestion(Base):
    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)  # masked before it is stored
    best_intent: Mapped[str | None] = mapped_column(String(64), default=None)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    assigned_intent: Mapped[str | None] = mapped_column(String(64), default=None)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)


class RecentQuestion(Base):
    """A member's last question answered from the knowledge base (masked), and the runners-up,
    so that "that's not what I asked" can offer them and record the miss."""

    __tablename__ = "recent_questions"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(index=True)
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)


# Built once per dialect: building and keying a statement costs more CPU than running it.
_REMEMBER: dict[str, Any] = {}
_RECENT_COLUMNS = ("asked_at", "language", "text", "intent", "confidence", "candidates")


def _remember_statement(session: AsyncSession) -> Any:
    name = session.get_bind().dialect.name
    if name not in _REMEMBER:
        table = RecentQuestion.__table__
        statement = dialect_insert(session, table).values(
            member_id=bindparam("member_id"),
            **{column: bindparam(column) for column in _RECENT_COLUMNS})
        _REMEMBER[name] = statement.on_conflict_do_update(
            index_elements=["member_id"],
            set_={column: statement.excluded[column] for column in _RECENT_COLUMNS})
    return _REMEMBER[name]


async def remember_question(
    session: AsyncSession, member_id: int, *, now: datetime, language: str, text: str,
    intent: str, confidence: float, candidates: list[str],
) -> None:
    """Keep the member's last answered question (already masked): one upsert, or through the
    ORM when this session has the row loaded already."""
    values = {"asked_at": now, "language": language[:16], "text": text[:MAX_TEXT],
              "intent": intent, "confidence": round(confidence, 4), "candidates": candidates}
    row = session.identity_map.get(identity_key(RecentQuestion, member_id))
    pending = any(isinstance(new, RecentQuestion) and new.member_id == member_id
                  for new in session.new)
    if row is None and not pending:
        await run(session, _remember_statement(session), {"member_id": member_id, **values},
                  defer=True)
        return
    if row is None:
        row = await session.get(RecentQuestion, member_id)
    if row is None:
        row = RecentQuestion(member_id=member_id)
        session.add(row)
    for column, value in values.items():
        setattr(row, column, value)


async def last_question(
    session: AsyncSession, member_id: int, *, now: datetime
) -> RecentQuestion | None:
    row = await session.get(RecentQuestion, member_id)
    if row is None or now - row.asked_at > RECENT_RETENTION:
        return None
    return row


async def forget_question(session: AsyncSession, member_id: int) -> None:
    row = await session.get(RecentQuestion, member_id)
    if row is not None:
        await session.delete(row)


async def record_unanswered(
    session: AsyncSession, *, now: datetime, channel: str, language: str, text: str,
    best_intent: str | None, confidence: float, reason: str,
) -> int:
    """Keep a question for review; `text` must already be masked (bot.masking). Its id."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    rows = await run(session, _KEEP_UNANSWERED, {
        "created_at": now, "channel": channel[:16], "language": language[:16],
        "text": text[:MAX_TEXT], "best_intent": best_intent,
        "confidence": round(float(confidence), 4), "reason": reason,
        "status": UnansweredStatus.OPEN.value, "assigned_intent": None, "assigned_by": None,
        "assigned_at": None,
    })
    return int(rows[0][0])


_UNANSWERED = cast(Table, UnansweredQuestion.__table__)
# One INSERT with every column given: no ORM unit of work at the commit of a missed question.
_KEEP_UNANSWERED = insert(_UNANSWERED).values(
    {column.name: bindparam(column.name) for column in _UNANSWERED.columns
     if column.name != "id"}
).returning(_UNANSWERED.c.id)


async def list_open_unanswered(
    session: AsyncSession, *, limit: int = 200
) -> list[UnansweredQuestion]:
    """The open questions, newest first."""
    rows = await session.scalars(
        select(UnansweredQuestion)
        .where(UnansweredQuestion.status == "open")
        .order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc())
        .limit(limit)
    )
    return list(rows)


async def assign_unanswered(
    session: AsyncSession, question_id: int, *, intent: str | None, staff_id: int,
    now: datetime,
) -> UnansweredQuestion | None:
    """Staff decide: an intent (the question belongs there) or None (really off-topic)."""
    row = await session.get(UnansweredQuestion, question_id)
    if row is None:
        return None
    row.status = "off_topic" if intent is None else "assigned"
    row.assigned_intent = intent
    row.assigned_by = staff_id
    row.assigned_at = now
    return row
