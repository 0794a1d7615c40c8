"""Member-service topics, in the order their routes are registered."""

from __future__ import annotations

from bot.routing import Route
from handlers import (
    binding,
    broadcasts,
    claims,
    console,
    discounts,
    events,
    faq,
    handoff,
    jobfairs,
    lectures,
    menu,
    staff,
    subscriptions,
)

MODULES = (
    menu, discounts, binding, claims, jobfairs, lectures, events, handoff, subscriptions,
    broadcasts, staff, console, faq,
)


def all_routes() -> tuple[Route, ...]:
    return tuple(route for module in MODULES for route in module.ROUTES)
