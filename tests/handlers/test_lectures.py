"""Women's lectures: browsing by topic, signing up, the waitlist, cancelling, my events."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.config import Settings
from bot.messages import Address
from models.db import Sessions
from models.events import Registration
from tests.support.dialogue import Member, notices
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, add_event, event_settings


def _settings(database_url: str) -> Settings:
    return event_settings(database_url)


async def test_member_browses_lectures_by_topic_in_chinese(
    sessions: Sessions, database_url: str
) -> None:
    await add_event(sessions, topic="rights", title_zh="女职工维权讲座")
    await add_event(sessions, topic="legal", title_zh="法律知识讲座", days=9)
    await add_event(sessions, topic="wellness", title_zh="已结束的讲座", days=-1)
    wang = Member(make_dispatcher(_settings(database_url), sessions, NOW))

    schedule = await wang.presses("lectures.list")
    assert "女职工讲座" in schedule
    assert "女职工维权讲座" in schedule and "法律知识讲座" in schedule
    assert "已结束的讲座" not in schedule  # past events are never offered
    assert ("法律知识", "lectures.topic:legal") in wang.buttons

    legal = await wang.presses("lectures.topic:legal")
    assert "法律知识讲座" in legal and "女职工维权讲座" not in legal
    assert "12月11日周五 10:00" in legal  # Beijing date and time of the lecture

    by_typing = await wang.command("/lectures legal")
    assert by_typing == legal


async def test_sign_up_then_full_then_waitlist_then_promotion(
    sessions: Sessions, database_url: str
) -> None:
    lecture = await add_event(sessions, capacity=2, taken=1, title_en="Mental health")
    dispatcher = make_dispatcher(_settings(database_url), sessions, NOW)
    wang = Member(dispatcher, user_id="1", language="en")
    li = Member(dispatcher, user_id="2", language="zh-hans", name="李娜")

    details = await wang.presses(f"events.show:{lecture}")
    assert "Seats left: 1 of 2" in details
    assert ("Sign up", f"events.join:{lecture}") in wang.buttons
    assert "You're signed up" in await wang.presses(f"events.join:{lecture}")

    full = await li.presses(f"events.show:{lecture}")
    assert "名额已满" in full
    assert ("排候补", f"events.join:{lecture}") in li.buttons
    assert "候补名单第 1 位" in await li.presses(f"events.join:{lecture}")

    assert "Cancel your registration" in await wang.presses(f"events.cancel:{lecture}")
    cancelled = await wang.presses(f"events.cancel_yes:{lecture}")
    assert "Your registration is cancelled" in cancelled
    assert all(reply.to is None and reply.to_member is None for reply in wang.last)
    [notice] = await notices(dispatcher)
    assert notice.to == Address("telegram", "2")
    assert "好消息" in notice.text  # in Li Na's language, not Wang Fang's

    mine = await li.command("/myevents")
    assert "Mental health" not in mine and "已报名成功" in mine


async def test_double_registration_is_refused(sessions: Sessions, database_url: str) -> None:
    lecture = await add_event(sessions, capacity=5)
    wang = Member(make_dispatcher(_settings(database_url), sessions, NOW), language="en")
    await wang.presses(f"events.join:{lecture}")
    assert "already signed up" in await wang.presses(f"events.join:{lecture}")
    async with sessions.begin() as session:
        rows = list(await session.scalars(select(Registration)))
    assert len(rows) == 1


async def test_waitlisted_member_pressing_again_keeps_their_place(
    sessions: Sessions, database_url: str
) -> None:
    lecture = await add_event(sessions, capacity=1, taken=1)
    wang = Member(make_dispatcher(_settings(database_url), sessions, NOW), language="en")
    assert "number 1 on the waitlist" in await wang.presses(f"events.join:{lecture}")
    assert "already on the waitlist, number 1" in await wang.presses(f"events.join:{lecture}")


async def test_past_event_cannot_be_joined(sessions: Sessions, database_url: str) -> None:
    past = await add_event(sessions, days=-2)
    wang = Member(make_dispatcher(_settings(database_url), sessions, NOW), language="en")
    details = await wang.presses(f"events.show:{past}")
    assert "sign-up is closed" in details
    assert not any(payload.startswith("events.join") for _l, payload in wang.buttons)
    assert "sign-up is closed" in await wang.presses(f"events.join:{past}")
    assert "have not signed up for any upcoming event" in await wang.command("/myevents")


async def test_unknown_or_malformed_event_ids_get_a_polite_answer(
    sessions: Sessions, database_url: str
) -> None:
    wang = Member(make_dispatcher(_settings(database_url), sessions, NOW), language="en")
    for payload in ("events.join:999", "events.show:abc", "events.cancel_yes:-1",
                    "events.ics:", "events.join:١٢", "events.show:99999999999999"):
        answer = await wang.presses(payload)
        assert "can't find that event" in answer, payload


async def test_cancel_without_registration_and_my_events_empty(
    sessions: Sessions, database_url: str
) -> None:
    lecture = await add_event(sessions)
    wang = Member(make_dispatcher(_settings(database_url), sessions, NOW), language="en")
    assert "not signed up" in await wang.presses(f"events.cancel:{lecture}")
    assert "not signed up" in await wang.presses(f"events.cancel_yes:{lecture}")
    assert "have not signed up for any upcoming event" in await wang.presses("events.mine")


async def test_signing_up_again_after_cancelling_goes_to_the_back(
    sessions: Sessions, database_url: str
) -> None:
    lecture = await add_event(sessions, capacity=1)
    dispatcher = make_dispatcher(_settings(database_url), sessions, NOW)
    first, second, third = (Member(dispatcher, user_id=str(n), language="en") for n in (1, 2, 3))
    await first.presses(f"events.join:{lecture}")
    await second.presses(f"events.join:{lecture}")
    await first.presses(f"events.cancel_yes:{lecture}")  # seat goes to second
    await third.presses(f"events.join:{lecture}")
    again = await first.presses(f"events.join:{lecture}")
    assert re.search(r"number 2 on the waitlist", again)
