"""Member-service topics, in the order their routes are registered."""

from __future__ import annotations

from bot.routing import Route
from handlers import binding, claims, discounts, faq, menu

MODULES = (menu, discounts, binding, claims, faq)


def all_routes() -> tuple[Route, ...]:
    return tuple(route for module in MODULES for route in module.ROUTES)
