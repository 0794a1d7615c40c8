"""Lectures for women workers: the schedule, by topic (rights, mental health, wellness, law)."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Button, Incoming, Reply, split_payload
from bot.routing import Route
from handlers.event_view import TOPICS, event_list
from models.events import EventKind, list_upcoming


def _topic_buttons(ctx: Context, current: str | None) -> list[Button]:
    buttons = [Button(ctx._(label), f"lectures.topic:{topic}")
               for topic, label in TOPICS.items() if topic != current]
    if current is not None:
        buttons.append(Button(ctx._("All lectures"), "lectures.list"))
    buttons += [Button(ctx._("My registrations"), "events.mine"),
                Button(ctx._("Main menu"), "menu.main")]
    return buttons


async def _schedule(ctx: Context, topic: str | None) -> Reply:
    events = await list_upcoming(ctx.session, now=ctx.now, kinds=(EventKind.LECTURE.value,),
                                 topic=topic)
    if topic is None:
        heading = ctx._("Lectures for women workers (tap one for details and sign-up, "
                        "or choose a topic):")
    else:
        heading = ctx._("Lectures on {topic}:").format(topic=ctx._(TOPICS[topic]))
    if topic is None:
        empty = ctx._("No lectures are planned at the moment. Please check again soon.")
    else:
        empty = ctx._("No lectures on this topic are planned at the moment. "
                      "Try another topic.")
    return event_list(ctx, events, heading, empty, _topic_buttons(ctx, topic),
                      intent="lectures.women")


async def list_lectures(msg: Incoming, ctx: Context) -> Reply:
    """All upcoming lectures, and buttons for each topic; `/lectures legal` picks a topic."""
    wanted = msg.args[0].lower() if msg.args else None
    return await _schedule(ctx, wanted if wanted in TOPICS else None)


async def list_topic(msg: Incoming, ctx: Context) -> Reply:
    """Upcoming lectures on one topic."""
    _action, topic = split_payload(msg.payload or "")
    return await _schedule(ctx, topic if topic in TOPICS else None)


ROUTES = (
    Route(list_lectures, command="lectures"),
    Route(list_lectures, action="lectures.list"),
    Route(list_topic, action="lectures.topic"),
    Route(list_lectures, intent="lectures.women"),
)
