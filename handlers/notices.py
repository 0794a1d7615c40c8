"""/notices (staff): the latest notices to members and the staff chat, and whether each was
delivered, is still queued, or failed and why."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.messages import Incoming, Reply
from bot.routing import Route
from models.outbox import recent_notices

STATUS = {
    "queued": N_("queued"),
    "sent": N_("delivered"),
    "failed": N_("failed"),
    "blocked": N_("not delivered: the member blocked the bot"),
    "cancelled": N_("cancelled"),
}
PREVIEW = 40  # characters of each notice shown


async def list_notices(msg: Incoming, ctx: Context) -> Reply:
    """Staff: one line per recent notice, newest first."""
    rows = await recent_notices(ctx.session)
    if not rows:
        return Reply(text=ctx._("No notices yet."))
    lines = [ctx._("Latest notices:")]
    for row, member in rows:
        who = (member.display_name or f"#{member.id}") if member else ctx._("staff chat")
        status = ctx._(STATUS.get(row.status, row.status))
        if row.detail and row.status != "sent":
            status += f" ({row.detail})"
        text = (row.text or "").replace("\n", " ")[:PREVIEW]
        lines.append(f"{row.available_at.astimezone(ctx.settings.zone):%m-%d %H:%M} "
                     f"→ {who}: {status} · {text}")
    return Reply(text="\n".join(lines))


ROUTES = (Route(list_notices, command="notices", staff_only=True),)
