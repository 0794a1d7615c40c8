"""What the console's pages use: sessions, the chat's services, the notice path, a clock; and
`act`, which runs a chat service function as the signed-in staff member."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.context import Context, Services
from bot.messages import Address, Reply
from bot.notices import queue_notices, split_notices
from models.db import Sessions
from models.member import Member

Work = Callable[[Context], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class ConsoleDeps:
    sessions: Sessions
    services: Services
    wake: Callable[[], None]  # notices were queued: the delivery engine may look now
    clock: Callable[[], datetime]


DEPS = web.AppKey("console_deps", ConsoleDeps)
CONSOLE = Address("console", "")  # where replies to the staff member's own page go


def deps_of(request: web.Request) -> ConsoleDeps:
    return request.config_dict[DEPS]


async def act(deps: ConsoleDeps, staff_id: int, work: Work) -> list[Reply]:
    """Runs `work` in one transaction with the staff member's Context; the notices it addressed
    to members go to the outbox in that transaction, as from the chat. Returns the replies
    meant for the staff member."""
    async with deps.sessions.begin() as session:
        staff = await session.get(Member, staff_id)
        if staff is None or not staff.is_staff:
            raise web.HTTPForbidden()
        ctx = Context(session=session, member=staff, now=deps.clock(), services=deps.services,
                      translator=deps.services.catalogs.get(staff.language))
        replies, notices = split_notices(CONSOLE, await work(ctx))
        queued = await queue_notices(session, notices, now=ctx.now)
    if queued:
        deps.wake()
    return replies
