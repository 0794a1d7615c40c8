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


async def run(session: AsyncSession, statement: Executable,
              params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
    """Execute `statement` (a module-level Core statement on tables, with bound parameters)
    in the session's transaction; the rows it returns, as plain tuples."""
    known = session.info.get(_CONNECTION)
    transaction = session.sync_session.get_transaction()
    if known is not None and transaction is not None and known[0] is transaction:
        dialect, dbapi_connection = known[1], known[2]
    else:
        connection = await session.connection()
        transaction = session.sync_session.get_transaction()
        dialect = connection.dialect
        dbapi_connection = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
        session.info[_CONNECTION] = (transaction, dialect, dbapi_connection)
    if isinstance(dbapi_connection, OneTripConnection):
        prepared = _prepare(statement, dialect)
        if prepared is not None:
            return await _run_one_trip(dbapi_connection, prepared, params)
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


async def _run_one_trip(connection: OneTripConnection, prepared: _Prepared,
                        params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    values = prepared.compiled.construct_params(dict(params))
    bound = [value if process is None else process(value)
             for value, process in zip((values[name] for name in prepared.names),
                                       prepared.processors, strict=True)]
    try:
        rows = await connection.run(prepared.sql, bound)
    except sqlite3.Error as error:
        raise DBAPIError.instance(prepared.sql, bound, error, sqlite3.Error) from error
    if prepared.results is None:
        return rows
    return [tuple(value if process is None else process(value)
                  for value, process in zip(row, prepared.results, strict=True))
            for row in rows]
