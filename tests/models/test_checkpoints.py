"""SQLite's WAL is checkpointed beside the writers (models/checkpoints.py): a commit never
copies it, and the WAL stays small while members keep writing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
from sqlalchemy import select

import models
from models.checkpoints import Checkpoints
from models.db import Sessions, make_engine
from models.dedupe import HandledUpdate, record_update

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def _size(path: Path) -> int:
    return path.stat().st_size


async def _write(sessions: Sessions, first: int, count: int) -> None:
    for n in range(first, first + count):
        async with sessions.begin() as session:
            await record_update(session, channel="telegram", key=str(n) * 40, now=NOW)


async def test_commits_leave_the_wal_to_the_checkpoints_which_keep_it_small(
    tmp_path: Path
) -> None:
    path = tmp_path / "unionbot.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}", checkpoint_apart=True)
    async with engine.begin() as connection:
        await connection.run_sync(models.Base.metadata.create_all)
    sessions = Sessions(engine)
    checkpoints = Checkpoints(sessions, path)
    wal = Path(f"{path}-wal")
    try:
        await _write(sessions, 0, 1200)  # well past SQLite's own 1,000-page checkpoint
        async with aiosqlite.connect(path) as connection:
            pages, copied = await checkpoints.run(connection)
            assert pages > 1000 and copied == pages  # nothing was copied on commit
            grown = _size(wal)
            for start in range(1200, 2400, 200):  # members go on writing
                await _write(sessions, start, 200)
                pages, copied = await checkpoints.run(connection)
                assert copied == pages < 1000  # the WAL started again from the beginning
        assert _size(wal) <= grown  # the file is reused, not grown
        async with sessions.read() as session:
            assert len(list(await session.scalars(select(HandledUpdate.id)))) == 2400
    finally:
        await engine.dispose()
