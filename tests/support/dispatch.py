"""Building the bot for tests: a dispatcher on the test database at a pinned time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.answering import load_answerer
from bot.answering.types import Answerer
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
    clock: Callable[[], datetime] | datetime = NOW,
    *,
    answerer: Answerer | None = None,
    extra_routes: Sequence[Route] = (),
) -> Dispatcher:
    """The dispatcher with every route (and `extra_routes` first); `clock` is a fixed time or
    a callable a test moves."""
    fixed = clock
    now = (lambda: fixed) if isinstance(fixed, datetime) else fixed
    services = Services(settings=settings, catalogs=Catalogs(),
                        answerer=answerer or load_answerer())
    return Dispatcher((*extra_routes, *all_routes()), services, sessions, now)
