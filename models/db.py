"""Engine and sessions: one short session per message or job, committed on success."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

from models import sqlite_driver


def make_engine(url: str, *, checkpoint_apart: bool = False) -> AsyncEngine:
    """`checkpoint_apart`: on SQLite, commits never checkpoint the WAL; the process runs
    models/checkpoints.py instead (the bot does, beside its writers)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        one_trip = sqlite_driver.dbapi()
        engine = create_async_engine(url, connect_args={"timeout": 30},
                                     **({"module": one_trip} if one_trip else {}),
                                     pool_reset_on_return=None)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if checkpoint_apart:
            event.listen(engine.sync_engine, "connect", _no_checkpoints_on_commit)
        event.listen(engine.sync_engine, "reset", _sqlite_reset)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine.sync_engine, "connect", _idle_since_now)
    event.listen(engine.sync_engine, "checkin", _idle_since_now)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


# A pooled connection idle this long is pinged before use; one used more recently is not.
PING_AFTER = 5.0  # seconds
_IDLE_SINCE = "unionbot_idle_since"


def _idle_since_now(_dbapi_connection: object, record: ConnectionPoolEntry) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: object) -> None:
    """SQLAlchemy's pre-ping costs three round trips (BEGIN, a query, ROLLBACK) at every
    checkout, a third of a message's. A connection the server closed (a restart, a terminated
    backend) is known closed without one; one idle for `PING_AFTER` seconds, which a network
    may have dropped silently, is pinged. A dead one is replaced: the pool tries another."""
    idle = time.monotonic() - record.info.get(_IDLE_SINCE, 0.0)
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed the connection")
    if idle < PING_AFTER:
        return
    try:
        dbapi_connection.ping()
    except Exception as error:
        raise DisconnectionError(f"ping failed: {error}") from error


def _private_file(path: Path) -> None:
    """The SQLite file 0600 in a 0700 folder before SQLite creates it (its -wal and -shm
    files copy the database file's permissions)."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed transaction
    # survives a crash of the process (the WAL file is in the OS already), not a power cut.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # The sqlite3 module opens a transaction only before its first INSERT/UPDATE/DELETE, so
    # a SAVEPOINT issued first becomes the outermost one and its RELEASE commits: a rolled-back
    # message would keep its writes. We issue BEGIN ourselves (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _no_checkpoints_on_commit(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock now, waiting up to busy_timeout for it. A deferred
    # transaction that read first and writes later fails at once ("database is locked") when
    # another connection wrote in between: the busy timeout does not apply to that upgrade.
    # A read-only session takes a snapshot and no lock. Sent on the DBAPI cursor: this runs
    # for every transaction, and SQLAlchemy's statement machinery would double its cost.
    # With models/sqlite_driver.py's connection, the BEGIN goes with the first statement.
    read_only = connection.get_execution_options().get(READ_ONLY)
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
    dbapi_connection: Any = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, sqlite_driver.OneTripConnection):
        dbapi_connection.begin_later(begin)
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(begin)
    finally:
        cursor.close()


def _sqlite_reset(dbapi_connection: Any, _record: object, state: PoolResetState) -> None:
    # The pool's rollback of a returned connection, but only when a transaction is open
    # (SQLite's own flag, not SQLAlchemy's belief, which a failed COMMIT can leave wrong):
    # a committed session's connection comes back with none, and the rollback would cost a
    # trip to the connection's thread for nothing.
    if isinstance(dbapi_connection, sqlite_driver.OneTripConnection):
        dbapi_connection.forget()  # a BEGIN or writes never sent are not sent by the next user
    if state.terminate_only or not state.asyncio_safe:
        return
    try:
        idle = not dbapi_connection.driver_connection.in_transaction
    except Exception:
        idle = False  # closed or broken: let rollback() raise, which discards it
    if not idle:
        dbapi_connection.rollback()


READ_ONLY = "unionbot_read_only"


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()  # as SQLAlchemy's own context manager does when a commit fails
        raise
    finally:
        session.close()


def _close(session: Session) -> None:
    session.close()  # rolls back what the transaction wrote


class Sessions:
    """Opens sessions; `begin()` commits on return and rolls back on error; `read()` is for
    reading only and never waits for a writer."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._factory = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer. Writers of this process queue here, in order, rather than in
        # SQLite's busy handler, which sleeps up to 100 ms between tries and makes a long tail.
        self._one_writer = engine.dialect.name == "sqlite"
        self._write_lock = asyncio.Lock()

    async def ping(self) -> bool:
        """The database answers a trivial query (for the readiness check)."""
        try:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        except Exception:
            return False
        return True

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits when the block ends, or rolls back when it
        raises; either way the session is closed (its connection back in the pool) before
        this returns."""
        if not self._one_writer:
            async with self._transaction() as session:
                yield session
            return
        async with self._write_lock, self._transaction() as session:
            yield session

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        # The commit and the close in one call on SQLAlchemy's side: AsyncSession's own
        # context managers cost two more greenlet switches and a task per transaction (about
        # 150 us of CPU, a twentieth of a member's message). A cancellation during the
        # commit still closes the session first: close() runs in the same call.
        session = self._factory()
        try:
            yield session
        except BaseException:
            await session.run_sync(_close)
            raise
        await session.run_sync(_commit_and_close)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """This process's writers wait meanwhile (on SQLite; elsewhere nobody waits)."""
        if not self._one_writer:
            yield
            return
        async with self._write_lock:
            yield

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session that reads a consistent snapshot and is rolled back at the end."""
        async with self.engine.connect() as connection:
            connection = await connection.execution_options(**{READ_ONLY: True})
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
