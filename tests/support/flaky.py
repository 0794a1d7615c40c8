"""A database that fails when told to, as SQLite does under a writer it cannot wait for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import Sessions


class FlakySessions(Sessions):
    """The same database; the next `fail_next` transactions, and those numbered in `fail_at`
    (counting from 1), fail with "database is locked"."""

    def __init__(self, sessions: Sessions, fail_at: set[int] | None = None) -> None:
        super().__init__(sessions.engine)
        self.fail_next = 0
        self.fail_at = fail_at or set()
        self.opened = 0

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        self.opened += 1
        async with super().begin() as session:
            if self.fail_next > 0 or self.opened in self.fail_at:
                self.fail_next = max(0, self.fail_next - 1)
                raise OperationalError("BEGIN", None, Exception("database is locked"))
            yield session
