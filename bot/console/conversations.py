"""Conversations: the handoff inbox, a ticket's messages so far, reply from the browser (the
member gets it on their channel, as a reply from the staff chat), close."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.console.auth import audit, staff_of
from bot.console.deps import act, deps_of
from bot.console.views import field, flash, int_arg
from bot.context import Context
from bot.messages import Reply
from handlers.handoff import RELAY_LIMIT, close_as_staff, reply_as_staff
from models.console_views import ticket_messages, ticket_rows
from models.handoff import get_ticket


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/conversations", show_inbox)
    router.add_get("/conversations/{id}", show_ticket)
    router.add_post("/conversations/{id}/reply", reply)
    router.add_post("/conversations/{id}/close", close)


@aiohttp_jinja2.template("conversations.html")
async def show_inbox(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        rows = await ticket_rows(db)
    return {"rows": rows}


@aiohttp_jinja2.template("conversation.html")
async def show_ticket(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        found = await get_ticket(db, int_arg(request, "id"))
        if found is None:
            raise web.HTTPNotFound()
        ticket, member = found
        messages = await ticket_messages(db, ticket.id)
        await audit(request, "console.ticket.view", ticket.number, session=db)
    return {"ticket": ticket, "member": member, "messages": messages}


async def reply(request: web.Request) -> web.StreamResponse:
    staff = staff_of(request)
    ticket_id = int_arg(request, "id")
    text = field(await request.post(), "text", RELAY_LIMIT)

    async def work(ctx: Context) -> list[Reply]:
        found = await get_ticket(ctx.session, ticket_id)
        if found is None or not found[0].is_open:
            return [Reply(text=ctx._("Ticket #T{number} is not open.").format(number=ticket_id))]
        if not text:
            return [Reply(text=ctx._("Only text can be passed on to the member. Please type "
                                     "it."))]
        return await reply_as_staff(ctx, *found, text)

    replies = await act(deps_of(request), staff.id, work)
    await flash(request, replies[-1].text if replies else "")
    raise web.HTTPSeeOther(f"/console/conversations/{ticket_id}")


async def close(request: web.Request) -> web.StreamResponse:
    staff = staff_of(request)
    ticket_id = int_arg(request, "id")

    async def work(ctx: Context) -> list[Reply]:
        found = await get_ticket(ctx.session, ticket_id)
        if found is None or not found[0].is_open:
            return [Reply(text=ctx._("Ticket #T{number} is not open.").format(number=ticket_id))]
        return await close_as_staff(ctx, *found)

    replies = await act(deps_of(request), staff.id, work)
    await flash(request, replies[0].text if replies else "")
    raise web.HTTPSeeOther("/console/conversations")
