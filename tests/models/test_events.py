"""Seats under load, and the reminder queries issue 5's scheduler uses."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import select

from models.db import Sessions
from models.events import (
    Event,
    Registration,
    Status,
    mark_reminded,
    registrations_due_for_reminder,
)
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, add_event, event_settings

RACERS = 50


async def test_fifty_members_race_for_the_last_ten_seats(
    sessions: Sessions, database_url: str
) -> None:
    lecture = await add_event(sessions, capacity=30, taken=20)
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    members = [Member(dispatcher, user_id=str(5000 + n), language="en") for n in range(RACERS)]

    answers = await asyncio.gather(*(m.presses(f"events.join:{lecture}") for m in members))

    seated = [a for a in answers if "You're signed up" in a]
    told = sorted(int(m[1]) for a in answers if (m := re.search(r"number (\d+) on the", a)))
    assert len(seated) == 10
    assert told == list(range(1, 41))  # every waitlisted member told a distinct place
    async with sessions.begin() as session:
        event = await session.get(Event, lecture)
        rows = list(await session.scalars(
            select(Registration).where(Registration.event_id == lecture)
            .order_by(Registration.created_at, Registration.id)))
    assert event is not None and event.taken == 30
    assert [r.status for r in rows].count(Status.CONFIRMED.value) == 10
    waitlist = [r.member_id for r in rows if r.status == Status.WAITLISTED.value]
    assert len(waitlist) == 40
    # The place each member was told is their place in arrival order.
    by_member = {m.user_id: a for m, a in zip(members, answers, strict=True)}
    async with sessions.begin() as session:
        from models.member import Member as Account

        ids = {acc.id: acc.external_id for acc in await session.scalars(select(Account))}
    for place, member_id in enumerate(waitlist, start=1):
        assert f"number {place} on the waitlist" in by_member[ids[member_id]]

    # Ten cancel at once: the first ten on the waitlist get the seats, nobody else.
    leaving = [m for m, a in zip(members, answers, strict=True) if "You're signed up" in a]
    await asyncio.gather(*(m.presses(f"events.cancel_yes:{lecture}") for m in leaving))
    async with sessions.begin() as session:
        event = await session.get(Event, lecture)
        promoted = set(await session.scalars(select(Registration.member_id).where(
            Registration.event_id == lecture, Registration.status == Status.CONFIRMED.value)))
    assert event is not None and event.taken == 30
    assert promoted == set(waitlist[:10])


async def test_reminders_due_once_for_confirmed_registrations(
    sessions: Sessions, database_url: str
) -> None:
    soon = await add_event(sessions, days=0.5, capacity=1)
    later = await add_event(sessions, days=3)
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    wang, li = Member(dispatcher, user_id="1"), Member(dispatcher, user_id="2")
    await wang.presses(f"events.join:{soon}")
    await li.presses(f"events.join:{soon}")  # waitlisted: no reminder
    await wang.presses(f"events.join:{later}")

    async with sessions.begin() as session:
        due = await registrations_due_for_reminder(
            session, now=NOW, lead=timedelta(hours=24), column="24h")
        assert [(d.event.id, d.member.external_id) for d in due] == [(soon, "1")]
        await mark_reminded(session, [d.registration_id for d in due], column="24h", now=NOW)
    async with sessions.begin() as session:
        assert await registrations_due_for_reminder(
            session, now=NOW, lead=timedelta(hours=24), column="24h") == []
        hour = await registrations_due_for_reminder(
            session, now=NOW + timedelta(hours=11, minutes=30), lead=timedelta(hours=1),
            column="1h")
    assert [d.event.id for d in hour] == [soon]
