"""Members and staff through the real Telegram adapter, polling a fake Bot API over HTTP."""

from __future__ import annotations

import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from models.db import Sessions
from tests.support.events import NOW, STAFF_CHAT, add_event, add_staff
from tests.support.fakes.telegram_api import FakeTelegram, Sent
from tests.support.telegram_chat import app_settings, running

WANG, MARY, STAFF_USER = 101, 102, 900


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram, sessions: Sessions, database_url: str
) -> AsyncIterator[None]:
    """The whole bot, so notices (a waitlist seat, a staff answer) go through the outbox."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = app_settings(database_url, Path(data_dir), fake,
                                handoff={"staff_chat": f"telegram:{STAFF_CHAT}"},
                                limits={"members_only_events": []})
        async with running(settings, NOW):
            yield


async def press(fake: FakeTelegram, user: int, label: str, language: str = "zh-hans") -> Sent:
    """Taps the button with this label on the last message the user got; returns the answer."""
    last = fake.to(user)[-1]
    data = dict(last.buttons)[label]
    seen = len(fake.to(user))
    fake.push(fake.callback(user, data, language=language))
    return (await fake.wait_for(user, seen + 1))[-1]


async def say(fake: FakeTelegram, user: int, text: str, language: str = "zh-hans",
              name: str = "王芳") -> Sent:
    seen = len(fake.to(user))
    fake.push(fake.message(user, text, language=language, name=name))
    return (await fake.wait_for(user, seen + 1))[-1]


async def test_waitlisted_member_is_told_when_a_seat_comes_free(
    fake_telegram: FakeTelegram, sessions: Sessions, database_url: str
) -> None:
    fake = fake_telegram
    await add_event(sessions, capacity=1, title_zh="女职工维权讲座", title_en="Women's rights")
    async with running_bot(fake, sessions, database_url):
        schedule = await say(fake, WANG, "/lectures")
        assert "女职工维权讲座" in schedule.text
        details = await press(fake, WANG, "1. 女职工维权讲座")
        assert "剩余名额：1/1" in details.text
        signed = await press(fake, WANG, "我要报名")
        assert "报名成功" in signed.text

        await say(fake, MARY, "/lectures", language="en", name="Mary")
        full = await press(fake, MARY, "1. Women's rights", language="en")
        assert "Full: you can join the waitlist." in full.text
        waiting = await press(fake, MARY, "Join the waitlist", language="en")
        assert "number 1 on the waitlist" in waiting.text

        assert "确定取消" in (await press(fake, WANG, "取消报名")).text
        cancelled = await press(fake, WANG, "确定取消")
        assert "已取消报名" in cancelled.text

        promoted = (await fake.wait_for(MARY, 4))[-1]
        assert promoted.text.startswith("Good news: a seat came free and it is yours.")
        mine = await press(fake, MARY, "Details", language="en")
        assert "You have a seat." in mine.text


async def test_calendar_file_arrives_as_a_document(
    fake_telegram: FakeTelegram, sessions: Sessions, database_url: str
) -> None:
    fake = fake_telegram
    await add_event(sessions, kind="job_fair", topic=None, title_zh="西城区大型招聘会",
                    capacity=None, employers="餐饮、物业企业")
    async with running_bot(fake, sessions, database_url):
        fairs = await say(fake, WANG, "/jobfairs")
        assert "西城区大型招聘会" in fairs.text and "餐饮、物业企业" in fairs.text
        await press(fake, WANG, "1. 西城区大型招聘会")
        seen = len(fake.to(WANG))
        fake.push(fake.callback(WANG, dict(fake.to(WANG)[-1].buttons)["加入日历"]))
        sent = await fake.wait_for(WANG, seen + 2)
    document = sent[-1]
    assert document.method == "sendDocument"
    upload = document.params["document"]
    assert upload["filename"].endswith(".ics")
    assert b"BEGIN:VCALENDAR" in upload["data"] and "西城区大型招聘会".encode() in upload["data"]


async def test_handoff_round_trip_through_the_staff_chat(
    fake_telegram: FakeTelegram, sessions: Sessions, database_url: str
) -> None:
    fake = fake_telegram
    await add_staff(sessions, str(STAFF_USER))
    async with running_bot(fake, sessions, database_url):
        await say(fake, WANG, "/start")
        opened = await press(fake, WANG, "转人工")
        assert "工单 #T1" in opened.text
        await say(fake, WANG, "单位拖欠工资怎么办？")
        relayed = (await fake.wait_for(STAFF_CHAT, 2))[-1]
        assert relayed.text == "#T1 王芳: 单位拖欠工资怎么办？"

        fake.push(fake.message(
            STAFF_USER, "请带上劳动合同来区总工会法律援助窗口。", name="李老师",
            chat_type="group", chat_id=int(STAFF_CHAT),
            reply_to_message={"message_id": 1, "date": int(time.time()),
                              "chat": {"id": int(STAFF_CHAT), "type": "group", "title": "staff"},
                              "text": relayed.text},
        ))
        answer = (await fake.wait_for(WANG, 4))[-1]
        assert answer.text == "工会工作人员（#T1）：请带上劳动合同来区总工会法律援助窗口。"
        assert (await fake.wait_for(STAFF_CHAT, 3))[-1].text == "已排队发给 王芳（#T1）。"

        done = await say(fake, WANG, "/done")
        assert "已结束" in done.text
        assert (await fake.wait_for(STAFF_CHAT, 4))[-1].text == "#T1 王芳 结束了对话。"
