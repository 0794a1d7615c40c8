"""Counts for the operator's metrics: read-only, one grouped query each."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcast import OutboxMessage
from models.mutual_aid import Claim
from models.outbox import QUEUED


async def count_queued_by_channel(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.channel, func.count()).where(OutboxMessage.status == QUEUED)
        .group_by(OutboxMessage.channel))
    return {channel: count for channel, count in rows.all()}


async def count_claims_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Claim.status, func.count()).group_by(Claim.status))
    return {status: count for status, count in rows.all()}
