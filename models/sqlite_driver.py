"""SQLite through aiosqlite with one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips to aiosqlite's thread for each statement
(make a cursor, execute, fetch the rows, close the cursor); each trip is a queue hand-off there
and a wake-up of the event loop back. Here the cursor runs all four as one function on that
thread and keeps what SQLAlchemy reads afterwards (rows, description, rowcount, lastrowid).
The dialect and the URL stay SQLAlchemy's `sqlite+aiosqlite`: only the DBAPI module passed to
the engine differs (`create_async_engine(..., module=dbapi())`).

The BEGIN that models/db.py issues for each transaction travels with the transaction's first
statement (`OneTripConnection.begin_later`), and writes whose outcome nobody reads
(`OneTripConnection.defer`, from models/statements.py) travel with the next statement or the
COMMIT: a transaction costs one trip per statement that returns something, and one for the
COMMIT. Server-side cursors (`stream()`) keep SQLAlchemy's cursor, which fetches in chunks.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
import sqlalchemy
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

# (description, rows, rowcount, lastrowid) of one statement, read on aiosqlite's thread
_Outcome = tuple[Any, list[Any], int, int | None]
# Statements sent ahead of the next one: (SQL, parameters)
_Deferred = list[tuple[str, Sequence[Any]]]


def _send_pending(cursor: sqlite3.Cursor, begin: str | None, deferred: _Deferred) -> None:
    """What waits for the next trip: the transaction's BEGIN, then the deferred writes."""
    if begin is not None:
        cursor.execute(begin)
    for sql, values in deferred:
        cursor.execute(sql, values)


def _run_one(connection: sqlite3.Connection, begin: str | None, deferred: _Deferred,
             operation: str | None, parameters: Any, many: bool) -> _Outcome:
    cursor = connection.cursor()
    try:
        _send_pending(cursor, begin, deferred)
        if operation is None:
            return None, [], -1, None
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_batch(connection: sqlite3.Connection, begin: str | None, deferred: _Deferred,
               batch: _Deferred) -> list[list[Any]]:
    """The rows of each statement of `batch`, run in order after `begin` and `deferred`."""
    cursor = connection.cursor()
    try:
        _send_pending(cursor, begin, deferred)
        return [cursor.execute(sql, values).fetchall() for sql, values in batch]
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement costs one trip to the connection's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor: the sqlite3 cursor lives only inside `_run_one`.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # rows are fetched whole; fetchmany() without a size returns one row, as sqlite3

    async def _async_soft_close(self) -> None:
        """Nothing to close on the thread: the sqlite3 cursor was closed after the statement."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run(operation, seq_of_parameters, many=True)

    def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        try:
            outcome = await_(self._on_thread(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _on_thread(self, operation: Any, parameters: Any, many: bool) -> _Outcome:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        async with adapted._execute_mutex:
            outcome: _Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _run_one, connection._conn, adapted.take_begin(), adapted.take_deferred(),
                operation, parameters, many
            )
        return outcome

    def nextset(self) -> None:
        raise NotImplementedError("sqlite3 has one result set per statement")

    def setinputsizes(self, *inputsizes: Any) -> None:
        pass


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's connection as SQLAlchemy adapts it, with `OneTripCursor`s, and a BEGIN
    that travels with the transaction's first statement (`begin_later`)."""

    __slots__ = ("_begin", "_deferred")
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._begin: str | None = None
        self._deferred: _Deferred = []

    def begin_later(self, statement: str | None) -> None:
        """Run `statement` (a BEGIN) just before the next statement, in the same trip to the
        connection's thread. A transaction that runs no statement opens none."""
        self._begin = statement

    def take_begin(self) -> str | None:
        begin, self._begin = self._begin, None
        return begin

    def defer(self, operation: str, parameters: Sequence[Any]) -> None:
        """Run `operation` (a write whose outcome is not read) just before the next statement
        or the COMMIT, in the same trip; a rollback first drops it. Its error, if any, is
        raised by that statement or the COMMIT, in the same transaction."""
        self._deferred.append((operation, parameters))

    def take_deferred(self) -> _Deferred:
        deferred, self._deferred = self._deferred, []
        return deferred

    def forget(self) -> None:
        """Drop a BEGIN and writes never sent (the pool's reset of a returned connection)."""
        self._begin = None
        self._deferred = []

    async def run(self, batch: _Deferred) -> list[list[Any]]:
        """Statements in one trip, with the pending BEGIN and deferred writes; the rows of
        each (models/statements.py). Raises sqlite3's errors as they are."""
        async with self._execute_mutex:
            rows: list[list[Any]] = await self._connection._execute(
                _run_batch, self._connection._conn, self.take_begin(), self.take_deferred(),
                batch)
        return rows

    def cursor(self, server_side: bool = False) -> Any:
        if not server_side:
            return OneTripCursor(self)
        if self._begin is not None or self._deferred:  # a streaming cursor is SQLAlchemy's
            OneTripCursor(self).execute(None)
        return super().cursor(server_side)

    def commit(self) -> None:
        if self._deferred:  # a pending BEGIN, the writes and the COMMIT: one trip
            OneTripCursor(self).execute("COMMIT")
            return
        if self.take_begin() is None:
            super().commit()

    def rollback(self) -> None:
        self._deferred = []
        if self.take_begin() is None:
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy adapts it, with `OneTripCursor` as the default cursor."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI | None:
    """The module to give the engine, or None where SQLAlchemy's adapter is not the one this
    was written against (before 2.1): the engine then uses SQLAlchemy's own."""
    major, minor = (int(part) for part in sqlalchemy.__version__.split(".")[:2])
    return OneTripDBAPI(aiosqlite, sqlite3) if (major, minor) >= (2, 1) else None
