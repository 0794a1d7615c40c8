"""Platform access tokens shared by every process of one deployment (WeChat invalidates the
previous token a few minutes after a new one is fetched, so processes must not each fetch)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PlatformToken(Base):
    __tablename__ = "platform_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(1024))
    expires_at: Mapped[datetime]


async def find_token(session: AsyncSession, name: str) -> PlatformToken | None:
    return await session.get(PlatformToken, name, populate_existing=True)


async def save_token(
    session: AsyncSession, name: str, *, token: str, expires_at: datetime
) -> None:
    row = await session.get(PlatformToken, name)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(PlatformToken(name=name, token=token, expires_at=expires_at))
            return
        except IntegrityError:  # another process saved one at the same moment: ours is newer
            row = await session.get(PlatformToken, name, populate_existing=True)
            if row is None:
                raise
    row.token, row.expires_at = token, expires_at
