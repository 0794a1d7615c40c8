"""How an event reads in a list and on its own, in the member's language and Beijing time."""

from __future__ import annotations

from datetime import tzinfo

from babel.dates import format_skeleton

from bot.context import Context
from bot.i18n import N_
from bot.messages import Button, Reply, button_rows, shorten
from models.events import Event, EventKind, Status

LIST_ACTION = {
    EventKind.JOB_FAIR.value: "jobfairs.list",
    EventKind.TRAINING.value: "training.list",
    EventKind.LECTURE.value: "lectures.list",
}
TOPICS = {
    "rights": N_("Women's rights"),
    "mental_health": N_("Mental health"),
    "wellness": N_("Wellness"),
    "legal": N_("Legal knowledge"),
}
STATUS_LABELS = {
    Status.CONFIRMED.value: N_("You have a seat."),
    Status.WAITLISTED.value: N_("You are on the waitlist."),
}
NOT_FOUND = N_("Sorry, I can't find that event. It may have been removed.")


def when(event: Event, language: str, zone: tzinfo) -> str:
    """"12月5日周六 14:00–15:30" / "Sat, Dec 5 14:00–15:30", in the union's time zone."""
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    day = format_skeleton("MMMEd", start, locale=language)
    return f"{day} {start:%H:%M}–{end:%H:%M}"


def seats(ctx: Context, event: Event) -> str:
    left = event.seats_left
    if left is None:
        return ""
    if left == 0:
        return ctx._("Full: you can join the waitlist.")
    return ctx._("Seats left: {left} of {capacity}").format(left=left, capacity=event.capacity)


def list_entry(ctx: Context, number: int, event: Event, note: str = "") -> str:
    lines = [f"{number}. {event.title(ctx.language)}",
             "   🗓 " + when(event, ctx.language, ctx.settings.zone)]
    if event.venue(ctx.language):
        lines.append("   📍 " + event.venue(ctx.language))
    if event.employers:
        lines.append("   🏢 " + event.employers)
    if seat_line := seats(ctx, event):
        lines.append("   🪑 " + seat_line)
    if note:
        lines.append("   ✅ " + note)
    return "\n".join(lines)


def event_list(
    ctx: Context, events: list[Event], heading: str, empty: str, extra: list[Button],
    intent: str, notes: list[str] | None = None,
) -> Reply:
    """A numbered list with one button per event, then the extra buttons."""
    if not events:
        return Reply(text=empty, buttons=button_rows(extra), intent=intent)
    notes = notes or [""] * len(events)
    entries = [list_entry(ctx, n, event, note)
               for n, (event, note) in enumerate(zip(events, notes, strict=True), start=1)]
    buttons = [Button(shorten(f"{n}. {event.title(ctx.language)}"), f"events.show:{event.id}")
               for n, event in enumerate(events, start=1)]
    text = heading + "\n\n" + "\n\n".join(entries)
    return Reply(text=text, buttons=(*button_rows(buttons, 1), *button_rows(extra)),
                 intent=intent)


def detail_text(ctx: Context, event: Event, status: str | None) -> str:
    _ = ctx._
    lines = [event.title(ctx.language),
             _("When: {when} (Beijing time)").format(
                 when=when(event, ctx.language, ctx.settings.zone))]
    if event.venue(ctx.language):
        lines.append(_("Where: {venue}").format(venue=event.venue(ctx.language)))
    if event.topic in TOPICS:
        lines.append(_("Topic: {topic}").format(topic=_(TOPICS[event.topic])))
    if event.employers:
        lines.append(_("Employers: {employers}").format(employers=event.employers))
    if event.organiser:
        lines.append(_("Organiser: {organiser}").format(organiser=event.organiser))
    if seat_line := seats(ctx, event):
        lines.append(seat_line)
    if event.description(ctx.language):
        lines += ["", event.description(ctx.language)]
    if event.starts_at <= ctx.now:
        lines += ["", _("This event has already started or is over; sign-up is closed.")]
    elif status in STATUS_LABELS:
        lines += ["", _(STATUS_LABELS[status])]
    return "\n".join(lines)


def detail_buttons(ctx: Context, event: Event, status: str | None) -> list[Button]:
    _ = ctx._
    buttons = []
    upcoming = event.starts_at > ctx.now
    if upcoming and status in (None, Status.CANCELLED.value):
        label = _("Sign up") if event.seats_left != 0 else _("Join the waitlist")
        buttons.append(Button(label, f"events.join:{event.id}"))
    if upcoming and status in STATUS_LABELS:
        buttons.append(Button(_("Cancel my registration"), f"events.cancel:{event.id}"))
    if upcoming:
        buttons.append(Button(_("Add to my calendar"), f"events.ics:{event.id}"))
    buttons.append(Button(_("Back to the list"), LIST_ACTION.get(event.kind, "menu.main")))
    buttons.append(Button(_("My registrations"), "events.mine"))
    return buttons
