"""/console (staff, private chat): a one-time link that signs the staff member in to the web
console; it works once, for a few minutes."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.messages import Incoming, Reply
from bot.routing import Route
from models.audit import record_audit
from models.console import issue_link


async def send_console_link(msg: Incoming, ctx: Context) -> Reply:
    """The link, in the staff member's private chat only (the dispatcher refuses groups)."""
    console = ctx.settings.console
    if not console.enabled or not console.public_url:
        return Reply(text=ctx._("The staff web console is not switched on."))
    token = await issue_link(ctx.session, member_id=ctx.member.id, now=ctx.now,
                             valid=timedelta(minutes=console.link_minutes))
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="console.link",
                       detail=f"valid {console.link_minutes} min")
    url = f"{console.public_url.rstrip('/')}/console/link/{token}"
    return Reply(text=ctx._("Your sign-in link for the staff console. It works once, for "
                            "{minutes} minutes; do not pass it on:\n{url}").format(
        minutes=console.link_minutes, url=url))


ROUTES = (Route(send_console_link, command="console", staff_only=True, private_only=True),)
