"""The reads and writes every update makes: who sent it, and their flow.

Read in one statement; written in as few as the databases allow: a new member is one upsert
with RETURNING, a known one is updated once, at commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.conversation import ConversationState
from models.dedupe import dialect_insert
from models.member import Member

# Built once: building and keying a statement costs more CPU than running it.
_LOOK_UP = (
    select(Member, ConversationState)
    .outerjoin(ConversationState, ConversationState.member_id == Member.id)
    .where(Member.channel == bindparam("channel"), Member.external_id == bindparam("external_id"))
)


@dataclass(frozen=True, slots=True)
class Sender:
    """What the database knew of an update's sender before handling it."""

    member: Member | None
    state: ConversationState | None


async def look_up_sender(session: AsyncSession, *, channel: str, external_id: str) -> Sender:
    """The member and their flow state: one SELECT."""
    row = (await session.execute(_LOOK_UP, {"channel": channel,
                                             "external_id": external_id})).first()
    return Sender(None, None) if row is None else Sender(row[0], row[1])


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
    statement = dialect_insert(session, Member).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={"last_seen_at": now, "chat_id": chat_id,
              **({"private_chat_id": chat_id} if private else {})},
    ).returning(Member)
    member: Member = (await session.scalars(
        statement, execution_options={"populate_existing": True}
    )).one()
    return member


def touch_member(member: Member, *, chat_id: str, display_name: str, now: datetime,
                 private: bool = True) -> None:
    """Seen now, at this chat; joins the member row's one UPDATE at commit."""
    member.last_seen_at = now
    if member.chat_id != chat_id:
        member.chat_id = chat_id
    if private and member.private_chat_id != chat_id:
        member.private_chat_id = chat_id
    if display_name and member.display_name != display_name[:128]:
        member.display_name = display_name[:128]
