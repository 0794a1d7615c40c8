"""Member-service topics, in the order their routes are registered."""

from __future__ import annotations

from bot.routing import Route
from handlers import broadcasts, faq, menu, staff, subscriptions

MODULES = (menu, subscriptions, broadcasts, staff, faq)


def all_routes() -> tuple[Route, ...]:
    return tuple(route for module in MODULES for route in module.ROUTES)
