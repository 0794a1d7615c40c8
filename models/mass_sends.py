"""How many mass messages (群发) each follower received this month: WeChat lets a service
account reach each follower at most 4 times a calendar month."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class MassSendCount(Base):
    __tablename__ = "mass_send_counts"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-03", Beijing time
    sent: Mapped[int] = mapped_column(default=0)


async def count_mass_sends(
    session: AsyncSession, *, channel: str, chat_ids: Sequence[str], month: str
) -> dict[str, int]:
    rows = await session.scalars(
        select(MassSendCount).where(
            MassSendCount.channel == channel, MassSendCount.month == month,
            MassSendCount.chat_id.in_(list(chat_ids)),
        )
    )
    return {row.chat_id: row.sent for row in rows}


async def record_mass_send(
    session: AsyncSession, *, channel: str, chat_ids: Sequence[str], month: str
) -> None:
    for chat_id in chat_ids:
        row = await session.get(MassSendCount, (channel, chat_id, month))
        if row is None:
            session.add(MassSendCount(channel=channel, chat_id=chat_id, month=month, sent=1))
        else:
            row.sent += 1
