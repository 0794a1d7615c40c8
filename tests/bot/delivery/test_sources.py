"""The reminders members actually get: before an event they have a seat for, and when their
claim has waited three days for documents; each once, in the member's language."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import Settings, load_settings
from bot.delivery.reminders import sweep_reminders
from bot.delivery.sources import ClaimDocumentReminders, EventReminders, default_sources
from bot.i18n import Catalogs
from models.broadcast import OutboxMessage
from models.db import Sessions
from tests.support import events as events_support
from tests.support import member_services
from tests.support.dialogue import Member
from tests.support.member_services import (
    Clock,
    FileMember,
    bind,
    file_claim,
    load_demo_data,
    make_staff,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _queued(sessions: Sessions) -> list[tuple[str, str]]:
    async with sessions.begin() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.chat_id, row.text or "") for row in rows]


async def test_a_seat_holder_is_reminded_a_day_and_an_hour_before(
    database_url: str, sessions: Sessions
) -> None:
    soon = await events_support.add_event(sessions, days=0.5, capacity=1)
    dispatcher = events_support.make_dispatcher(events_support.event_settings(database_url),
                                                sessions)
    wang, tom = Member(dispatcher, user_id="1"), Member(dispatcher, user_id="2", language="en")
    await wang.presses(f"events.join:{soon}")
    await tom.presses(f"events.join:{soon}")  # waitlisted: no reminder
    sources = [EventReminders(24, SHANGHAI), EventReminders(1, SHANGHAI)]
    now = events_support.NOW

    assert await sweep_reminders(sessions, sources, Catalogs(), now=now) == 1
    assert await sweep_reminders(sessions, sources, Catalogs(), now=now) == 0
    [(chat, text)] = await _queued(sessions)
    assert chat == "1" and text.startswith("提醒：「女职工维权讲座」将于")
    assert "西城区职工服务中心" in text

    an_hour_before = now + timedelta(hours=11, minutes=30)
    assert await sweep_reminders(sessions, sources, Catalogs(), now=an_hour_before) == 1
    assert len(await _queued(sessions)) == 2


async def test_a_claim_waiting_three_days_for_documents_gets_one_reminder(
    settings: Settings, sessions: Sessions
) -> None:
    clock = Clock()
    await load_demo_data(sessions)
    dispatcher = member_services.make_dispatcher(settings, sessions, clock)
    member = FileMember(dispatcher, user_id="1001", language="en")
    await bind(member)
    await file_claim(member)
    await make_staff(sessions, "2002")
    staff = Member(dispatcher, user_id="2002")
    await staff.presses("claims.docs:1")
    await staff.says("请补充出院小结")
    source = [ClaimDocumentReminders(days=3)]

    two_days = clock.now + timedelta(days=2)
    assert await sweep_reminders(sessions, source, Catalogs(), now=two_days) == 0
    four_days = clock.now + timedelta(days=4)
    assert await sweep_reminders(sessions, source, Catalogs(), now=four_days) == 1
    assert await sweep_reminders(sessions, source, Catalogs(), now=four_days) == 0
    reminders = [text for chat, text in await _queued(sessions) if chat == "1001"]
    assert len(reminders) == 1 and "is still waiting for documents" in reminders[0]


def test_the_configured_reminders_are_the_ones_swept() -> None:
    settings = load_settings(None, broadcast={"reminder_hours": [24], "claim_reminder_days": 5})
    sources = default_sources(settings.broadcast, SHANGHAI)
    assert [source.name for source in sources] == ["event-24h", "claim-documents"]
