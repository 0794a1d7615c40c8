"""Event screens in their own words: cancelling a sign-up is not worded like a claim, and the
calendar file comes with buttons to go on."""

from __future__ import annotations

from models.db import Sessions
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, add_event, event_settings


async def test_cancelling_a_sign_up_speaks_of_the_seat(sessions: Sessions,
                                                       database_url: str) -> None:
    fair = await add_event(sessions, kind="job_fair", topic=None, capacity=10, days=3)
    wang = Member(make_dispatcher(event_settings(database_url), sessions, NOW))
    await wang.presses(f"events.join:{fair}")
    await wang.presses(f"events.cancel:{fair}")
    labels = [label for label, _payload in wang.buttons]
    assert "不取消，保留名额" in labels and "不撤回" not in labels


async def test_the_calendar_file_keeps_buttons(sessions: Sessions, database_url: str) -> None:
    fair = await add_event(sessions, kind="job_fair", topic=None, capacity=None, days=3)
    mary = Member(make_dispatcher(event_settings(database_url), sessions, NOW), language="en")
    await mary.presses(f"events.ics:{fair}")
    assert mary.last[0].file is not None
    assert ("Details", f"events.show:{fair}") in mary.buttons
    assert ("Main menu", "menu.main") in mary.buttons
