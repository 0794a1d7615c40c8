"""A message whose transaction lost a lock race is run again, and counted once."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import Sessions
from models.events import Event, Registration
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, add_event, event_settings


class BusySessions(Sessions):
    """The first `failures` commits fail the way a busy SQLite database does."""

    def __init__(self, real: Sessions, failures: int) -> None:
        super().__init__(real.engine)
        self.failures = failures

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        async with super().begin() as session:
            yield session
            if self.failures:
                self.failures -= 1
                raise OperationalError("COMMIT", {}, sqlite3.OperationalError(
                    "database is locked"))


async def test_a_busy_transaction_is_run_again(sessions: Sessions, database_url: str) -> None:
    lecture = await add_event(sessions, capacity=3)
    busy = BusySessions(sessions, failures=2)
    wang = Member(make_dispatcher(event_settings(database_url), busy, NOW), language="en")
    assert "You're signed up" in await wang.presses(f"events.join:{lecture}")
    async with sessions.begin() as session:
        event = await session.get(Event, lecture)
        rows = list(await session.scalars(select(Registration)))
    assert event is not None and event.taken == 1 and len(rows) == 1


async def test_a_database_that_stays_busy_gets_an_apology(
    sessions: Sessions, database_url: str
) -> None:
    lecture = await add_event(sessions, capacity=3)
    busy = BusySessions(sessions, failures=5)
    wang = Member(make_dispatcher(event_settings(database_url), busy, NOW), language="en")
    assert "something went wrong" in await wang.presses(f"events.join:{lecture}")
    async with sessions.begin() as session:
        assert list(await session.scalars(select(Registration))) == []
