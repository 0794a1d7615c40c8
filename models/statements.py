"""The few Core statements every update runs, at the cost of the statement itself.

Each update writes the same handful of rows (its dedupe claim, its kept replies, the member's
hot columns, the last question). Through `AsyncSession.execute` each costs some 200 us of CPU in
SQLAlchemy (a greenlet switch, the compiled-cache lookup, the execution context, the result
object) against some 60 us for the statement on SQLite, and on SQLite every update waits on the
one writer: that time is the queue. `run` compiles such a statement once, with SQLAlchemy's
own compiler and type processors (so the SQL and the stored values are exactly what
SQLAlchemy would send), and on SQLite sends it in one trip on the session's own connection,
inside the session's transaction. On other databases, or for a statement it cannot take
whole (expanding or Python-side default parameters), it is `session.execute`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from models.sqlite_driver import OneTripConnection

_Process = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    compiled: SQLCompiler
    names: tuple[str, ...]
    processors: tuple[_Process, ...]  # of the parameters, in order
    results: tuple[_Process, ...] | None  # of the columns returned, when one needs any


# session.info: (its transaction, dialect, DBAPI connection), asked once per transaction
_CONNECTION = "unionbot_connection"
# statement -> its SQLite form, or None when it must go through SQLAlchemy
_PREPARED: dict[Executable, _Prepared | None] = {}


Rows = Sequence[tuple[Any, ...]]


async def run(session: AsyncSession, statement: Executable, params: Mapping[str, Any], *,
              defer: bool = False) -> Rows:
    """Execute `statement` (a module-level Core statement on tables, with bound parameters)
    in the session's transaction; the rows it returns, as plain tuples.

    `defer`: a write whose outcome the caller does not read may travel on SQLite with the
    transaction's next statement or its COMMIT (returns no rows then). Its error, if any,
    fails that statement or the COMMIT, and the transaction is rolled back as usual."""
    if defer:
        dialect, dbapi_connection = await _connection(session)
        if isinstance(dbapi_connection, OneTripConnection):
            prepared = _prepare(statement, dialect)
            if prepared is not None:
                dbapi_connection.defer(prepared.sql, _bind(prepared, params))
                return []
    [rows] = await run_together(session, (statement, params))
    return rows


async def run_together(session: AsyncSession,
                       *statements: tuple[Executable, Mapping[str, Any]]) -> list[Rows]:
    """Execute the statements in order, on SQLite in one trip; the rows of each."""
    dialect, dbapi_connection = await _connection(session)
    if isinstance(dbapi_connection, OneTripConnection):
        prepared = [_prepare(statement, dialect) for statement, _params in statements]
        if all(p is not None for p in prepared):
            batch = [(p, _bind(p, params)) for p, (_statement, params)
                     in zip(prepared, statements, strict=True) if p is not None]
            return list(await _run_one_trip(dbapi_connection, batch))
    return [await _through_sqlalchemy(session, statement, params)
            for statement, params in statements]


async def _connection(session: AsyncSession) -> tuple[Dialect, Any]:
    """The session's dialect and DBAPI connection, in its transaction (begun if need be)."""
    known = session.info.get(_CONNECTION)
    transaction = session.sync_session.get_transaction()
    if known is not None and transaction is not None and known[0] is transaction:
        return known[1], known[2]
    connection = await session.connection()
    transaction = session.sync_session.get_transaction()
    dbapi_connection = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    session.info[_CONNECTION] = (transaction, connection.dialect, dbapi_connection)
    return connection.dialect, dbapi_connection


async def _through_sqlalchemy(session: AsyncSession, statement: Executable,
                              params: Mapping[str, Any]) -> Rows:
    result = await session.execute(statement, dict(params))
    return [tuple(row) for row in result] if result.returns_rows else []  # type: ignore[attr-defined]


def _prepare(statement: Executable, dialect: Dialect) -> _Prepared | None:
    if statement in _PREPARED:
        return _PREPARED[statement]
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    prepared = (_prepared(statement, compiled, dialect) if isinstance(compiled, SQLCompiler)
                else None)
    _PREPARED[statement] = prepared
    return prepared


def _prepared(statement: Executable, compiled: SQLCompiler,
              dialect: Dialect) -> _Prepared | None:
    """The compiled statement, if running it needs nothing SQLAlchemy's execution context adds
    beyond the bound values."""
    names = tuple(compiled.positiontup or ())
    if compiled.positiontup is None and compiled.binds:
        return None
    if compiled.insert_prefetch or compiled.update_prefetch:
        return None  # Python-side defaults, which SQLAlchemy's execution context computes
    if any(bind.expanding for bind in compiled.binds.values()):
        return None
    returned = (statement.selected_columns if isinstance(statement, Select)
                else compiled.effective_returning or ())
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in returned)
    processors = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                       for name in names)
    return _Prepared(compiled.string, compiled, names, processors,
                     results if any(results) else None)


def _bind(prepared: _Prepared, params: Mapping[str, Any]) -> list[Any]:
    values = prepared.compiled.construct_params(dict(params))
    return [value if process is None else process(value)
            for value, process in zip((values[name] for name in prepared.names),
                                      prepared.processors, strict=True)]


async def _run_one_trip(connection: OneTripConnection,
                        batch: list[tuple[_Prepared, list[Any]]]) -> list[Rows]:
    try:
        results = await connection.run([(prepared.sql, bound) for prepared, bound in batch])
    except sqlite3.Error as error:
        sql = "; ".join(prepared.sql for prepared, _bound in batch)
        raise DBAPIError.instance(sql, [bound for _prepared, bound in batch], error,
                                  sqlite3.Error) from error
    return [rows if prepared.results is None else _processed(rows, prepared.results)
            for (prepared, _bound), rows in zip(batch, results, strict=True)]


def _processed(rows: list[Any], results: tuple[_Process, ...]) -> Rows:
    return [tuple(value if process is None else process(value)
                  for value, process in zip(row, results, strict=True))
            for row in rows]
