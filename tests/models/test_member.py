"""A member's private chat is kept apart from the chat of their latest message, and what is
meant for them alone (broadcasts, reminders, notices) is addressed to the private chat."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models.broadcast import OutboxMessage, create_broadcast
from models.db import Sessions
from models.member import get_or_create_member
from models.outbox import enqueue_broadcast, enqueue_message

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


async def test_a_group_message_moves_the_latest_chat_but_not_the_private_one(
    sessions: Sessions
) -> None:
    async with sessions.begin() as session:
        wang, _ = await get_or_create_member(
            session, channel="telegram", external_id="1", chat_id="1", display_name="王芳",
            language="zh_CN", now=NOW)
        wang, _ = await get_or_create_member(
            session, channel="telegram", external_id="1", chat_id="-100555", display_name="",
            language="zh_CN", now=NOW, private=False)
        # Met first in a group: no private chat yet.
        li, _ = await get_or_create_member(
            session, channel="telegram", external_id="2", chat_id="-100555", display_name="李",
            language="zh_CN", now=NOW, private=False)
        assert (wang.chat_id, wang.private_chat_id) == ("-100555", "1")
        assert (li.chat_id, li.private_chat_id) == ("-100555", None)

        broadcast = await create_broadcast(session, created_by=None, text="hello",
                                           audience="all", now=NOW)
        assert await enqueue_broadcast(session, broadcast, now=NOW) == 1
        reminder = await enqueue_message(session, li, "reminder", now=NOW, kind="service_notice")
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(row.member_id, row.chat_id) for row in rows[:1]] == [(wang.id, "1")]
    assert (reminder.status, reminder.detail) == ("failed", "no private chat")
