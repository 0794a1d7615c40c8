"""Demo data for `make run`, drawn from the union's 2015 review and marked as demo.

Each loader is idempotent: it adds its rows only when its tables hold no demo rows yet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo import member_services
from bot.demo.events import load_demo_events

Loader = Callable[[AsyncSession, datetime], Awaitable[int]]

LOADERS: tuple[Loader, ...] = (
    member_services.load_merchants,
    member_services.load_plans,
    member_services.load_roster,
    load_demo_events,
)


async def load_demo(session: AsyncSession, now: datetime) -> int:
    """Run every loader; returns how many rows were added."""
    added = 0
    for loader in LOADERS:
        added += await loader(session, now)
    return added
