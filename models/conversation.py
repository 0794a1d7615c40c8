"""Where a member is in a multi-step flow, kept in the database so it survives restarts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.member import Member


class ConversationState(Base):
    __tablename__ = "conversation_states"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


async def load_state(session: AsyncSession, member_id: int) -> ConversationState | None:
    return await session.get(ConversationState, member_id)


async def save_state(
    session: AsyncSession,
    member_id: int,
    *,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> ConversationState:
    state = await session.get(ConversationState, member_id)
    if state is None:
        state = ConversationState(member_id=member_id, flow=flow, step=step, data=dict(data),
                                  updated_at=now)
        session.add(state)
    else:
        state.flow, state.step, state.data, state.updated_at = flow, step, dict(data), now
    return state


async def clear_state(session: AsyncSession, member_id: int) -> None:
    state = await session.get(ConversationState, member_id)
    if state is not None:
        await session.delete(state)


async def find_flow(session: AsyncSession, *, channel: str, external_id: str) -> str | None:
    """The flow a chat account is in, by its platform id (one read, before any write)."""
    return await session.scalar(
        select(ConversationState.flow).join(Member, Member.id == ConversationState.member_id)
        .where(Member.channel == channel, Member.external_id == external_id))
