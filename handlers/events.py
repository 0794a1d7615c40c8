"""One event: its details, signing up (or the waitlist), cancelling, a calendar file; and the
member's own registrations. A freed seat goes to the first on the waitlist, who is told."""

from __future__ import annotations

from bot.context import Context
from bot.ics import event_ics
from bot.messages import Button, Incoming, OutgoingFile, Reply, button_rows
from bot.messages import split_payload as split
from bot.parsing import parse_id
from bot.routing import Route
from handlers.event_view import (
    NOT_FOUND,
    STATUS_LABELS,
    detail_buttons,
    detail_text,
    event_list,
    when,
)
from handlers.quotas import sign_up_refusal
from models.events import (
    Event,
    Outcome,
    cancel_registration,
    find_registration,
    get_event,
    list_member_registrations,
    register,
)
from models.member import Member

MAX_ID_DIGITS = 9


def _event_id(msg: Incoming) -> int | None:
    _action, arg = split(msg.payload or "")
    if msg.command is not None:
        arg = msg.args[0] if msg.args else ""
    return parse_id(arg, digits=MAX_ID_DIGITS)


async def _find(msg: Incoming, ctx: Context) -> Event | None:
    event_id = _event_id(msg)
    return None if event_id is None else await get_event(ctx.session, event_id)


def _not_found(ctx: Context) -> Reply:
    buttons = [Button(ctx._("Job fairs"), "jobfairs.list"),
               Button(ctx._("Women's lectures"), "lectures.list"),
               Button(ctx._("Main menu"), "menu.main")]
    return Reply(text=ctx._(NOT_FOUND), buttons=button_rows(buttons))


async def _status(ctx: Context, event: Event) -> str | None:
    mine = await find_registration(ctx.session, event_id=event.id, member_id=ctx.member.id)
    return None if mine is None else mine.status


async def _detail(ctx: Context, event: Event, notice: str = "") -> Reply:
    status = await _status(ctx, event)
    text = detail_text(ctx, event, status)
    return Reply(text=f"{notice}\n\n{text}" if notice else text,
                 buttons=button_rows(detail_buttons(ctx, event, status)))


async def show_event(msg: Incoming, ctx: Context) -> Reply:
    """An event's date, venue, employers or seats left, and what the member can do."""
    event = await _find(msg, ctx)
    return _not_found(ctx) if event is None else await _detail(ctx, event)


async def join_event(msg: Incoming, ctx: Context) -> Reply:
    """A seat, or a place on the waitlist with its number; past events are refused."""
    event = await _find(msg, ctx)
    if event is None:
        return _not_found(ctx)
    refusal = await sign_up_refusal(ctx, event)
    if refusal is not None:
        return refusal
    event_id = event.id
    result = await register(ctx.session, event_id=event_id, member_id=ctx.member.id,
                            now=ctx.now)
    if result.event is None:
        return _not_found(ctx)
    _ = ctx._
    notices = {
        Outcome.CONFIRMED: _("You're signed up. See you there!"),
        Outcome.WAITLISTED: _("The event is full, so you are number {position} on the "
                              "waitlist. If a seat comes free, it's yours and I'll tell you."),
        Outcome.ALREADY_CONFIRMED: _("You are already signed up for this event."),
        Outcome.ALREADY_WAITLISTED: _("You are already on the waitlist, number {position}."),
        Outcome.PAST: _("Sorry, this event has already started or is over, so sign-up is "
                        "closed."),
    }
    notice = notices.get(result.outcome, "").format(position=result.position)
    return await _detail(ctx, result.event, notice)


async def confirm_cancel(msg: Incoming, ctx: Context) -> Reply:
    """Asks whether the member really wants to give up their seat or waitlist place."""
    event = await _find(msg, ctx)
    if event is None:
        return _not_found(ctx)
    if await _status(ctx, event) not in STATUS_LABELS:
        return await _detail(ctx, event, ctx._("You are not signed up for this event."))
    text = ctx._("Cancel your registration for {title}?").format(title=event.title(ctx.language))
    buttons = [Button(ctx._("Yes, cancel"), f"events.cancel_yes:{event.id}"),
               Button(ctx._("No, keep my seat"), f"events.show:{event.id}")]
    return Reply(text=text, buttons=(tuple(buttons),))


async def cancel_event(msg: Incoming, ctx: Context) -> list[Reply]:
    """Cancels; the first member on the waitlist gets the seat and a message saying so."""
    event_id = _event_id(msg)
    if event_id is None:
        return [_not_found(ctx)]
    result = await cancel_registration(ctx.session, event_id=event_id, member_id=ctx.member.id,
                                       now=ctx.now)
    if result.event is None:
        return [_not_found(ctx)]
    if not result.cancelled:
        return [await _detail(ctx, result.event, ctx._("You are not signed up for this event."))]
    replies = [await _detail(ctx, result.event, ctx._("Your registration is cancelled."))]
    if result.promoted is not None:
        replies.append(promotion_notice(ctx, result.event, result.promoted))
    return replies


def promotion_notice(ctx: Context, event: Event, member: Member) -> Reply:
    """The seat is yours: sent to a member moved off the waitlist (by a cancellation or staff)."""
    translator = ctx.services.catalogs.get(member.language)
    _ = translator.gettext
    text = _("Good news: a seat came free and it is yours. You are now signed up for {title}, "
             "{when}. If you can't come, please cancel so the next person can go.").format(
        title=event.title(member.language),
        when=when(event, translator.language, ctx.settings.zone))
    buttons = [Button(_("Details"), f"events.show:{event.id}"),
               Button(_("Add to my calendar"), f"events.ics:{event.id}")]
    return Reply(text=text, buttons=(tuple(buttons),), to_member=member.id)


async def send_calendar(msg: Incoming, ctx: Context) -> Reply:
    """An .ics file the member's phone can add to its calendar."""
    event = await _find(msg, ctx)
    if event is None:
        return _not_found(ctx)
    data = event_ics(event, language=ctx.language, now=ctx.now)
    text = ctx._("Open this file to add {title} to your calendar.").format(
        title=event.title(ctx.language))
    buttons = (Button(ctx._("Details"), f"events.show:{event.id}"),
               Button(ctx._("Main menu"), "menu.main"))
    return Reply(text=text, file=OutgoingFile(f"event-{event.id}.ics", data, "text/calendar"),
                 buttons=(buttons,))


async def show_my_events(msg: Incoming, ctx: Context) -> Reply:
    """The member's upcoming seats and waitlist places."""
    mine = await list_member_registrations(ctx.session, member_id=ctx.member.id, now=ctx.now)
    events = [item.event for item in mine]
    extra = [Button(ctx._("Job fairs"), "jobfairs.list"),
             Button(ctx._("Women's lectures"), "lectures.list"),
             Button(ctx._("Main menu"), "menu.main")]
    notes = [ctx._(STATUS_LABELS[item.status]) for item in mine]
    return event_list(ctx, events, ctx._("Your registrations:"),
                      ctx._("You have not signed up for any upcoming event."), extra,
                      intent="lectures.women", notes=notes)

ROUTES = (
    Route(show_my_events, command="myevents"),
    Route(show_event, command="event"),
    Route(show_my_events, action="events.mine"),
    Route(show_event, action="events.show"),
    Route(join_event, action="events.join"),
    Route(confirm_cancel, action="events.cancel"),
    Route(cancel_event, action="events.cancel_yes"),
    Route(send_calendar, action="events.ics"),
)
