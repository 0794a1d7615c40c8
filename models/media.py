"""Media a platform already holds: an image uploaded once per channel is sent again by the id
the platform gave it (Telegram's file_id, WeChat's media_id), across processes and restarts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ChannelMedia(Base):
    __tablename__ = "channel_media"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the bytes
    media_id: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]


async def find_media(session: AsyncSession, *, channel: str, digest: str) -> str | None:
    return await session.scalar(select(ChannelMedia.media_id).where(
        ChannelMedia.channel == channel, ChannelMedia.digest == digest))


async def save_media(
    session: AsyncSession, *, channel: str, digest: str, media_id: str, now: datetime
) -> None:
    await session.merge(ChannelMedia(channel=channel, digest=digest, media_id=media_id,
                                     created_at=now))
