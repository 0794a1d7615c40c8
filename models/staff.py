"""Who is staff: roles granted from the command line or by an admin in chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.member import Member, Role, get_or_create_member


async def grant_role(
    session: AsyncSession, *, channel: str, external_id: str, role: Role, now: datetime,
    language: str = "zh_CN",
) -> Member:
    """Give a chat account a role; the account is created if it never wrote (its private chat
    id is its user id on Telegram and WeChat)."""
    member, _created = await get_or_create_member(
        session, channel=channel, external_id=external_id, chat_id=external_id,
        display_name="", language=language, now=now,
    )
    member.role = role.value
    return member


async def remove_role(session: AsyncSession, *, channel: str, external_id: str
                      ) -> Member | None:
    """Back to member; None (and nothing created) for an account that never wrote."""
    member = await session.scalar(select(Member).where(
        Member.channel == channel, Member.external_id == external_id))
    if member is not None:
        member.role = Role.MEMBER.value
    return member


async def list_staff(session: AsyncSession) -> list[Member]:
    rows = await session.scalars(
        select(Member).where(Member.role.in_((Role.STAFF.value, Role.ADMIN.value)))
        .order_by(Member.channel, Member.external_id))
    return list(rows)
