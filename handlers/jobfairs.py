"""Upcoming job fairs and job-training classes: date, venue, employers or seats left."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.messages import Button, Incoming, Reply
from bot.routing import Route
from handlers.event_view import event_list
from models.events import EventKind, list_upcoming


def _extra(ctx: Context, other: tuple[str, str]) -> list[Button]:
    return [Button(ctx._(other[0]), other[1]), Button(ctx._("My registrations"), "events.mine"),
            Button(ctx._("Main menu"), "menu.main")]


async def list_job_fairs(msg: Incoming, ctx: Context) -> Reply:
    """Upcoming job fairs with dates, venues and employers; a button for each."""
    events = await list_upcoming(ctx.session, now=ctx.now, kinds=(EventKind.JOB_FAIR.value,))
    return event_list(
        ctx, events, ctx._("Upcoming job fairs (tap one for details and sign-up):"),
        ctx._("No job fairs are planned at the moment. Please check again soon."),
        _extra(ctx, (N_("Job training"), "training.list")), intent="job_fairs",
    )


async def list_training(msg: Incoming, ctx: Context) -> Reply:
    """Upcoming job-training and entrepreneurship classes with seats left."""
    events = await list_upcoming(ctx.session, now=ctx.now, kinds=(EventKind.TRAINING.value,))
    return event_list(
        ctx, events, ctx._("Upcoming training classes (tap one for details and sign-up):"),
        ctx._("No training classes are planned at the moment. Please check again soon."),
        _extra(ctx, (N_("Job fairs"), "jobfairs.list")), intent="job_training",
    )


ROUTES = (
    Route(list_job_fairs, command="jobfairs"),
    Route(list_training, command="training"),
    Route(list_job_fairs, action="jobfairs.list"),
    Route(list_training, action="training.list"),
    Route(list_job_fairs, intent="job_fairs"),
    Route(list_training, intent="job_training"),
)
