"""The audit log: who did what, allowed or refused, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(128), default="")
    allowed: Mapped[bool] = mapped_column(default=True)
    detail: Mapped[str] = mapped_column(Text, default="")


async def record_audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    target: str = "",
    allowed: bool = True,
    detail: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        at=at, actor_id=actor_id, action=action[:64], target=target[:128], allowed=allowed,
        detail=detail,
    )
    session.add(entry)
    return entry
