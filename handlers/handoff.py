"""Talking to a person: the member's messages reach the staff chat under a ticket number
("#T12 王芳: ..."); staff answer by replying to a relayed message; /done closes the ticket."""

from __future__ import annotations

import logging

from babel.dates import format_skeleton, get_day_names

from bot.context import Context
from bot.dispatcher import STAFF_ONLY
from bot.i18n import N_
from bot.messages import Button, Incoming, Reply
from bot.office_hours import next_opening
from bot.routing import Route
from handlers.contact import contact_buttons, contact_text
from handlers.menu import main_menu
from models.audit import record_audit
from models.conversation import clear_state, load_state
from models.handoff import (
    Direction,
    HandoffTicket,
    close_ticket,
    find_open_ticket,
    get_ticket,
    list_open_tickets,
    open_ticket,
    parse_ticket_number,
    record_message,
)
from models.member import Member
from models.roster import find_binding

log = logging.getLogger(__name__)

FLOW = "handoff"
OPENED = N_("#{number} {name} would like to talk to a person.")
ENDED = N_("#{number} {name} ended the conversation.")
CLOSED_BY_STAFF = N_("Union staff have closed this conversation (#{number}). "
                     "Send /human if you need a person again.")
STAFF_SAID = N_("Union staff (#{number}): {text}")
RELAY_LIMIT = 3000  # characters of one member message passed on to staff


def _name(member: Member) -> str:
    return member.display_name or f"#{member.id}"


def _end_button(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    return ((Button(ctx._("End the conversation"), "human.done"),),)


def _office_days(ctx: Context) -> str:
    names = get_day_names("abbreviated", locale=ctx.language)
    days = sorted(ctx.settings.handoff.days)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{names[days[0]]}–{names[days[-1]]}"
    return ", ".join(names[day] for day in days)


def office_note(ctx: Context) -> str:
    """Empty during office hours; otherwise when the member can expect an answer."""
    handoff = ctx.settings.handoff
    opening = next_opening(ctx.local_now, handoff.days, handoff.opening)
    if opening is None:
        return ""
    day = format_skeleton("MMMEd", opening, locale=ctx.language)
    return ctx._("Our staff are not at work right now: they answer {days} {hours} (Beijing "
                 "time). You can expect an answer from {when}.").format(
        days=_office_days(ctx), hours=handoff.office_hours, when=f"{day} {opening:%H:%M}")


async def start_handoff(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """Opens a ticket; what the member writes next goes to union staff."""
    staff = ctx.staff_chat
    if staff is None:
        log.info("handoff: [handoff] staff_chat is not configured; giving the contacts")
        return Reply(text=ctx._("No staff member can answer in this chat, but you can reach "
                                "the union directly:") + "\n" + contact_text(ctx),
                     buttons=contact_buttons(ctx), intent="human_handoff")
    ticket = await open_ticket(ctx.session, member_id=ctx.member.id, now=ctx.now)
    await ctx.start_flow(FLOW, "relay", {"ticket": ticket.id})
    text = ctx._("OK. I'll pass what you write next to union staff (ticket #{number}). "
                 "Write your question now; send /done when you are finished.").format(
        number=ticket.number)
    if note := office_note(ctx):
        text += "\n\n" + note + "\n" + ctx._("For something urgent:") + "\n" + contact_text(ctx)
    opened = ctx.staff_translator.gettext(OPENED)
    name = await member_label(ctx, ctx.member)
    return [Reply(text=text, buttons=_end_button(ctx), intent="human_handoff"),
            Reply(text=opened.format(number=ticket.number, name=name), to=staff)]


async def member_label(ctx: Context, member: Member) -> str:
    """Who staff are talking to: the bound name and card tail, else the chat name."""
    entry = await find_binding(ctx.session, member.id)
    if entry is None:
        return _name(member)
    return ctx.staff_translator.gettext("{name} (card ending {card})").format(
        name=entry.name, card=entry.card_number[-4:])


async def relay_message(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """Passes the member's message to the staff chat with the ticket number."""
    ticket = await find_open_ticket(ctx.session, member_id=ctx.member.id)
    staff = ctx.staff_chat
    if ticket is None or staff is None:
        await ctx.end_flow()
        return main_menu(ctx, ctx._("This conversation with staff has ended. "
                                    "Send /human to talk to a person again."))
    text = (msg.text or "").strip()
    if not text:
        return Reply(text=ctx._("I can only pass text messages on to staff. "
                                "Please type your message."), buttons=_end_button(ctx))
    await record_message(ctx.session, ticket, author_id=ctx.member.id,
                         direction=Direction.TO_STAFF, text=text[:RELAY_LIMIT], now=ctx.now)
    relay = f"#{ticket.number} {await member_label(ctx, ctx.member)}: {text[:RELAY_LIMIT]}"
    ack = ctx._("Sent to staff (#{number}).").format(number=ticket.number)
    return [Reply(text=relay, to=staff),
            Reply(text=ack, buttons=_end_button(ctx), intent="human_handoff")]


async def finish_handoff(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """/done: the member ends their conversation; in the staff chat, staff close a ticket."""
    staff = ctx.staff_chat
    names_ticket = parse_ticket_number(" ".join(msg.args)) is not None
    if names_ticket or (staff is not None and msg.address == staff):
        return await _close_as_staff(msg, ctx)
    if ctx.flow is not None and ctx.flow.name == FLOW:
        await ctx.end_flow()
    ticket = await find_open_ticket(ctx.session, member_id=ctx.member.id)
    if ticket is None:
        return main_menu(ctx, ctx._("You have no open conversation with staff."))
    await close_ticket(ctx.session, ticket, by_id=ctx.member.id, now=ctx.now)
    replies = [main_menu(ctx, ctx._("Your conversation with staff (#{number}) has ended. "
                                    "Thank you!").format(number=ticket.number))]
    if staff is not None:
        ended = ctx.staff_translator.gettext(ENDED)
        replies.append(Reply(text=ended.format(number=ticket.number, name=_name(ctx.member)),
                             to=staff))
    return replies


async def _refuse(ctx: Context, action: str, target: str) -> Reply:
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action=action,
                       target=target, allowed=False, detail=f"refused: role {ctx.member.role}")
    log.warning("refused %s on %s to member %s", action, target, ctx.member.id)
    return Reply(text=ctx._(STAFF_ONLY))


async def _open_ticket_named(
    ctx: Context, text: str | None
) -> tuple[HandoffTicket, Member] | Reply:
    number = parse_ticket_number(text)
    if number is None:
        return Reply(text=ctx._("Which ticket? Reply to a relayed message, or send /done T12."))
    found = await get_ticket(ctx.session, number)
    if found is None or not found[0].is_open:
        return Reply(text=ctx._("Ticket #T{number} is not open.").format(number=number))
    return found


async def _close_as_staff(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    named = " ".join(msg.args) or msg.reply_to_text
    if not ctx.member.is_staff:
        return await _refuse(ctx, "handoff.close", named or "")
    found = await _open_ticket_named(ctx, named)
    if isinstance(found, Reply):
        return found
    return await close_as_staff(ctx, *found)


async def close_as_staff(ctx: Context, ticket: HandoffTicket, member: Member) -> list[Reply]:
    """Staff close a ticket (from the chat or the console); the member is told."""
    await close_ticket(ctx.session, ticket, by_id=ctx.member.id, now=ctx.now)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="handoff.close",
                       target=ticket.number)
    state = await load_state(ctx.session, member.id)
    if state is not None and state.flow == FLOW:
        await clear_state(ctx.session, member.id)
    told = ctx.services.catalogs.get(member.language).gettext(CLOSED_BY_STAFF)
    return [Reply(text=ctx._("Closed #{number}.").format(number=ticket.number)),
            Reply(text=told.format(number=ticket.number),
                  to_member=member.id)]


async def answer_ticket(msg: Incoming, ctx: Context) -> Reply | list[Reply] | None:
    """A staff reply to a relayed message goes to the member; other replies pass through."""
    staff = ctx.staff_chat
    number = parse_ticket_number(msg.reply_to_text)
    if staff is None or msg.address != staff or number is None:
        return None
    if not ctx.member.is_staff:
        return await _refuse(ctx, "handoff.reply", f"T{number}")
    if not msg.text:
        return Reply(text=ctx._("Only text can be passed on to the member. Please type it."))
    found = await _open_ticket_named(ctx, msg.reply_to_text)
    if isinstance(found, Reply):
        return found
    return await reply_as_staff(ctx, *found, msg.text)


async def reply_as_staff(ctx: Context, ticket: HandoffTicket, member: Member, text: str
                         ) -> list[Reply]:
    """Staff's answer (from the chat or the console) goes to the member on their channel."""
    await record_message(ctx.session, ticket, author_id=ctx.member.id,
                         direction=Direction.TO_MEMBER, text=text, now=ctx.now)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="handoff.reply",
                       target=ticket.number)
    said = ctx.services.catalogs.get(member.language).gettext(STAFF_SAID)
    return [Reply(text=said.format(number=ticket.number, text=text),
                  to_member=member.id),
            Reply(text=ctx._("Queued for {name} (#{number}).").format(
                name=_name(member), number=ticket.number))]


async def list_tickets(msg: Incoming, ctx: Context) -> Reply:
    """Staff: the open tickets, oldest first."""
    tickets = await list_open_tickets(ctx.session)
    if not tickets:
        return Reply(text=ctx._("No open tickets."))
    lines = [f"#{ticket.number} {_name(member)} · "
             f"{ticket.opened_at.astimezone(ctx.settings.zone):%Y-%m-%d %H:%M}"
             for ticket, member in tickets]
    return Reply(text=ctx._("Open tickets:") + "\n" + "\n".join(lines))


ROUTES = (
    Route(start_handoff, command="human", private_only=True),
    Route(finish_handoff, command="done"),
    Route(list_tickets, command="tickets", staff_only=True),
    Route(start_handoff, action="human.start", private_only=True),
    Route(finish_handoff, action="human.done"),
    Route(start_handoff, intent="human_handoff", private_only=True),
    Route(relay_message, flow=FLOW, private_only=True),
    Route(finish_handoff, command="cancel", flow=FLOW),
    Route(answer_ticket, event="reply"),
)
