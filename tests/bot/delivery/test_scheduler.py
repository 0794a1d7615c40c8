"""Every broadcast ends: one whose audience emptied before it started, and one with members on
a channel this bot has no sender for, do not stay "sending" for ever."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.config import BroadcastSettings
from bot.delivery.scheduler import Scheduler
from bot.i18n import Catalogs
from models.broadcast import Broadcast, count_deliveries, create_broadcast, failure_details
from models.db import Sessions
from models.member import Member
from tests.support.delivery import NOON, FakeTime, ScriptedSender, add_members, engine_for

BEIJING = ZoneInfo("Asia/Shanghai")


def scheduler_for(sessions: Sessions, time: FakeTime, sender: ScriptedSender) -> Scheduler:
    engine = engine_for(sessions, sender, time)
    return Scheduler(sessions, engine, BroadcastSettings(quiet_hours=""), BEIJING, Catalogs(),
                     clock=time.clock)


async def broadcast_to(sessions: Sessions, audience: str) -> int:
    async with sessions.begin() as session:
        broadcast = await create_broadcast(session, created_by=None, text="例会",
                                           audience=audience, now=NOON, urgent=True)
    return broadcast.id


async def status_of(sessions: Sessions, broadcast_id: int) -> str:
    async with sessions.begin() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
    assert broadcast is not None
    return broadcast.status


async def test_a_broadcast_whose_audience_emptied_ends_at_once(sessions: Sessions) -> None:
    time, sender = FakeTime(), ScriptedSender()
    broadcast_id = await broadcast_to(sessions, "tag:nobody")
    await scheduler_for(sessions, time, sender).start_due()
    assert await status_of(sessions, broadcast_id) == "done"


async def test_members_on_a_channel_without_a_sender_fail_and_the_broadcast_ends(
    sessions: Sessions,
) -> None:
    time, sender = FakeTime(), ScriptedSender()
    await add_members(sessions, 2)
    async with sessions.begin() as session:
        session.add(Member(channel="terminal", external_id="local", chat_id="local",
                           private_chat_id="local",
                           language="zh_CN", created_at=NOON, last_seen_at=NOON))
    broadcast_id = await broadcast_to(sessions, "all")
    scheduler = scheduler_for(sessions, time, sender)
    await scheduler.start_due()
    await scheduler.engine.drain("telegram")
    async with sessions.begin() as session:
        counts = await count_deliveries(session, broadcast_id)
        details = await failure_details(session, broadcast_id)
    assert await status_of(sessions, broadcast_id) == "partial"
    assert (counts["sent"], counts["failed"], counts["queued"]) == (2, 1, 0)
    assert details == {"channel not connected": 1}
