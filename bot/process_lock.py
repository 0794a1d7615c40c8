"""SQLite serves one process: a second `unionbot` on the same file is refused at start.

An exclusive `flock` on a file beside the database; the kernel drops it when the process
ends, however it ends, so a killed process never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from bot.config import ConfigError


def hold_sqlite_lock(database_url: str) -> IO[str] | None:
    """Take the lock for an SQLite database (None for PostgreSQL or an in-memory database)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = (path.parent / f"{path.name}.lock").open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigError(
            f"config error: database.url: another unionbot process is using {path}; SQLite "
            "serves one process (for several, use PostgreSQL and [redis] url)") from None
    return handle


def release(handle: IO[str] | None) -> None:
    if handle is not None:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
