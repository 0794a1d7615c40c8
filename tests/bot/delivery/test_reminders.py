"""Reminder sources plug into the sweep: each due reminder reaches the member once, in their
language, unless they turned reminders off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.reminders import DueReminder, sweep_reminders
from bot.i18n import Catalogs
from models.db import Sessions
from models.subscription import REMINDERS, set_subscription
from tests.support.delivery import FakeTime, ScriptedSender, add_members, engine_for


@dataclass
class LectureSource:
    """Stands in for the lectures' registrations: everything due until marked."""

    member_ids: list[int]
    name: str = "lectures"
    marked: set[str] = field(default_factory=set)
    forget_marks: bool = False  # a source whose mark was lost (crash between the two writes)
    buttons: tuple[tuple[str, str], ...] = ()

    async def due(self, session: AsyncSession, *, now: datetime) -> Sequence[DueReminder]:
        return [DueReminder(f"lecture:1:{m}:24h", m, "Your lecture {title} starts tomorrow.",
                            {"title": "女职工维权"}, self.buttons)
                for m in self.member_ids if self.forget_marks or f"lecture:1:{m}:24h"
                not in self.marked]

    async def mark_sent(self, session: AsyncSession, reminder: DueReminder, *,
                        now: datetime) -> None:
        self.marked.add(reminder.key)


async def test_due_reminders_go_out_once_and_respect_the_switch(sessions: Sessions) -> None:
    time, sender = FakeTime(), ScriptedSender()
    members = await add_members(sessions, 3, language="en")
    async with sessions.begin() as session:
        await set_subscription(session, members[2].id, REMINDERS, subscribed=False, now=time.now)
    source = LectureSource([m.id for m in members], forget_marks=True)
    assert await sweep_reminders(sessions, [source], Catalogs(), now=time.now) == 2
    assert await sweep_reminders(sessions, [source], Catalogs(), now=time.now) == 0
    await engine_for(sessions, sender, time).drain("telegram")
    assert sorted(sender.sent) == [("1", "Your lecture 女职工维权 starts tomorrow."),
                                   ("2", "Your lecture 女职工维权 starts tomorrow.")]
    assert len(source.marked) == 3  # the member who opted out is marked too: never retried


async def test_a_failing_source_does_not_stop_the_others(sessions: Sessions) -> None:
    time = FakeTime()
    members = await add_members(sessions, 1)

    class Broken:
        name = "broken"

        async def due(self, session: AsyncSession, *, now: datetime) -> Sequence[DueReminder]:
            raise RuntimeError("table missing")

        async def mark_sent(self, session: AsyncSession, reminder: DueReminder, *,
                            now: datetime) -> None:
            raise AssertionError("never")

    queued = await sweep_reminders(sessions, [Broken(), LectureSource([members[0].id])],
                                   Catalogs(), now=time.now)
    assert queued == 1



async def test_a_reminder_keeps_its_buttons_in_the_members_language(
    sessions: Sessions,
) -> None:
    (member,) = await add_members(sessions, 1)
    source = LectureSource([member.id], buttons=(("Cancel my registration", "events.cancel:7"),))
    time, sender = FakeTime(), ScriptedSender()
    await sweep_reminders(sessions, [source], Catalogs(), now=time.now)
    await engine_for(sessions, sender, time).drain("telegram")
    (reply,) = sender.replies
    assert [(b.label, b.payload) for row in reply.buttons for b in row] == [
        ("取消报名", "events.cancel:7")]
