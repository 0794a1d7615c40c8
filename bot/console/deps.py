"""What the console's pages use: sessions, the chat's services, the notice path, a clock; and
`act`, which runs a chat service function as the signed-in staff member."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.context import Context, Services
from bot.messages import Reply
from models.db import Sessions
from models.member import Member

Deliver = Callable[[list[Reply]], Awaitable[None]]
Work = Callable[[Context], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class ConsoleDeps:
    sessions: Sessions
    services: Services
    deliver: Deliver  # sends replies addressed to members' chats, as after a chat message
    clock: Callable[[], datetime]


DEPS = web.AppKey("console_deps", ConsoleDeps)


def deps_of(request: web.Request) -> ConsoleDeps:
    return request.config_dict[DEPS]


async def act(deps: ConsoleDeps, staff_id: int, work: Work) -> list[Reply]:
    """Runs `work` in one transaction with the staff member's Context, then, committed, sends
    the notices it addressed to members; returns the replies meant for the staff member."""
    async with deps.sessions.begin() as session:
        staff = await session.get(Member, staff_id)
        if staff is None or not staff.is_staff:
            raise web.HTTPForbidden()
        ctx = Context(session=session, member=staff, now=deps.clock(), services=deps.services,
                      translator=deps.services.catalogs.get(staff.language))
        replies = await work(ctx)
    await deps.deliver([reply for reply in replies if reply.to is not None])
    return [reply for reply in replies if reply.to is None]
