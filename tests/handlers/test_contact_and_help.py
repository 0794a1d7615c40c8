"""No dead ends: the union's contacts when no person can answer; /help for what this person can
do; /id for staff setup; /subscribe with a topic in either language."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.messages import Address
from models.db import Sessions
from tests.support.dialogue import Member, notices
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, STAFF_CHAT, event_settings
from tests.support.member_services import bind, load_demo_data, make_staff

UNION = {"hotline": "010-12351", "office_address": "西城区某街1号", "map_url": "https://map.example/x",
         "opening_hours": "周一至周五 9:00-17:30"}
SATURDAY = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


async def test_human_without_staff_chat_gives_hotline_address_hours_and_map(
        sessions: Sessions, database_url: str) -> None:
    settings = event_settings(database_url, union=UNION).model_copy(update={
        "handoff": event_settings(database_url).handoff.model_copy(update={"staff_chat": ""})})
    wang = Member(make_dispatcher(settings, sessions, NOW))
    answer = await wang.command("/human")
    for part in ("工会服务热线：010-12351", "服务大厅：西城区某街1号",
                 "办公时间：周一至周五 9:00-17:30"):
        assert part in answer
    assert ("地图", "https://map.example/x") in wang.buttons
    assert "Office: 西城区某街1号" in await Member(make_dispatcher(settings, sessions, NOW),
                                                user_id="7", language="en").command("/contact")


async def test_outside_office_hours_the_member_also_gets_the_hotline(
        sessions: Sessions, database_url: str) -> None:
    settings = event_settings(database_url, union=UNION)
    wang = Member(make_dispatcher(settings, sessions, clock=lambda: SATURDAY), language="en")
    answer = await wang.command("/human")
    assert "not at work right now" in answer and "Union hotline: 010-12351" in answer


async def test_staff_see_the_bound_name_and_card_tail(sessions: Sessions,
                                                      database_url: str) -> None:
    await load_demo_data(sessions)
    wang = Member(make_dispatcher(event_settings(database_url), sessions, NOW), language="en")
    await bind(wang)
    await wang.command("/human")
    assert all(r.to is None for r in wang.last)  # queued in the outbox, not a direct reply
    to_staff = await notices(wang.dispatcher, Address("telegram", STAFF_CHAT))
    assert to_staff and "王芳（卡号尾号 0001）" in to_staff[0].text


async def test_help_shows_what_this_person_can_do(sessions: Sessions, database_url: str) -> None:
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    member = Member(dispatcher, user_id="1", language="en")
    member_help = await member.command("/help")
    assert "/apply" in member_help and "/contact" in member_help
    assert "/claims" not in member_help
    await make_staff(sessions, "2", language="zh_CN")
    staff_help = await Member(dispatcher, user_id="2").command("/help")
    assert "工作人员命令" in staff_help and "/applications 待审核申请" in staff_help
    assert "/grant" not in staff_help


async def test_id_tells_the_account_and_how_to_make_it_staff(
        sessions: Sessions, database_url: str) -> None:
    member = Member(make_dispatcher(event_settings(database_url), sessions, NOW), user_id="4242",
                    channel="wechat", language="en")
    answer = await member.command("/id")
    assert "wechat 4242" in answer
    assert "unionbot staff add --channel wechat --user-id 4242" in answer


async def test_subscribe_takes_a_topic_in_either_language(sessions: Sessions,
                                                          database_url: str) -> None:
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    wang = Member(dispatcher)
    assert "您将接收：招聘会" in await wang.command("/subscribe 招聘会")
    assert "您将接收：讲座" in await wang.command("/subscribe 讲座")
    li = Member(dispatcher, user_id="5", language="en")
    assert "You will receive: Job fairs" in await li.command("/subscribe job fairs")
    assert "no longer receive: Job fairs" in await li.command("/unsubscribe Job Fairs")
