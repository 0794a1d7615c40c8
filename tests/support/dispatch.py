"""Building the bot for tests: a dispatcher on the test database, or the whole App."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.answering import load_answerer
from bot.config import Settings
from bot.context import Services
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from bot.routing import Route
from handlers import all_routes
from models.db import Sessions

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing


def make_dispatcher(
    settings: Settings,
    sessions: Sessions,
    *,
    extra_routes: Sequence[Route] = (),
    clock: Callable[[], datetime] = lambda: NOW,
) -> Dispatcher:
    services = Services(settings=settings, catalogs=Catalogs(), answerer=load_answerer())
    return Dispatcher((*extra_routes, *all_routes()), services, sessions, clock)
