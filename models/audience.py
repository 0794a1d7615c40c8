"""Who an audience reaches, counted per channel before anything is sent: the members it will
reach, those who turned the topic off, and those the platform no longer lets us write to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.member import Member
from models.subscription import narrow_to, wanting


@dataclass(frozen=True, slots=True)
class AudienceCount:
    reached: int = 0
    opted_out: int = 0
    unreachable: int = 0


async def count_audience(
    session: AsyncSession, *, topic: str, audience: str
) -> dict[str, AudienceCount]:
    """Per channel: reached, opted out (reachable but not wanting `topic`), unreachable."""
    # A member who never wrote to the bot privately gets no broadcast (not in a group either):
    # unreachable, like one who blocked the bot.
    unreachable = or_(Member.unreachable, Member.private_chat_id.is_(None))
    reached = and_(not_(unreachable), wanting(topic))
    rows = await session.execute(
        select(Member.channel,
               func.sum(case((reached, 1), else_=0)),
               func.sum(case((unreachable, 1), else_=0)),
               func.count())
        .where(Member.id.in_(narrow_to(select(Member.id), audience)))
        .group_by(Member.channel))
    counts: dict[str, AudienceCount] = {}
    for channel, n_reached, n_unreachable, total in rows:
        n_reached, n_unreachable = int(n_reached or 0), int(n_unreachable or 0)
        counts[channel] = AudienceCount(n_reached, int(total) - n_reached - n_unreachable,
                                        n_unreachable)
    return counts
