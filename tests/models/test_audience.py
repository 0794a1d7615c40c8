"""Staff see, before sending, how many members an announcement reaches: the count the plan
shows is the number of members the send then writes to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.audience import count_audience
from models.db import Sessions
from models.events import Event, register
from models.member import get_or_create_member
from models.subscription import select_audience

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
FRIDAY = NOW + timedelta(days=3)


async def test_the_plan_counts_whom_the_send_reaches(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        wang, _ = await get_or_create_member(  # wrote to the bot privately
            session, channel="telegram", external_id="1", chat_id="1", display_name="王芳",
            language="zh_CN", now=NOW)
        li, _ = await get_or_create_member(  # met only in the union's group
            session, channel="telegram", external_id="2", chat_id="-100555", display_name="李",
            language="zh_CN", now=NOW, private=False)
        await get_or_create_member(  # Zhao: no lecture
            session, channel="telegram", external_id="3", chat_id="3", display_name="赵",
            language="zh_CN", now=NOW)
        lecture = Event(kind="lecture", title_zh="女职工健康讲座", capacity=30,
                        starts_at=FRIDAY, ends_at=FRIDAY + timedelta(hours=2))
        session.add(lecture)
        await session.flush()
        for member in (wang, li):
            await register(session, event_id=lecture.id, member_id=member.id, now=NOW)

        for audience in ("all", f"event:{lecture.id}", "lang:zh_CN"):
            sent_to = list(await session.execute(select_audience("announcements", audience)))
            counted = await count_audience(session, topic="announcements", audience=audience)
            assert counted["telegram"].reached == len(sent_to), audience
        counted = await count_audience(session, topic="announcements",
                                       audience=f"event:{lecture.id}")
    # Li signed up in the group and never wrote privately: shown as not reachable; Zhao,
    # who did not sign up for the lecture, is not counted at all.
    lecture_count = counted["telegram"]
    assert (lecture_count.reached, lecture_count.unreachable) == (1, 1)
    assert lecture_count.reached + lecture_count.opted_out + lecture_count.unreachable == 2
