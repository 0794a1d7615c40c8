"""Who an audience reaches, counted per channel before anything is sent: the members it will
reach, those who turned the topic off, and those the platform no longer lets us write to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.member import Member
from models.subscription import MemberTag, wanting


@dataclass(frozen=True, slots=True)
class AudienceCount:
    reached: int = 0
    opted_out: int = 0
    unreachable: int = 0


def _matching(audience: str) -> Select[int]:
    """Members an audience names (lang:xx, tag:T, all), whatever their choices."""
    query = select(Member.id)
    kind, _, value = audience.partition(":")
    if kind == "lang":
        query = query.where(Member.language == value)
    elif kind == "tag":
        query = query.where(exists().where(
            and_(MemberTag.member_id == Member.id, MemberTag.tag == value)))
    return query


async def count_audience(
    session: AsyncSession, *, topic: str, audience: str
) -> dict[str, AudienceCount]:
    """Per channel: reached, opted out (reachable but not wanting `topic`), unreachable."""
    reached = and_(not_(Member.unreachable), wanting(topic))
    rows = await session.execute(
        select(Member.channel,
               func.sum(case((reached, 1), else_=0)),
               func.sum(case((Member.unreachable, 1), else_=0)),
               func.count())
        .where(Member.id.in_(_matching(audience)))
        .group_by(Member.channel))
    counts: dict[str, AudienceCount] = {}
    for channel, n_reached, n_unreachable, total in rows:
        n_reached, n_unreachable = int(n_reached or 0), int(n_unreachable or 0)
        counts[channel] = AudienceCount(n_reached, int(total) - n_reached - n_unreachable,
                                        n_unreachable)
    return counts
