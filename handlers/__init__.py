"""Member-service topics, in the order their routes are registered."""

from __future__ import annotations

from bot.routing import Route
from handlers import (
    applications,
    binding,
    broadcasts,
    claims,
    console,
    contact,
    discounts,
    events,
    faq,
    handoff,
    jobfairs,
    lectures,
    menu,
    notices,
    privacy,
    staff,
    subscriptions,
    takeover,
)

MODULES = (
    menu, discounts, binding, takeover, claims, applications, jobfairs, lectures, events,
    handoff, subscriptions, contact, broadcasts, notices, staff, privacy, console, faq,
)


def all_routes() -> tuple[Route, ...]:
    return tuple(route for module in MODULES for route in module.ROUTES)
