"""Signed callbacks already seen, shared by every process on the database: a (timestamp, nonce)
pair is good for one request. WeChat's own retry of that request (same signature, same body)
passes on to the update dedupe; the same pair with another body or signature is a replay."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class SeenCallback(Base):
    __tablename__ = "seen_callbacks"
    __table_args__ = (UniqueConstraint("channel", "nonce_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    nonce_key: Mapped[str] = mapped_column(String(64))  # sha256 of timestamp and nonce
    request_key: Mapped[str] = mapped_column(String(64))  # sha256 of signature and body
    at: Mapped[datetime] = mapped_column(index=True)


def _digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big") + part)
    return hasher.hexdigest()


async def first_use_of_nonce(
    session: AsyncSession, *, channel: str, timestamp: str, nonce: str, signed: str,
    body: bytes, now: datetime, keep: timedelta,
) -> bool:
    """True unless this (timestamp, nonce) came before with another signature or body.

    Entries older than `keep` (longer than the timestamp window) are deleted on the way."""
    nonce_key = _digest(timestamp.encode(), nonce.encode())
    request_key = _digest(signed.encode(), body)
    await session.execute(delete(SeenCallback).where(SeenCallback.at < now - keep))
    try:
        async with session.begin_nested():
            session.add(SeenCallback(channel=channel, nonce_key=nonce_key,
                                     request_key=request_key, at=now))
    except IntegrityError:
        seen = await session.scalar(select(SeenCallback.request_key).where(
            SeenCallback.channel == channel, SeenCallback.nonce_key == nonce_key))
        return seen == request_key
    return True
