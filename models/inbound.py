"""The reads and writes every update makes: who sent it, and their flow.

Read in one statement; written in as few as the databases allow: a new member is one upsert
with RETURNING, a known one is updated once, at the end of the handling, by `save_member`:
one Core UPDATE of the columns every update may change (where the member writes from, when,
and the topic), which costs a fraction of the ORM's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from models.base import Base
from models.conversation import ConversationState
from models.dedupe import claim, claimed, dialect_insert
from models.member import Member
from models.statements import run, run_together

_MEMBERS, _STATES = Member.__table__, ConversationState.__table__
# Built once: building and keying a statement costs more CPU than running it. On the tables:
# the row becomes the two objects in `_attach`, at a fraction of the ORM's loading.
_LOOK_UP = (
    select(*_MEMBERS.c, *_STATES.c)
    .select_from(_MEMBERS.outerjoin(
        _STATES, _STATES.c.member_id == _MEMBERS.c.id))
    .where(_MEMBERS.c.channel == bindparam("channel"),
           _MEMBERS.c.external_id == bindparam("external_id"))
)


def _attribute_names(cls: type[Base]) -> tuple[str, ...]:
    mapper = inspect(cls)
    return tuple(mapper.get_property_by_column(column).key
                 for column in cls.__table__.columns)


_MEMBER_NAMES = _attribute_names(Member)
_STATE_NAMES = _attribute_names(ConversationState)
T = TypeVar("T", bound=Base)


@dataclass(frozen=True, slots=True)
class Sender:
    """What the database knew of an update's sender before handling it."""

    member: Member | None
    state: ConversationState | None


async def look_up_sender(session: AsyncSession, *, channel: str, external_id: str) -> Sender:
    """The member and their flow state, in the session as if the ORM loaded them: one
    SELECT."""
    return _sender(session, await run(session, *_look_up(channel, external_id)))


async def claim_and_look_up(
    session: AsyncSession, *, channel: str, key: str, external_id: str, now: datetime,
) -> tuple[int | None, Sender]:
    """The update's claim (models/dedupe.py `record_update`), then its sender: on SQLite one
    trip to the database. The claim's row id is None when the update was handled already."""
    rows, found = await run_together(
        session, claim(session, channel=channel, key=key, now=now),
        _look_up(channel, external_id))
    return claimed(rows), _sender(session, found)


def _look_up(channel: str, external_id: str) -> tuple[Any, dict[str, Any]]:
    return _LOOK_UP, {"channel": channel, "external_id": external_id}


def _sender(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> Sender:
    if not rows:
        return Sender(None, None)
    row, split = rows[0], len(_MEMBER_NAMES)
    member = _attach(session, Member, _MEMBER_NAMES, row[:split])
    state = (None if row[split] is None
             else _attach(session, ConversationState, _STATE_NAMES, row[split:]))
    return Sender(member, state)


def _attach(session: AsyncSession, cls: type[T], names: tuple[str, ...],
            values: tuple[Any, ...], *, refresh: bool = False) -> T:
    """The row as a persistent object of the session, unchanged (its history is that of a
    loaded object); the one already in the session when there is one, with the row's values
    when `refresh`."""
    known = session.identity_map.get(identity_key(cls, values[0]))
    if known is not None:
        if refresh:
            for name, value in zip(names, values, strict=True):
                set_committed_value(known, name, value)
        return known
    instance = cls(**dict(zip(names, values, strict=True)))
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


async def upsert_member(
    session: AsyncSession, *, channel: str, external_id: str, chat_id: str, display_name: str,
    language: str, now: datetime, private: bool = True,
) -> Member:
    """Create the member on first contact, or touch the one another update just created. A
    message in a group moves `chat_id` only: private notices keep their private chat."""
    values = {"channel": channel, "external_id": external_id, "chat_id": chat_id,
              "private_chat_id": chat_id if private else None,
              "display_name": display_name[:128], "language": language, "role": "member",
              "unreachable": False, "created_at": now, "last_seen_at": now}
    [row] = await run(session, _upsert_statement(session, private), values)
    return _attach(session, Member, _MEMBER_NAMES, row, refresh=True)


# Built once per dialect and kind of chat: building and keying a statement costs more CPU
# than running it, and a reply storm after a broadcast brings many first contacts.
_UPSERT: dict[tuple[str, bool], Any] = {}
_NEW_MEMBER = ("channel", "external_id", "chat_id", "private_chat_id", "display_name",
               "language", "role", "unreachable", "created_at", "last_seen_at")


def _upsert_statement(session: AsyncSession, private: bool) -> Any:
    key = (session.get_bind().dialect.name, private)
    if key not in _UPSERT:
        statement = dialect_insert(session, _MEMBERS).values(
            {name: bindparam(name) for name in _NEW_MEMBER})
        moved = ("last_seen_at", "chat_id", *(("private_chat_id",) if private else ()))
        _UPSERT[key] = statement.on_conflict_do_update(
            index_elements=["channel", "external_id"],
            set_={name: statement.excluded[name] for name in moved},
        ).returning(*_MEMBERS.c)
    return _UPSERT[key]


# The member's columns an update may change on its own; `save_member` writes them.
HOT_COLUMNS = ("chat_id", "private_chat_id", "display_name", "language", "last_seen_at",
               "last_intent", "last_intent_at")
_SAVE = (
    update(Member.__table__)  # type: ignore[arg-type]
    .where(Member.__table__.c.id == bindparam("member_id"))
    .values({name: bindparam(name) for name in HOT_COLUMNS})
)


def hot_values(member: Member) -> tuple[Any, ...]:
    """The member's `HOT_COLUMNS` as they are now (as read, before `touch_member`)."""
    return tuple(getattr(member, name) for name in HOT_COLUMNS)


def touch_member(member: Member, *, chat_id: str, display_name: str, now: datetime,
                 private: bool = True) -> None:
    """Seen now, at this chat. The time is written by `save_member`, not by an autoflush in
    the middle of the handler. A new chat or name (rare) is assigned as usual: the first
    statement of the handler writes it, so that its queries (a broadcast's audience) see it."""
    _quietly(member, "last_seen_at", now)
    if member.chat_id != chat_id:
        member.chat_id = chat_id
    if private and member.private_chat_id != chat_id:
        member.private_chat_id = chat_id
    if display_name and member.display_name != display_name[:128]:
        member.display_name = display_name[:128]


async def save_member(session: AsyncSession, member: Member, read: tuple[Any, ...]) -> None:
    """Write the member's `HOT_COLUMNS` if they differ from `read` (what `hot_values` gave
    before the handling): one UPDATE. The values are the member's as the handler left them
    (an erasure's blanks included); the ORM then no longer counts them as changed, and flushes
    only what else the handler changed."""
    state = inspect(member)
    if state.deleted or state.detached or member in session.deleted:
        return
    values = hot_values(member)
    if values == read:
        return
    hot = dict(zip(HOT_COLUMNS, values, strict=True))
    defer_write(member, **hot)  # before the UPDATE, whose autoflush would write them
    await run(session, _SAVE, {"member_id": member.id, **hot}, defer=True)


def defer_write(member: Member, **values: Any) -> None:
    """Set the member's `HOT_COLUMNS` in `values`, to be written by `save_member`. The ORM
    does not count them as changed: neither an autoflush nor the flush at commit writes the
    row, nor walks its unit of work for nothing (an assignment would mark the member
    modified even once `save_member` wrote it)."""
    for name, value in values.items():
        _quietly(member, name, value)


def _quietly(member: Member, name: str, value: Any) -> None:
    """Set an attribute as if it had been read so: the ORM's flush leaves it alone."""
    set_committed_value(member, name, value)
