"""The statements every message makes give what the ORM and the DBAPI gave before they were
made cheaper: SQLite's one-trip cursor, the folded reply bookkeeping, the member row written
once at the end, the last question upserted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import db
from models.conversation import ConversationState
from models.db import Sessions
from models.dedupe import HandledUpdate, keep_replies, record_update, unsent_replies
from models.inbound import (
    hot_values,
    look_up_sender,
    save_member,
    touch_member,
    upsert_member,
)
from models.member import Member
from models.privacy import is_erased
from models.unanswered import RecentQuestion, last_question, remember_question

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


async def wang_writes(session: AsyncSession) -> Member:
    """王芳 writes to the bot for the first time, from her private chat."""
    return await upsert_member(session, channel="telegram", external_id="7", chat_id="7",
                               display_name="王芳", language="zh_CN", now=NOW)


async def test_statements_report_rows_counts_and_ids(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await session.execute(insert(HandledUpdate), [
            {"channel": "telegram", "key": str(n), "at": NOW} for n in range(5)])
        changed = await session.execute(
            text("UPDATE handled_updates SET at = :at WHERE key IN ('1', '2')"), {"at": NOW})
        assert changed.rowcount == 2  # type: ignore[attr-defined]
        row = HandledUpdate(channel="wechat", key="x", at=NOW)
        session.add(row)
        await session.flush()
        assert row.id == 6
        keys = await session.scalars(select(HandledUpdate.key).order_by(HandledUpdate.id))
        assert list(keys) == ["0", "1", "2", "3", "4", "x"]
    async with sessions.read() as session:
        streamed = await session.stream_scalars(
            select(HandledUpdate.key).order_by(HandledUpdate.id.desc()))
        assert [key async for key in streamed] == ["x", "4", "3", "2", "1", "0"]


async def test_a_failed_statement_rolls_back_and_the_connection_goes_on(
    sessions: Sessions
) -> None:
    async with sessions.begin() as session:
        await record_update(session, channel="telegram", key="1", now=NOW)
    try:
        async with sessions.begin() as session:
            await record_update(session, channel="telegram", key="2", now=NOW)
            await session.execute(text("SELECT * FROM no_such_table"))
    except Exception as error:
        assert "no_such_table" in str(error)
    else:
        raise AssertionError("a statement on a missing table succeeded")
    async with sessions.begin() as session:
        keys = await session.scalars(select(HandledUpdate.key))
        assert list(keys) == ["1"]


async def test_keeping_replies_marks_the_earlier_ones_sent(sessions: Sessions) -> None:
    reply = [{"channel": "telegram", "chat_id": "1", "text": "hi", "intent": None}]
    async with sessions.begin() as session:
        first = await record_update(session, channel="telegram", key="1", now=NOW)
        second = await record_update(session, channel="telegram", key="2", now=NOW)
        third = await record_update(session, channel="telegram", key="3", now=NOW)
        assert first and second and third
        await keep_replies(session, first, reply)
        await keep_replies(session, second, reply)
    async with sessions.begin() as session:
        await keep_replies(session, third, reply, sent={first})
    async with sessions.read() as session:
        unsent = await unsent_replies(session, since=NOW - timedelta(minutes=1))
    assert unsent == [(second, reply), (third, reply)]


async def test_the_member_row_is_written_once_with_what_the_handling_left(
    sessions: Sessions
) -> None:
    async with sessions.begin() as session:
        member = await wang_writes(session)
    later = NOW + timedelta(hours=1)
    async with sessions.begin() as session:
        member = (await session.scalars(select(Member))).one()
        read = hot_values(member)
        touch_member(member, chat_id="-100", display_name="王芳芳", now=later, private=False)
        # A new chat is visible to the handler's queries; the time is written at the end.
        assert list(await session.scalars(select(Member.chat_id))) == ["-100"]
        assert list(await session.scalars(select(Member.last_seen_at))) == [NOW]
        member.language, member.last_intent, member.last_intent_at = "en", "card", later
        await save_member(session, member, read)
    async with sessions.read() as session:
        saved = (await session.scalars(select(Member))).one()
    assert (saved.chat_id, saved.private_chat_id, saved.display_name) == ("-100", "7", "王芳芳")
    assert (saved.last_seen_at, saved.last_intent, saved.last_intent_at) == (later, "card", later)
    assert saved.language == "en"


async def test_an_erasure_in_the_handling_is_not_undone(sessions: Sessions) -> None:
    from models.privacy import _pseudonymise

    async with sessions.begin() as session:
        await wang_writes(session)
    async with sessions.begin() as session:
        member = (await session.scalars(select(Member))).one()
        read = hot_values(member)
        touch_member(member, chat_id="8", display_name="王芳芳", now=NOW)
        _pseudonymise(member, NOW)
        await save_member(session, member, read)
    async with sessions.read() as session:
        saved = (await session.scalars(select(Member))).one()
    assert is_erased(saved)
    assert (saved.chat_id, saved.private_chat_id, saved.display_name) == ("", None, "")


async def test_the_last_question_is_replaced(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        member = await upsert_member(
            session, channel="telegram", external_id="7", chat_id="7", display_name="",
            language="zh_CN", now=NOW)
        await remember_question(session, member.id, now=NOW, language="zh_CN", text="京卡",
                                intent="card", confidence=0.9, candidates=["card", "shop"])
    async with sessions.begin() as session:
        await remember_question(session, member.id, now=NOW, language="en", text="hospital",
                                intent="medical", confidence=0.71234, candidates=["medical"])
        asked = await last_question(session, member.id, now=NOW)
        assert asked is not None and (asked.text, asked.confidence) == ("hospital", 0.7123)
        # Loaded in this session: the next one goes through the loaded row.
        await remember_question(session, member.id, now=NOW, language="en", text="again",
                                intent="medical", confidence=0.8, candidates=["medical"])
    async with sessions.read() as session:
        rows = list(await session.scalars(select(RecentQuestion)))
    assert [(r.language, r.text, r.intent, r.confidence, r.candidates) for r in rows] == [
        ("en", "again", "medical", 0.8, ["medical"])]


async def test_a_connection_returned_in_a_transaction_is_rolled_back(
    sessions: Sessions
) -> None:
    if sessions.engine.dialect.name != "sqlite":
        return  # PostgreSQL keeps SQLAlchemy's own reset
    async with sessions.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute("BEGIN")
        await driver.execute("INSERT INTO handled_updates (channel, key, at) "
                             "VALUES ('telegram', 'lost', '2026-12-01 04:00:00')")
    async with sessions.begin() as session:
        await record_update(session, channel="telegram", key="kept", now=NOW)
    async with sessions.read() as session:
        keys = await session.scalars(select(HandledUpdate.key))
        assert list(keys) == ["kept"]


@pytest.mark.parametrize("ping_after", [0.0, 600.0])
async def test_a_connection_the_server_closed_is_replaced(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch, ping_after: float
) -> None:
    if sessions.engine.dialect.name != "postgresql":
        return  # SQLite has no server
    monkeypatch.setattr(db, "PING_AFTER", ping_after)
    async with sessions.engine.connect() as other:
        await other.execute(text("SELECT 1"))
        async with sessions.begin() as session:  # on another connection
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await other.commit()
    if ping_after:
        await asyncio.sleep(0.5)  # the client notices the closed socket
    async with sessions.begin() as session:  # the terminated connection comes first
        assert await session.scalar(text("SELECT pg_backend_pid()")) != pid
        await record_update(session, channel="telegram", key="1", now=NOW)


async def test_the_sender_found_belongs_to_the_session_and_writes_only_changes(
    sessions: Sessions
) -> None:
    async with sessions.begin() as session:
        member = await wang_writes(session)
        session.add(ConversationState(member_id=member.id, flow="claim", step="kind",
                                      data={"kind": "住院"}, updated_at=NOW))
    written: list[str] = []

    def count(*args: object) -> None:
        if str(args[2]).startswith("UPDATE"):
            written.append(str(args[2]))

    event.listen(sessions.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessions.begin() as session:
            found = await look_up_sender(session, channel="telegram", external_id="7")
            assert found.member is not None and found.state is not None
            assert (found.member.display_name, found.member.created_at) == ("王芳", NOW)
            assert found.state.data == {"kind": "住院"}
            assert await session.get(Member, found.member.id) is found.member
        assert written == []  # read, not changed: nothing written
        async with sessions.begin() as session:
            found = await look_up_sender(session, channel="telegram", external_id="7")
            assert found.member is not None and found.state is not None
            found.member.role = "staff"
            found.state.data = {"kind": "门诊"}
    finally:
        event.remove(sessions.engine.sync_engine, "before_cursor_execute", count)
    assert len(written) == 2
    async with sessions.read() as session:
        assert (await session.scalars(select(Member.role))).one() == "staff"
        assert (await session.scalars(select(ConversationState.data))).one() == {"kind": "门诊"}
    async with sessions.begin() as session:
        nobody = await look_up_sender(session, channel="telegram", external_id="8")
    assert (nobody.member, nobody.state) == (None, None)


async def test_a_member_created_meanwhile_is_touched_not_created_twice(
    sessions: Sessions
) -> None:
    later = NOW + timedelta(minutes=5)
    async with sessions.begin() as session:
        first = await wang_writes(session)
        # The same member again in the same session: the object there shows the row as it is.
        again = await upsert_member(
            session, channel="telegram", external_id="7", chat_id="-100", display_name="王芳",
            language="zh_CN", now=later, private=False)
        assert again is first and (again.chat_id, again.last_seen_at) == ("-100", later)
        assert again.private_chat_id == "7"  # a group message keeps the private chat
    async with sessions.begin() as session:
        other = await upsert_member(
            session, channel="telegram", external_id="7", chat_id="7", display_name="",
            language="en", now=later)
        assert (other.id, other.created_at, other.language) == (first.id, NOW, "zh_CN")


async def test_a_cancelled_message_leaves_the_database_to_the_next(sessions: Sessions) -> None:
    started = asyncio.Event()

    async def handle() -> None:
        async with sessions.begin() as session:
            await record_update(session, channel="telegram", key="lost", now=NOW)
            started.set()
            await asyncio.sleep(30)  # the bot stops meanwhile

    task = asyncio.create_task(handle())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with sessions.begin() as session:
        await record_update(session, channel="telegram", key="kept", now=NOW)
    async with sessions.read() as session:
        assert list(await session.scalars(select(HandledUpdate.key))) == ["kept"]
