"""Files of an erasure are removed only after its transaction commits: a rollback leaves the
data whole, and a file that cannot be removed now is removed by the hourly housekeeping
(nothing points to it any more)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot import documents

log = logging.getLogger(__name__)
_pending: set[asyncio.Task[int]] = set()


def remove_files(paths: Iterable[str], data_dir: Path) -> int:
    """Blocking; returns how many files went. Failures are logged and left to housekeeping."""
    removed = 0
    for relative in paths:
        try:
            documents.resolve(relative, data_dir).unlink(missing_ok=True)
            removed += 1
        except (OSError, ValueError) as exc:
            log.warning("erasure: file %s not removed now (%s); housekeeping retries", relative,
                        exc)
    return removed


def remove_after_commit(session: AsyncSession, paths: frozenset[str], data_dir: Path) -> None:
    if not paths:
        return
    loop = asyncio.get_running_loop()

    def committed(_session: Session) -> None:
        task = loop.create_task(asyncio.to_thread(remove_files, sorted(paths), data_dir))
        _pending.add(task)
        task.add_done_callback(_pending.discard)

    event.listen(session.sync_session, "after_commit", committed, once=True)


async def settle() -> None:
    """Wait for removals already started (tests, shutdown)."""
    while _pending:
        await asyncio.gather(*list(_pending), return_exceptions=True)
