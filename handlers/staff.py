"""/grant (admins): give a chat account the member, staff or admin role."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Incoming, Reply
from bot.parsing import valid_account_id
from bot.routing import Route
from models.audit import record_audit
from models.member import Role
from models.staff import grant_role

CHANNELS = ("telegram", "wechat", "terminal")


async def grant(msg: Incoming, ctx: Context) -> Reply:
    """`/grant telegram 12345 staff`: the account gets the role; admins only."""
    if ctx.member.role != Role.ADMIN.value:
        await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="grant",
                           allowed=False, detail=f"refused: role {ctx.member.role}")
        return Reply(text=ctx._("Only an admin can grant roles."))
    roles = {role.value: role for role in Role}
    if len(msg.args) != 3 or msg.args[0] not in CHANNELS or msg.args[2] not in roles \
            or not valid_account_id(msg.args[0], msg.args[1]):
        return Reply(text=ctx._("Usage: /grant CHANNEL USER-ID member|staff|admin, e.g. "
                                "/grant telegram 12345 staff"))
    channel, user_id, role = msg.args
    await grant_role(ctx.session, channel=channel, external_id=user_id, role=roles[role],
                     now=ctx.now)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="grant",
                       target=f"{channel}:{user_id}", detail=f"role={role}")
    return Reply(text=ctx._("{channel} user {user_id} is now {role}.").format(
        channel=channel, user_id=user_id, role=role))


ROUTES = (Route(grant, command="grant", staff_only=True),)
