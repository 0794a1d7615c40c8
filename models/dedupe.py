"""Updates already handled, so a platform's retry of the same update is handled once, with the
direct reply kept until it was sent, so a restart after a crash between the two sends it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    UniqueConstraint,
    bindparam,
    case,
    delete,
    null,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.statements import run

KEY_LIMIT = 200


class HandledUpdate(Base):
    __tablename__ = "handled_updates"
    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(index=True)
    # The replies not yet confirmed sent (JSON, as bot/pending.py writes them); NULL once sent.
    replies: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSON(none_as_null=True), default=None
    )


def dialect_insert(session: AsyncSession, entity: Any) -> Any:
    """INSERT with ON CONFLICT for the session's database (SQLite and PostgreSQL share it)."""
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(entity)


# Built once per dialect: building and keying a statement costs more CPU than running it.
# On the table, not the class: the ORM's statement machinery (its compile state, the
# synchronisation of loaded objects) would cost more than the statement; none is loaded.
_TABLE = HandledUpdate.__table__
_RECORD: dict[str, Any] = {}
_MARK_SENT = (update(_TABLE).where(_TABLE.c.id.in_(bindparam("ids", expanding=True)))  # type: ignore[arg-type]
              .values(replies=None))


def _record_statement(session: AsyncSession) -> Any:
    name = session.get_bind().dialect.name
    if name not in _RECORD:
        _RECORD[name] = (
            dialect_insert(session, _TABLE)
            .values(channel=bindparam("channel"), key=bindparam("key"), at=bindparam("at"),
                    replies=bindparam("replies"))
            .on_conflict_do_nothing(index_elements=["channel", "key"])
            .returning(_TABLE.c.id)
        )
    return _RECORD[name]


async def record_update(
    session: AsyncSession, *, channel: str, key: str, now: datetime,
    replies: Sequence[dict[str, Any]] = (),
) -> int | None:
    """Mark (channel, key) handled, keeping its replies until `mark_sent`: one statement.
    Returns the row id, or None if another transaction handled the same update first."""
    rows = await run(session, *claim(session, channel=channel, key=key, now=now,
                                     replies=replies))
    return claimed(rows)


def claim(
    session: AsyncSession, *, channel: str, key: str, now: datetime,
    replies: Sequence[dict[str, Any]] = (),
) -> tuple[Any, dict[str, Any]]:
    """`record_update`'s statement and parameters, to run with others (`claimed` reads it)."""
    return _record_statement(session), {
        "channel": channel, "key": key[:KEY_LIMIT], "at": now, "replies": list(replies) or None,
    }


def claimed(rows: Sequence[tuple[Any, ...]]) -> int | None:
    return int(rows[0][0]) if rows else None


_KEEP = (update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))  # type: ignore[arg-type]
         .values(replies=bindparam("replies")))
# The replies of one row kept, those of others marked sent (NULL): one statement, built for
# each number of rows up to `FEW` (a parameter each, which models/statements.py runs in one
# trip on SQLite), beyond that with an expanding IN.
FEW = 32
_KEEP_AND_MARK: dict[int, Any] = {}


def _keep_and_mark(count: int) -> Any:
    key = min(count, FEW + 1)
    if key not in _KEEP_AND_MARK:
        ids: Any = (bindparam("ids", expanding=True) if count > FEW
                    else [bindparam(f"id{n}") for n in range(count)])
        _KEEP_AND_MARK[key] = (
            update(_TABLE).where(_TABLE.c.id.in_(ids))  # type: ignore[arg-type]
            .values(replies=case((_TABLE.c.id == bindparam("row_id"),
                                  bindparam("replies", type_=_TABLE.c.replies.type)),
                                 else_=null()))
        )
    return _KEEP_AND_MARK[key]


async def keep_replies(
    session: AsyncSession, row_id: int, replies: list[dict[str, Any]], *,
    sent: Collection[int] = (),
) -> None:
    """Keep `replies` with update `row_id` until sent; mark those of `sent` sent (`mark_sent`)
    in the same statement."""
    if not sent:
        await run(session, _KEEP, {"row_id": row_id, "replies": replies}, defer=True)
        return
    ids = [*sent, row_id]
    values: dict[str, Any] = {"row_id": row_id, "replies": replies}
    if len(ids) > FEW:
        values["ids"] = ids
    else:
        values.update((f"id{n}", row) for n, row in enumerate(ids))
    await run(session, _keep_and_mark(len(ids)), values, defer=True)


async def claim_update(session: AsyncSession, *, channel: str, key: str, now: datetime) -> bool:
    """True the first time (channel, key) is seen, by any process sharing the database."""
    return await record_update(session, channel=channel, key=key, now=now) is not None


async def mark_sent(session: AsyncSession, ids: Collection[int]) -> None:
    if ids:
        await session.execute(_MARK_SENT, {"ids": list(ids)})


async def unsent_replies(
    session: AsyncSession, *, since: datetime, before: datetime | None = None,
) -> list[tuple[int, list[dict[str, Any]]]]:
    """Replies recorded since `since` (and before `before`) whose sending was never
    confirmed, oldest first."""
    query = select(HandledUpdate.id, HandledUpdate.replies).where(
        HandledUpdate.replies.is_not(None), HandledUpdate.at >= since)
    if before is not None:
        query = query.where(HandledUpdate.at < before)
    rows = await session.execute(query.order_by(HandledUpdate.id))
    return [(row_id, list(replies)) for row_id, replies in rows if replies]


async def forget_updates_before(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(HandledUpdate).where(HandledUpdate.at < cutoff))
