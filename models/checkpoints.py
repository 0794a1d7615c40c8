"""SQLite's WAL checkpoints, run beside the writers instead of inside one of them.

SQLite copies the WAL into the database file when a commit takes the WAL past 1,000 pages:
that commit then copies the pages and syncs both files (10-20 ms here) while it holds the one
writer that every member's message waits for. Measured at 16 messages in flight: such a commit
every 0.45 s, and the slowest percentile of replies waiting behind it. The bot's connections
therefore never checkpoint on commit (`make_engine(..., checkpoint_apart=True)`), and
`Checkpoints` does it every second on a connection of its own, beside the writers (PASSIVE
copies what is committed and waits for nobody). Under steady writing some pages are always
newer than the copy, so the WAL would only grow: once it is past 1,000 pages, a second
checkpoint holding the writers' lock copies the few pages committed meanwhile. The WAL is then
wholly copied, and the next writer starts it again from the beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import aiosqlite

from models.db import Sessions

log = logging.getLogger(__name__)

EVERY = 1.0  # seconds
RESTART_PAGES = 1000  # SQLite's own threshold
PASSIVE = "PRAGMA wal_checkpoint(PASSIVE)"


class Checkpoints:
    def __init__(self, sessions: Sessions, path: Path, every: float = EVERY) -> None:
        self.sessions = sessions
        self.path = path
        self.every = every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _forever(self) -> None:
        async with aiosqlite.connect(self.path) as connection:
            while True:
                await asyncio.sleep(self.every)
                try:
                    await self.run(connection)
                except aiosqlite.Error:
                    log.exception("sqlite: checkpoint failed; the next one tries again")

    async def run(self, connection: aiosqlite.Connection) -> tuple[int, int]:
        """One checkpoint: (the WAL's pages, the pages copied), equal when it is complete."""
        pages, copied = await _checkpoint(connection)
        if pages > RESTART_PAGES and copied < pages:
            async with self.sessions.writing():
                pages, copied = await _checkpoint(connection)
        return pages, copied


async def _checkpoint(connection: aiosqlite.Connection) -> tuple[int, int]:
    cursor = await connection.execute(PASSIVE)
    _busy, pages, copied = await cursor.fetchone() or (0, 0, 0)
    return pages, copied
