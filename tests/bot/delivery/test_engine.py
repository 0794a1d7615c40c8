"""The outbox engine: every subscriber gets exactly one copy, whatever the platform answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.delivery.recurrence import next_occurrence
from bot.delivery.sender import Outcome, SendResult
from models.audit import AuditEntry
from models.broadcast import Broadcast, cancel_broadcast, count_deliveries, create_broadcast
from models.db import Sessions
from models.member import Member
from models.schedule import start_due_broadcasts
from models.subscription import set_subscription
from tests.support.delivery import (
    NOON,
    SHANGHAI,
    FakeTime,
    ScriptedSender,
    add_members,
    engine_for,
)

GRACE = timedelta(hours=1)


async def start(sessions: Sessions, time: FakeTime, *, audience: str = "all",
                urgent: bool = False, text: str = "工会通知") -> int:
    async with sessions.begin() as session:
        broadcast = await create_broadcast(session, created_by=None, text=text,
                                           audience=audience, now=time.now, urgent=urgent)
        await start_due_broadcasts(session, now=time.now, grace=GRACE,
                                   next_time=lambda r, a: next_occurrence(r, a, SHANGHAI.zone))
        return broadcast.id


async def counts(sessions: Sessions, broadcast_id: int) -> dict[str, int]:
    async with sessions.begin() as session:
        return await count_deliveries(session, broadcast_id)


async def test_each_subscriber_gets_one_copy_and_an_opt_out_is_absolute(
    sessions: Sessions,
) -> None:
    time, sender = FakeTime(), ScriptedSender()
    members = await add_members(sessions, 5)
    async with sessions.begin() as session:
        await set_subscription(session, members[0].id, "announcements", subscribed=False,
                               now=time.now)
    broadcast_id = await start(sessions, time, urgent=True)
    await engine_for(sessions, sender, time).drain("telegram")
    assert sender.copies("1") == 0
    assert [sender.copies(str(n)) for n in range(2, 6)] == [1, 1, 1, 1]
    assert (await counts(sessions, broadcast_id))["sent"] == 4


async def test_topic_audience_reaches_only_those_who_subscribed(sessions: Sessions) -> None:
    time, sender = FakeTime(), ScriptedSender()
    members = await add_members(sessions, 3)
    async with sessions.begin() as session:
        await set_subscription(session, members[1].id, "job_fairs", subscribed=True, now=time.now)
    await start(sessions, time, audience="topic:job_fairs")
    await engine_for(sessions, sender, time).drain("telegram")
    assert [chat for chat, _ in sender.sent] == ["2"]


async def test_a_member_who_blocked_the_bot_is_marked_and_not_written_again(
    sessions: Sessions,
) -> None:
    time, sender = FakeTime(), ScriptedSender()
    await add_members(sessions, 3)
    sender.script["2"] = [SendResult(Outcome.BLOCKED, detail="Forbidden: bot was blocked")]
    first = await start(sessions, time)
    await engine_for(sessions, sender, time).drain("telegram")
    assert (await counts(sessions, first))["blocked"] == 1
    second = await start(sessions, time)
    await engine_for(sessions, sender, time).drain("telegram")
    assert sender.calls["2"] == 1
    assert (await counts(sessions, second))["sent"] == 2
    async with sessions.begin() as session:
        blocked = await session.scalar(select(Member).where(Member.external_id == "2"))
        assert blocked is not None and blocked.unreachable


async def test_429_pauses_for_retry_after_and_the_member_still_gets_one_copy(
    sessions: Sessions,
) -> None:
    time, sender = FakeTime(), ScriptedSender()
    await add_members(sessions, 2)
    sender.script["1"] = [SendResult(Outcome.RETRY_AFTER, retry_after=7)]
    before = time.mono
    broadcast_id = await start(sessions, time)
    await engine_for(sessions, sender, time).drain("telegram")
    assert sender.copies("1") == 1 and sender.copies("2") == 1
    assert time.mono - before >= 7
    assert (await counts(sessions, broadcast_id))["sent"] == 2


async def test_transient_errors_are_retried_with_backoff_up_to_a_limit(
    sessions: Sessions,
) -> None:
    time, sender = FakeTime(), ScriptedSender()
    await add_members(sessions, 2)
    sender.script["1"] = [SendResult(Outcome.TRANSIENT)] * 2
    sender.script["2"] = [SendResult(Outcome.TRANSIENT)] * 9
    broadcast_id = await start(sessions, time)
    engine = engine_for(sessions, sender, time, max_attempts=3)
    for _ in range(6):
        await engine.drain("telegram")
        time.advance(60)
    assert sender.copies("1") == 1 and sender.calls["2"] == 3
    assert await counts(sessions, broadcast_id) == {
        "queued": 0, "sent": 1, "failed": 1, "blocked": 0, "cancelled": 0, "mass": 0,
        "waiting": 0}


async def test_quiet_hours_hold_non_urgent_broadcasts_until_morning(sessions: Sessions) -> None:
    time, sender = FakeTime(now=NOON + timedelta(hours=11)), ScriptedSender()  # 23:00 Beijing
    await add_members(sessions, 2)
    held = await start(sessions, time, text="明日活动")
    urgent = await start(sessions, time, text="紧急通知", urgent=True)
    engine = engine_for(sessions, sender, time)
    await engine.drain("telegram")
    assert {text for _chat, text in sender.sent} == {"紧急通知"}
    assert (await counts(sessions, held))["queued"] == 2
    time.advance(9 * 3600)  # 08:00
    await engine.drain("telegram")
    assert (await counts(sessions, held))["sent"] == 2
    assert (await counts(sessions, urgent))["sent"] == 2


async def test_cancel_stops_the_rest(sessions: Sessions) -> None:
    time, sender = FakeTime(), ScriptedSender()
    await add_members(sessions, 4)
    broadcast_id = await start(sessions, time)
    async with sessions.begin() as session:
        assert await cancel_broadcast(session, broadcast_id, now=time.now)
    await engine_for(sessions, sender, time).drain("telegram")
    assert sender.sent == []
    assert (await counts(sessions, broadcast_id))["cancelled"] == 4


async def test_a_pending_schedule_survives_a_restart_and_fires_once(sessions: Sessions) -> None:
    time = FakeTime()
    await add_members(sessions, 3)
    async with sessions.begin() as session:
        await create_broadcast(session, created_by=None, text="周一例会", audience="all",
                               now=time.now, send_at=time.now + timedelta(hours=2),
                               recurrence="weekly:0:09:00")

    async def tick() -> list[Broadcast]:  # a fresh process each time: nothing kept in memory
        async with sessions.begin() as session:
            return await start_due_broadcasts(
                session, now=time.now, grace=GRACE,
                next_time=lambda r, a: next_occurrence(r, a, SHANGHAI.zone))

    assert await tick() == []
    time.advance(2 * 3600 + 5)
    started = await asyncio.gather(tick(), tick())
    assert sum(len(s) for s in started) == 1
    assert await tick() == []
    sender = ScriptedSender()
    await engine_for(sessions, sender, time).drain("telegram")
    assert sorted(chat for chat, _ in sender.sent) == ["1", "2", "3"]
    async with sessions.begin() as session:
        rows = await session.scalar(select(func.count()).select_from(Broadcast))
        assert rows == 2  # the weekly template (moved to next week) and this week's copy


async def test_two_engines_share_one_outbox_without_double_sends(sessions: Sessions) -> None:
    time, sender = FakeTime(), ScriptedSender()
    await add_members(sessions, 60)
    broadcast_id = await start(sessions, time, urgent=True)
    first = engine_for(sessions, sender, time, rate=10)
    second = engine_for(sessions, sender, time, rate=10)
    await asyncio.gather(first.drain("telegram"), second.drain("telegram"))
    assert len(sender.sent) == 60 and len(set(sender.sent)) == 60
    assert (await counts(sessions, broadcast_id))["sent"] == 60


async def test_the_sender_hears_the_final_counts(sessions: Sessions) -> None:
    time, sender = FakeTime(), ScriptedSender()
    staff = (await add_members(sessions, 1, role="staff", start=900, language="en"))[0]
    await add_members(sessions, 2)
    from bot.delivery.report import make_reporter
    from bot.i18n import Catalogs

    async with sessions.begin() as session:
        broadcast = await create_broadcast(session, created_by=staff.id, text="hello",
                                           audience="all", now=time.now, urgent=True)
        await start_due_broadcasts(session, now=time.now, grace=GRACE,
                                   next_time=lambda r, a: a)
        session.add(AuditEntry(at=time.now, actor_id=staff.id, action="x"))
    engine = engine_for(sessions, sender, time, reporter=make_reporter(Catalogs()))
    await engine.drain("telegram")
    await engine.drain("telegram")
    report = [text for chat, text in sender.sent if chat == "900" and "finished" in text]
    assert report == [f"Broadcast #{broadcast.id} finished: 3 sent, 0 by WeChat mass send, "
                      "0 blocked the bot, 0 failed, 0 cancelled."]


async def test_a_normal_stop_records_what_was_under_way_and_sends_nothing_twice(
    sessions: Sessions,
) -> None:
    time = FakeTime()
    await add_members(sessions, 12)
    broadcast_id = await start(sessions, time, urgent=True)
    started, gate = asyncio.Event(), asyncio.Event()

    class Slow(ScriptedSender):
        async def deliver(self, chat_id, reply, *, kind):  # type: ignore[no-untyped-def]
            started.set()
            await gate.wait()
            return await super().deliver(chat_id, reply, kind=kind)

    sender = Slow()
    engine = engine_for(sessions, sender, time, rate=4)
    await engine.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(engine.stop())
    await asyncio.sleep(0)
    gate.set()
    await stopping
    under_way = len(sender.sent)
    assert under_way >= 1
    assert (await counts(sessions, broadcast_id))["sent"] == under_way
    await engine_for(sessions, sender, time).drain("telegram")
    assert sorted(int(chat) for chat, _ in sender.sent) == list(range(1, 13))


async def test_a_slow_process_does_not_send_rows_whose_lease_ran_out(sessions: Sessions) -> None:
    """A process that claimed more than it could send in time (a starved CPU, a slow network)
    leaves the late rows to whoever claims them next: each member still gets one copy."""
    time = FakeTime()
    slow, quick = ScriptedSender(), ScriptedSender()
    await add_members(sessions, 4)
    await start(sessions, time, urgent=True)
    starved = engine_for(sessions, slow, time, lease=timedelta(seconds=5))
    claimed = await starved._claim("telegram", 4)
    await starved._send("telegram", claimed[0])
    await starved.flush()  # its writer records the first row
    time.advance(6)  # the other rows waited in memory past their lease
    await engine_for(sessions, quick, time, lease=timedelta(seconds=5)).drain("telegram")
    for row in claimed[1:]:
        await starved._send("telegram", row)
    await starved.flush()
    assert [slow.copies(str(n)) + quick.copies(str(n)) for n in range(1, 5)] == [1, 1, 1, 1]


async def test_a_slow_process_keeps_the_rows_it_renews(sessions: Sessions) -> None:
    """Renewing its leases, a slow process keeps its rows: nobody else sends them."""
    time = FakeTime()
    slow, quick = ScriptedSender(), ScriptedSender()
    await add_members(sessions, 3)
    await start(sessions, time, urgent=True)
    starved = engine_for(sessions, slow, time, lease=timedelta(seconds=5))
    claimed = await starved._claim("telegram", 3)
    for _ in range(4):
        time.advance(3)
        await starved.renew()
    await engine_for(sessions, quick, time, lease=timedelta(seconds=5)).drain("telegram")
    for row in claimed:
        await starved._send("telegram", row)
    await starved.flush()
    assert quick.sent == []
    assert [slow.copies(str(n)) for n in range(1, 4)] == [1, 1, 1]


async def test_processes_claiming_at_once_each_take_one_batch_and_never_the_same_row(
    sessions: Sessions,
) -> None:
    """A claim takes at most its batch, however many processes claim beside it: a process that
    took more could not send them within their lease, and the next claimer would send them
    again (a killed process's neighbours sent hundreds twice that way)."""
    time = FakeTime()
    await add_members(sessions, 900)
    await start(sessions, time, urgent=True)
    engines = [engine_for(sessions, ScriptedSender(), time, lease=timedelta(seconds=5))
               for _ in range(3)]
    claims: list[list[int]] = []
    for _ in range(3):
        rounds = await asyncio.gather(*(e._claim("telegram", 50) for e in engines
                                        for _ in range(2)))
        claims.extend([row.id for row in rows] for rows in rounds)
    assert max(len(ids) for ids in claims) <= 50
    every = [row_id for ids in claims for row_id in ids]
    assert len(every) == len(set(every)) == 900


async def test_rows_sent_while_the_database_is_slow_to_record_them_are_not_sent_again(
    sessions: Sessions,
) -> None:
    """The sends went out but their results wait for a slow database past the lease: the
    process keeps renewing those rows, so another process does not send the batch again."""
    time = FakeTime()
    slow, quick = ScriptedSender(), ScriptedSender()
    await add_members(sessions, 6)
    broadcast_id = await start(sessions, time, urgent=True)
    stalled = engine_for(sessions, slow, time, lease=timedelta(seconds=5))
    for row in await stalled._claim("telegram", 6):
        await stalled._send("telegram", row)  # sent; the writer has not written yet
    for _ in range(4):
        time.advance(3)
        await stalled.renew()
    await engine_for(sessions, quick, time, lease=timedelta(seconds=5)).drain("telegram")
    await stalled.flush()
    assert quick.sent == []
    assert [slow.copies(str(n)) for n in range(1, 7)] == [1] * 6
    assert (await counts(sessions, broadcast_id))["sent"] == 6


async def test_a_process_does_not_take_again_the_rows_it_sent_and_has_not_recorded(
    sessions: Sessions,
) -> None:
    """Even when their leases ran out (renewal late too), the results waiting settle them."""
    time = FakeTime()
    sender = ScriptedSender()
    await add_members(sessions, 4)
    broadcast_id = await start(sessions, time, urgent=True)
    engine = engine_for(sessions, sender, time, lease=timedelta(seconds=5))
    for row in await engine._claim("telegram", 4):
        await engine._send("telegram", row)
    time.advance(6)
    assert await engine._claim("telegram", 4) == []
    await engine.flush()
    assert [sender.copies(str(n)) for n in range(1, 5)] == [1] * 4
    assert (await counts(sessions, broadcast_id))["sent"] == 4


async def test_a_process_that_takes_again_the_rows_it_is_sending_sends_each_once(
    sessions: Sessions,
) -> None:
    """Its renewal came late (a slow database): the leases ran out while the rows waited in
    its queue, and its next claim took them again. Queued twice, they would go out twice."""
    time = FakeTime()
    sender = ScriptedSender()
    await add_members(sessions, 4)
    broadcast_id = await start(sessions, time, urgent=True)
    engine = engine_for(sessions, sender, time, lease=timedelta(seconds=5))
    first = await engine._claim("telegram", 4)
    time.advance(3.5)  # within the share of the lease a queued row may still be sent
    time.now += timedelta(seconds=2)  # ...but the lease itself ran out in the database
    again = await engine._claim("telegram", 4)
    for row in [*first, *again]:
        await engine._send("telegram", row)
    await engine.flush()
    assert [sender.copies(str(n)) for n in range(1, 5)] == [1] * 4
    assert (await counts(sessions, broadcast_id))["sent"] == 4


async def test_sending_waits_for_the_results_to_be_written_when_many_are_not(
    sessions: Sessions,
) -> None:
    """The writer falls behind (a slow database): sending waits once `concurrency` results
    are unwritten, so a process killed then leaves at most that many to be sent twice."""
    time = FakeTime()
    sender = ScriptedSender()
    await add_members(sessions, 8)
    broadcast_id = await start(sessions, time, urgent=True)
    engine = engine_for(sessions, sender, time, rate=4)  # 4 sends at once
    for row in await engine._claim("telegram", 8):
        await engine._send("telegram", row)  # the writer task is not running
    assert len(sender.sent) == 8
    assert (await counts(sessions, broadcast_id))["sent"] >= 8 - 4
    await engine.flush()
    assert (await counts(sessions, broadcast_id))["sent"] == 8
