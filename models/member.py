"""A member as the bot knows them: one chat account on one channel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Role(StrEnum):
    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))  # the chat of the latest message
    # Where private notices go: set only from a private chat, never from a group.
    private_chat_id: Mapped[str | None] = mapped_column(String(128), default=None)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str] = mapped_column(String(8))
    # set by /language: until then the bot answers in the language the member writes in
    language_chosen: Mapped[bool] = mapped_column(default=False, server_default=false())
    role: Mapped[str] = mapped_column(String(8), default=Role.MEMBER.value)
    unreachable: Mapped[bool] = mapped_column(default=False)
    last_intent: Mapped[str | None] = mapped_column(String(40), default=None)
    last_intent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF.value, Role.ADMIN.value)


async def find_member(session: AsyncSession, *, channel: str, external_id: str) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.channel == channel, Member.external_id == external_id)
    )


async def get_or_create_member(
    session: AsyncSession,
    *,
    channel: str,
    external_id: str,
    chat_id: str,
    display_name: str,
    language: str,
    now: datetime,
    private: bool = True,
) -> tuple[Member, bool]:
    """The member behind a chat account, created on first contact. Returns (member, created).
    A message in a group moves `chat_id` only: private notices keep their private chat."""
    member = await find_member(session, channel=channel, external_id=external_id)
    if member is not None:
        member.last_seen_at = now
        member.chat_id = chat_id
        if private and member.private_chat_id != chat_id:
            member.private_chat_id = chat_id
        if display_name:
            member.display_name = display_name[:128]
        return member, False
    async with session.begin_nested():
        member = Member(
            channel=channel,
            external_id=external_id,
            chat_id=chat_id,
            private_chat_id=chat_id if private else None,
            display_name=display_name[:128],
            language=language,
            created_at=now,
            last_seen_at=now,
        )
        session.add(member)
    return member, True
