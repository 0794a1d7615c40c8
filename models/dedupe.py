"""Updates already handled, so a platform's retry of the same update is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class HandledUpdate(Base):
    __tablename__ = "handled_updates"
    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(index=True)


async def claim_update(session: AsyncSession, *, channel: str, key: str, now: datetime) -> bool:
    """True the first time (channel, key) is seen, by any process sharing the database."""
    try:
        async with session.begin_nested():
            session.add(HandledUpdate(channel=channel, key=key[:200], at=now))
    except IntegrityError:
        return False
    return True


async def forget_updates_before(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(HandledUpdate).where(HandledUpdate.at < cutoff))
