"""Helpers for the events and handoff tests: settings, a pinned time, events, staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings, load_settings
from models.db import Sessions
from models.events import Event
from models.member import Member, Role

# A Wednesday, 10:00 in Beijing: inside office hours.
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
STAFF_CHAT = "-1001234"


def event_settings(database_url: str, **sections: Any) -> Settings:
    return load_settings(
        None, database={"url": database_url},
        handoff={"staff_chat": f"telegram:{STAFF_CHAT}"},
        **{"limits": {"members_only_events": []}, **sections},
    )


async def add_event(
    sessions: Sessions, *, kind: str = "lecture", topic: str | None = "rights",
    title_zh: str = "女职工维权讲座", title_en: str = "Women workers' rights",
    days: float = 7, capacity: int | None = 40, taken: int = 0, **extra: Any,
) -> int:
    starts = NOW + timedelta(days=days)
    event = Event(
        kind=kind, topic=topic, title_zh=title_zh, title_en=title_en, starts_at=starts,
        ends_at=starts + timedelta(hours=2), venue_zh="西城区职工服务中心",
        venue_en="Xicheng Workers' Service Centre", capacity=capacity, taken=taken, **extra,
    )
    async with sessions.begin() as session:
        session.add(event)
        await session.flush()
        return event.id


async def add_staff(sessions: Sessions, user_id: str, name: str = "李老师") -> None:
    async with sessions.begin() as session:
        session.add(Member(
            channel="telegram", external_id=user_id, chat_id=user_id, private_chat_id=user_id,
            display_name=name,
            language="zh_CN", role=Role.STAFF.value, created_at=NOW, last_seen_at=NOW,
        ))
