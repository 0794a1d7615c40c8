"""Numbered options offered to a member on a channel without buttons (WeChat), so that a
later "2" means the second button's payload, whichever process answers it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, String, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.conversation import clear_state
from models.member import find_member

OPTIONS_LIFETIME = timedelta(days=2)  # a digit sent days later is no longer an answer


class OfferedOptions(Base):
    __tablename__ = "offered_options"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    payloads: Mapped[list[str]] = mapped_column(JSON, default=list)
    offered_at: Mapped[datetime]


async def offer_options(
    session: AsyncSession, *, channel: str, chat_id: str, payloads: list[str], now: datetime
) -> None:
    """Replace the member's last options (an empty list forgets them)."""
    row = await session.get(OfferedOptions, (channel, chat_id))
    if row is None:
        if payloads:
            session.add(OfferedOptions(channel=channel, chat_id=chat_id, payloads=payloads,
                                       offered_at=now))
        return
    if payloads:
        row.payloads, row.offered_at = list(payloads), now
    else:
        await session.delete(row)


async def chosen_option(
    session: AsyncSession, *, channel: str, chat_id: str, number: int, now: datetime
) -> str | None:
    """The payload of option `number` (1-based) last offered to the chat, if still valid."""
    row = await session.get(OfferedOptions, (channel, chat_id))
    if row is None or now - row.offered_at > OPTIONS_LIFETIME:
        return None
    if 1 <= number <= len(row.payloads):
        return row.payloads[number - 1]
    return None


async def forget_chat(
    session: AsyncSession, *, channel: str, external_id: str, chat_id: str
) -> bool:
    """A member left the channel (unsubscribed): mark them unreachable and delete their
    conversation state and offered options. False if we never knew them."""
    await session.execute(
        delete(OfferedOptions).where(
            OfferedOptions.channel == channel, OfferedOptions.chat_id == chat_id
        )
    )
    member = await find_member(session, channel=channel, external_id=external_id)
    if member is None:
        return False
    member.unreachable = True
    member.display_name = ""
    member.last_intent = None
    member.last_intent_at = None
    await clear_state(session, member.id)
    return True


async def mark_reachable(session: AsyncSession, *, channel: str, external_id: str) -> None:
    """A member wrote or followed again: deliveries may reach them."""
    member = await find_member(session, channel=channel, external_id=external_id)
    if member is not None and member.unreachable:
        member.unreachable = False
