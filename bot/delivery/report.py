"""The staff member who sent a broadcast hears its final counts, in their language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.engine import Reporter
from bot.delivery.sender import MessageKind
from bot.i18n import N_, Catalogs
from models.broadcast import Broadcast, count_deliveries
from models.member import Member
from models.outbox import enqueue_message

FINISHED = N_("Broadcast #{id} finished: {sent} sent, {blocked} blocked the bot, "
              "{failed} failed, {cancelled} cancelled.")


def make_reporter(catalogs: Catalogs) -> Reporter:
    async def report(session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
        if broadcast.created_by is None:
            return
        staff = await session.get(Member, broadcast.created_by)
        if staff is None or staff.unreachable:
            return
        counts = await count_deliveries(session, broadcast.id)
        text = catalogs.get(staff.language).gettext(FINISHED).format(id=broadcast.id, **counts)
        await enqueue_message(session, staff, text, now=now,
                              kind=MessageKind.SERVICE_NOTICE.value,
                              dedupe_key=f"report:{broadcast.id}")

    return report
