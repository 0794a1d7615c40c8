"""Whatever a member sends, they get a polite answer in their language; staff-only is refused."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.context import Context
from bot.messages import Attachment, AttachmentKind, Incoming, Reply
from bot.routing import Route
from models.audit import AuditEntry
from models.db import Sessions
from models.member import Member as MemberRow
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher


async def review_claims(msg: Incoming, ctx: Context) -> Reply:
    """A staff-only action, for the refusal test."""
    return Reply(text="pending claims: 0")


async def explode(msg: Incoming, ctx: Context) -> Reply:
    """A handler with a bug: it writes, then fails."""
    ctx.member.display_name = "changed"
    raise RuntimeError("bug")


EXTRA = (Route(review_claims, command="review", staff_only=True), Route(explode, command="boom"))


@pytest.mark.parametrize(
    ("says", "expected"),
    [
        ("", "请输入您的问题"),
        ("   \n ", "请输入您的问题"),
        ("😀😀😀🎉", "工会"),
        ("京卡" * 5000, ""),
    ],
)
async def test_odd_text_gets_a_polite_answer(
    settings: Settings, sessions: Sessions, says: str, expected: str
) -> None:
    wang = Member(make_dispatcher(settings, sessions))
    answer = await wang.says(says)
    assert answer and expected in answer


async def test_a_sticker_or_voice_note_is_answered_politely(
    settings: Settings, sessions: Sessions
) -> None:
    tom = Member(make_dispatcher(settings, sessions), language="en")
    voice = Attachment(AttachmentKind.VOICE, "file-1", "audio/ogg", 2000)
    replies = await tom.send(attachment=voice)
    assert replies[0].text == "I can only read text messages for now. Please type your question."


async def test_unknown_command_points_to_help(settings: Settings, sessions: Sessions) -> None:
    wang = Member(make_dispatcher(settings, sessions))
    assert "/help" in await wang.command("/frobnicate now")


async def test_a_button_from_an_old_message_shows_the_menu(
    settings: Settings, sessions: Sessions
) -> None:
    tom = Member(make_dispatcher(settings, sessions), language="en")
    answer = await tom.presses("gone.feature:12")
    assert "no longer works" in answer
    assert ("Jingka discounts", "faq.intent:jingka.discounts") in tom.buttons or tom.buttons


async def test_staff_only_command_is_refused_to_a_member_and_audited(
    settings: Settings, sessions: Sessions
) -> None:
    wang = Member(make_dispatcher(settings, sessions, extra_routes=EXTRA))
    assert "仅限工会工作人员" in await wang.command("/review")
    async with sessions.begin() as session:
        entry = await session.scalar(select(AuditEntry))
    assert entry is not None and entry.allowed is False and entry.action == "review"


async def test_staff_may_use_staff_only_command(settings: Settings, sessions: Sessions) -> None:
    dispatcher = make_dispatcher(settings, sessions, extra_routes=EXTRA)
    li = Member(dispatcher, user_id="2002")
    await li.command("/start")
    async with sessions.begin() as session:
        row = await session.scalar(select(MemberRow).where(MemberRow.external_id == "2002"))
        assert row is not None
        row.role = "staff"
    assert "pending claims" in await li.command("/review")


async def test_a_failing_handler_apologises_logs_and_saves_nothing(
    settings: Settings, sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    wang = Member(make_dispatcher(settings, sessions, extra_routes=EXTRA), name="王芳")
    await wang.command("/start")
    with caplog.at_level(logging.ERROR):
        assert "系统出了点问题" in await wang.command("/boom")
    assert any("failed" in record.getMessage() for record in caplog.records)
    async with sessions.begin() as session:
        row = await session.scalar(select(MemberRow))
    assert row is not None and row.display_name == "王芳"


async def test_a_retried_update_is_answered_once(settings: Settings, sessions: Sessions) -> None:
    dispatcher = make_dispatcher(settings, sessions)
    incoming = Incoming(channel="telegram", chat_id="9", user_id="9", command="start",
                        update_id="555")
    assert await dispatcher.handle(incoming)
    assert await dispatcher.handle(incoming) == []


async def test_member_is_created_once_with_the_clients_language(
    settings: Settings, sessions: Sessions
) -> None:
    tom = Member(make_dispatcher(settings, sessions), language="en-US")
    await tom.command("/start")
    await tom.says("hello")
    async with sessions.begin() as session:
        count = await session.scalar(select(func.count()).select_from(MemberRow))
        row = await session.scalar(select(MemberRow))
    assert count == 1 and row is not None and row.language == "en"
