"""Staff see the plan before they send: who it reaches on which channel and how, in their own
language with audience names, and times typed as they would say them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.answering import load_answerer
from bot.config import Settings
from bot.context import Services
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from handlers import all_routes
from models.broadcast import Broadcast
from models.db import Sessions
from models.member import Member as MemberRow
from models.member import Role
from models.staff import grant_role
from models.subscription import MemberTag, set_subscription
from tests.support.dialogue import Member

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday, 10:00 in Beijing


@pytest.fixture
def dispatcher(settings: Settings, sessions: Sessions) -> Dispatcher:
    settings = settings.model_copy(update={
        "telegram": settings.telegram.model_copy(update={"token": "1:" + "a" * 35}),
        "wechat": settings.wechat.model_copy(update={"enabled": True}),
    })
    services = Services(settings=settings, catalogs=Catalogs(), answerer=load_answerer())
    return Dispatcher(all_routes(), services, sessions, clock=lambda: NOW)


async def staff_member(sessions: Sessions, user_id: str, language: str) -> None:
    async with sessions.begin() as session:
        await grant_role(session, channel="telegram", external_id=user_id, role=Role.STAFF,
                         now=NOW, language=language)


async def followers(sessions: Sessions, *, telegram: int, wechat: int, opted_out: int = 0,
                    blocked: int = 0) -> None:
    """Members on both channels; some turned announcements off, some blocked the bot."""
    rows = [MemberRow(channel=channel, external_id=f"{channel}-{i}", chat_id=f"{channel}-{i}",
                      private_chat_id=f"{channel}-{i}",
                      language="zh_CN", created_at=NOW, last_seen_at=NOW)
            for channel, count in (("telegram", telegram), ("wechat", wechat))
            for i in range(count + opted_out * (channel == "wechat"))]
    rows += [MemberRow(channel="telegram", external_id=f"gone-{i}", chat_id=f"gone-{i}",
                       language="zh_CN", created_at=NOW, last_seen_at=NOW, unreachable=True)
             for i in range(blocked)]
    async with sessions.begin() as session:
        session.add_all(rows)
        await session.flush()
        wechat_rows = [r for r in rows if r.channel == "wechat"]
        for row in wechat_rows[:opted_out]:
            await set_subscription(session, row.id, "announcements", subscribed=False, now=NOW)
        session.add(MemberTag(member_id=wechat_rows[-1].id, tag="西城"))


def english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{3,}", text)) - {"Telegram"}


async def test_the_chinese_preview_shows_the_plan_per_channel_with_names_not_codes(
    dispatcher: Dispatcher, sessions: Sessions,
) -> None:
    await staff_member(sessions, "5001", "zh_CN")
    await followers(sessions, telegram=4, wechat=6, opted_out=2, blocked=3)
    staff = Member(dispatcher, user_id="5001")
    await staff.command("/announce")
    await staff.says("周五19:00 工会例会")
    preview = await staff.presses("bc.aud:all")
    assert "所有人：将有 11 名会员收到" in preview  # 4 + 6 followers and the staff member
    assert "Telegram 5 人，每秒 30 条，约1秒" in preview
    assert "微信 6 人：按标签群发 1 次，本月 4 次中还剩 4 次" in preview
    assert "2 人已退订该主题；3 人无法送达" in preview
    assert "all" not in preview and english_words(preview) == set()


async def test_an_audience_that_matches_nobody_is_refused_with_the_count_0(
    dispatcher: Dispatcher, sessions: Sessions,
) -> None:
    await staff_member(sessions, "5002", "en")
    staff = Member(dispatcher, user_id="5002", language="en")
    await staff.command("/announce")
    await staff.says("Quarterly meeting")
    answer = await staff.says("tag:nonexistent")
    assert "Members tagged nonexistent matches 0 members" in answer
    assert ("Everyone", "bc.aud:all") in staff.buttons  # asked again, nothing created
    async with sessions.begin() as session:
        assert await session.scalar(select(Broadcast)) is None


async def test_a_natural_chinese_time_is_read_in_beijing_time_and_confirmed_in_chinese(
    dispatcher: Dispatcher, sessions: Sessions,
) -> None:
    await staff_member(sessions, "5003", "zh_CN")
    staff = Member(dispatcher, user_id="5003")
    await staff.command("/announce")
    await staff.says("明早停水通知")
    await staff.presses("bc.aud:all")
    await staff.presses("bc.go:at")
    assert "已经过去了" in await staff.says("今天上午8点")
    confirmed = await staff.says("明天上午9点")
    assert "2026-12-02 09:00（周三）" in confirmed and english_words(confirmed) == set()
    async with sessions.begin() as session:
        broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None
    assert broadcast.send_at == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


async def test_a_weekly_send_is_confirmed_with_a_chinese_weekday(
    dispatcher: Dispatcher, sessions: Sessions,
) -> None:
    await staff_member(sessions, "5004", "zh_CN")
    staff = Member(dispatcher, user_id="5004")
    await staff.command("/announce")
    await staff.says("每周例会")
    await staff.presses("bc.aud:all")
    await staff.presses("bc.go:every")
    confirmed = await staff.says("每周一 09:00")
    assert "每周一 09:00" in confirmed and "2026-12-07 09:00（周一）" in confirmed
    assert english_words(confirmed) == set()


async def test_cancelling_a_broadcast_that_does_not_exist_says_so(
    dispatcher: Dispatcher, sessions: Sessions,
) -> None:
    await staff_member(sessions, "5005", "en")
    staff = Member(dispatcher, user_id="5005", language="en")
    assert "There is no broadcast #999." in await staff.command("/cancel_broadcast 999")
