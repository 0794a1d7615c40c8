"""The hot path's Core statements, run in one trip on SQLite (models/statements.py), store and
return what SQLAlchemy's own execution gives, inside the session's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import Sessions
from models.dedupe import FEW, HandledUpdate, keep_replies, record_update, unsent_replies
from models.inbound import claim_and_look_up, upsert_member
from models.statements import run
from models.unanswered import UnansweredQuestion, record_unanswered

NOW = datetime(2026, 12, 1, 4, 0, 0, 123456, tzinfo=UTC)
REPLY = [{"channel": "telegram", "chat_id": "1", "text": "京卡补办请带身份证", "intent": "card"}]


async def test_what_is_stored_reads_back_the_same_through_the_orm(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        row_id = await record_update(session, channel="telegram", key="1", now=NOW,
                                     replies=REPLY)
        question_id = await record_unanswered(
            session, now=NOW, channel="telegram", language="zh_CN", text="京卡能在超市用吗",
            best_intent=None, confidence=0.123456, reason="unknown")
    async with sessions.read() as session:
        update = await session.get(HandledUpdate, row_id)
        question = await session.get(UnansweredQuestion, question_id)
    assert update is not None and (update.at, update.replies) == (NOW, REPLY)
    assert question is not None
    assert (question.created_at, question.text, question.best_intent, question.confidence,
            question.status, question.assigned_at) == (
        NOW, "京卡能在超市用吗", None, 0.1235, "open", None)


async def test_an_update_seen_before_gives_no_row(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        first = await record_update(session, channel="telegram", key="7", now=NOW)
    async with sessions.begin() as session:
        again = await record_update(session, channel="telegram", key="7", now=NOW)
    assert isinstance(first, int) and again is None


@pytest.mark.parametrize("earlier", [3, FEW + 5])
async def test_many_earlier_replies_are_marked_sent_in_one_go(
    sessions: Sessions, earlier: int
) -> None:
    async with sessions.begin() as session:
        ids = [await record_update(session, channel="telegram", key=str(n), now=NOW,
                                   replies=REPLY) for n in range(earlier + 1)]
    *sent, last = [row for row in ids if row is not None]
    async with sessions.begin() as session:
        await keep_replies(session, last, REPLY, sent=sent)
    async with sessions.read() as session:
        assert await unsent_replies(session, since=NOW - timedelta(minutes=1)) == [
            (last, REPLY)]


async def test_a_rollback_undoes_them_and_a_commit_starts_afresh(sessions: Sessions) -> None:
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await record_update(session, channel="telegram", key="lost", now=NOW)
            raise RuntimeError("the handler failed")
    async with AsyncSession(sessions.engine) as session:
        await record_update(session, channel="telegram", key="kept", now=NOW)
        await session.commit()  # the next statement belongs to a new transaction
        await record_update(session, channel="telegram", key="dropped", now=NOW)
        await session.rollback()
    async with sessions.read() as session:
        assert list(await session.scalars(select(HandledUpdate.key))) == ["kept"]


async def test_a_broken_constraint_is_sqlalchemys_integrity_error(sessions: Sessions) -> None:
    twice = insert(HandledUpdate.__table__).values(channel="telegram", key="1", at=NOW)
    async with sessions.begin() as session:
        await run(session, twice, {})
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await run(session, twice, {})
    async with sessions.read() as session:
        assert list(await session.scalars(select(HandledUpdate.key))) == ["1"]


async def test_on_sqlite_they_skip_sqlalchemys_execution(sessions: Sessions) -> None:
    """The point of the module: on SQLite the hot statements bypass SQLAlchemy's statement
    execution (whose events would see them); elsewhere they go through it."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(sessions.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessions.begin() as session:
            row = await record_update(session, channel="telegram", key="1", now=NOW)
            assert row is not None
            await keep_replies(session, row, REPLY)
    finally:
        event.remove(sessions.engine.sync_engine, "before_cursor_execute", count)
    assert len(seen) == (0 if sessions.engine.dialect.name == "sqlite" else 2)


async def test_a_deferred_write_is_seen_by_what_follows_and_kept_at_commit(
    sessions: Sessions
) -> None:
    only = insert(HandledUpdate.__table__).values(channel="telegram", key="only", at=NOW)
    async with sessions.begin() as session:  # the transaction's one write is deferred
        await run(session, only, {}, defer=True)
    async with sessions.begin() as session:
        row = await record_update(session, channel="telegram", key="1", now=NOW)
        assert row is not None
        await keep_replies(session, row, REPLY)  # deferred on SQLite
        kept = await session.scalar(select(HandledUpdate.replies).where(HandledUpdate.id == row))
        assert kept == REPLY
    async with sessions.read() as session:
        assert list(await session.scalars(select(HandledUpdate.key).order_by(
            HandledUpdate.id))) == ["only", "1"]


async def test_a_failing_deferred_write_fails_the_commit_and_nothing_is_kept(
    sessions: Sessions
) -> None:
    twice = insert(HandledUpdate.__table__).values(channel="telegram", key="1", at=NOW)
    async with sessions.begin() as session:
        await run(session, twice, {})
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await record_update(session, channel="telegram", key="2", now=NOW)
            await run(session, twice, {}, defer=True)
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await record_update(session, channel="telegram", key="3", now=NOW)
            await run(session, insert(HandledUpdate.__table__).values(
                channel="telegram", key="4", at=NOW), {}, defer=True)
            raise RuntimeError("the handler failed after the write")
    async with sessions.read() as session:
        assert list(await session.scalars(select(HandledUpdate.key))) == ["1"]


async def test_the_claim_and_the_sender_come_back_together(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        first, nobody = await claim_and_look_up(
            session, channel="telegram", key="1", external_id="7", now=NOW)
        await upsert_member(session, channel="telegram", external_id="7", chat_id="7",
                            display_name="王芳", language="zh_CN", now=NOW)
    async with sessions.begin() as session:
        again, known = await claim_and_look_up(
            session, channel="telegram", key="1", external_id="7", now=NOW)
        second, _ = await claim_and_look_up(
            session, channel="telegram", key="2", external_id="7", now=NOW)
    assert isinstance(first, int) and nobody.member is None
    assert again is None  # handled already
    assert known.member is not None and known.member.display_name == "王芳"
    assert isinstance(second, int) and second != first
