"""An iCalendar (.ics) file for one event, so members can add it to their phone's calendar.

icalendar is imported on the first file asked for: it is 4 MB of the bot's memory, and most
processes never send one."""

from __future__ import annotations

from datetime import datetime

from models.events import Event


def event_ics(event: Event, *, language: str, now: datetime) -> bytes:
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//unionbot//member services//EN")
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}@unionbot")
    entry.add("dtstamp", now)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.title(language))
    if event.venue(language):
        entry.add("location", event.venue(language))
    if event.description(language):
        entry.add("description", event.description(language))
    calendar.add_component(entry)
    return bytes(calendar.to_ical())
