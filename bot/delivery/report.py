"""The staff member who sent a broadcast hears its final counts, in their language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.engine import Reporter
from bot.delivery.plan_text import reasons, status_label
from bot.delivery.sender import MessageKind
from bot.i18n import N_, Catalogs
from models.broadcast import Broadcast, count_deliveries, failure_details
from models.member import Member
from models.outbox import enqueue_message

FINISHED = N_("Broadcast #{id} {status}: {sent} sent, {mass} by WeChat mass send, "
              "{blocked} blocked the bot, {failed} failed, {cancelled} cancelled.")
WHY = N_("Why: {reasons}")


def make_reporter(catalogs: Catalogs) -> Reporter:
    async def report(session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
        if broadcast.created_by is None:
            return
        staff = await session.get(Member, broadcast.created_by)
        if staff is None or staff.unreachable:
            return
        counts = await count_deliveries(session, broadcast.id)
        translator = catalogs.get(staff.language)
        _ = translator.gettext
        text = _(FINISHED).format(id=broadcast.id, status=status_label(broadcast.status, _),
                                  **counts)
        if details := await failure_details(session, broadcast.id):
            text += "\n" + _(WHY).format(reasons=reasons(details, _, translator.language))
        await enqueue_message(session, staff, text, now=now,
                              kind=MessageKind.SERVICE_NOTICE.value,
                              dedupe_key=f"report:{broadcast.id}")

    return report
