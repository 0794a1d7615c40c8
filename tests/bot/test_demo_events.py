"""Demo events: upcoming, marked as demo, loaded once, one lecture nearly full."""

from __future__ import annotations

from sqlalchemy import select

from bot.demo.events import load_demo_events
from models.db import Sessions
from models.events import Event
from tests.support.events import NOW


async def test_demo_events_are_upcoming_marked_and_loaded_once(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        added = await load_demo_events(session, NOW)
    async with sessions.begin() as session:
        assert await load_demo_events(session, NOW) == 0
        events = list(await session.scalars(select(Event)))
    assert added == len(events) >= 8
    assert all(e.demo and e.starts_at > NOW and "演示" in e.title_zh for e in events)
    assert {e.kind for e in events} == {"job_fair", "training", "lecture"}
    assert {e.topic for e in events if e.kind == "lecture"} == {
        "rights", "mental_health", "wellness", "legal"}
    assert any(e.seats_left is not None and 0 < e.seats_left <= 3 for e in events)
