"""The delivery engine: drains the outbox through each channel's Sender.

Per channel, one producer leases due rows in small batches (about half a second of sending)
and a pool of workers sends them; each result is written as soon as it is known, so after a
crash only the requests in flight are sent again (with a slow database, sending waits while
`concurrency` results are unwritten). Leases are renewed until the result is written, so a
slow database never hands a row that was sent to another process. The Sender
keeps the platform's rate limits; the engine pauses the channel on 429, marks members who
blocked the bot, retries transient errors with backoff, skips cancelled broadcasts, holds
non-urgent ones in quiet hours, and reports the final counts of each broadcast once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.bulk import bulk_result, lease_bulk, send_bulk
from bot.delivery.content import broadcast_reply
from bot.delivery.quiet import QuietHours
from bot.delivery.sender import BulkSender, MessageKind, Outcome, Sender, SendResult
from bot.messages import Reply
from bot.metrics import SENDS
from bot.notices import buttons_from_rows
from models.base import utcnow
from models.broadcast import Broadcast, RowStatus, get_broadcast
from models.db import Sessions
from models.outbox import (
    Claimed,
    Result,
    block_member,
    cancelled_among,
    claim_rows,
    finish_broadcasts,
    record_results,
    renew_leases,
)

log = logging.getLogger(__name__)

Reporter = Callable[[AsyncSession, Broadcast, datetime], Awaitable[None]]
_STOP = None
STOP_GRACE = 5.0  # seconds requests under way may take to finish when the bot stops
WRITE_RETRY_SECONDS = 0.5  # after a failed write of results (a busy or restarting database)
ANNOUNCEMENT = MessageKind.ANNOUNCEMENT.value
LEASE_MARGIN = 0.8  # share of a lease a row may wait in memory since its last renewal


async def _no_report(session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
    return None


class DeliveryEngine:
    def __init__(
        self, sessions: Sessions, senders: Mapping[str, Sender], *, rate: int,
        quiet: QuietHours, clock: Callable[[], datetime] = utcnow,
        reporter: Reporter = _no_report, max_attempts: int = 5,
        lease: timedelta = timedelta(seconds=30), concurrency: int | None = None,
        poll_interval: float = 0.5, monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        bulk: Mapping[str, BulkSender] | None = None,
    ) -> None:
        self.bulk = dict(bulk or {})
        self.monotonic = monotonic
        self.sleep = sleep
        self.sessions = sessions
        self.senders = dict(senders)
        self.quiet = quiet
        self.clock = clock
        self.reporter = reporter
        self.max_attempts = max_attempts
        self.lease = lease
        self.batch = max(1, rate // 2)
        self.concurrency = concurrency or max(1, min(rate, 64))
        self.poll_interval = poll_interval
        self.owner = uuid.uuid4().hex
        self._paused_until: dict[str, float] = {}
        self._cancelled: set[int] = set()
        self._content: dict[int, Reply] = {}
        self._pending: list[tuple[Claimed, Result]] = []
        self._sendable_until: dict[int, float] = {}
        self._unwritten: set[int] = set()  # sent (or settled), the result not written yet
        self._write_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        """New rows were written: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._write_forever(), name="outbox-writer"))
        self._tasks.append(asyncio.create_task(self._renew_forever(), name="outbox-leases"))
        for channel in self.senders:
            self._tasks.append(asyncio.create_task(self.run(channel), name=f"outbox-{channel}"))

    async def stop(self) -> None:
        for task in self._tasks[1:]:
            task.cancel()
        await asyncio.gather(*self._tasks[1:], return_exceptions=True)
        await self.flush()
        for task in self._tasks[:1]:
            task.cancel()
        await asyncio.gather(*self._tasks[:1], return_exceptions=True)
        self._tasks.clear()

    async def run(self, channel: str) -> None:
        """Send this channel's rows until cancelled."""
        queue: asyncio.Queue[Claimed | None] = asyncio.Queue()
        workers = [asyncio.create_task(self._work(channel, queue))
                   for _ in range(self.concurrency)]
        try:
            while True:
                if channel in self.bulk and self._paused(channel) == 0:
                    try:
                        if await self._bulk(channel):
                            continue
                    except Exception:
                        log.exception("outbox: bulk send on %s failed; trying again", channel)
                if queue.qsize() < self.batch // 2 + 1 and self._paused(channel) == 0:
                    try:
                        rows = await self._claim(channel, self.batch - queue.qsize())
                    except Exception:
                        log.exception("outbox: could not claim %s rows; trying again", channel)
                        rows = []
                    for row in rows:
                        queue.put_nowait(row)
                    if rows:
                        continue
                await self._idle(channel)
        finally:
            await self._wind_down(queue, workers)

    async def drain(self, channel: str) -> None:
        """Send until nothing is due on this channel (tests and the command line)."""
        while True:
            if (pause := self._paused(channel)) > 0:
                await self.sleep(pause)
                continue
            if channel in self.bulk and await self._bulk(channel):
                continue
            rows = await self._claim(channel, self.batch)
            if not rows:
                return
            await asyncio.gather(*(self._send(channel, row) for row in rows))
            await self.flush()

    async def _idle(self, channel: str) -> None:
        self._wake.clear()
        wait = self._paused(channel) or self.poll_interval
        try:
            await asyncio.wait_for(self._wake.wait(), min(wait, self.poll_interval))
        except TimeoutError:
            pass

    async def _claim(self, channel: str, limit: int) -> list[Claimed]:
        now = self.clock()
        # A row still queued here when its lease is nearly over is left alone: once the lease
        # ends another process (or this one) may claim and send it.
        sendable_until = self.monotonic() + self.lease.total_seconds() * LEASE_MARGIN
        async with self.sessions.begin() as session:
            rows = await claim_rows(
                session, channel=channel, owner=self.owner, now=now, lease=self.lease,
                limit=limit, urgent_only=self.quiet.holds(now),
                skip_kind=ANNOUNCEMENT if channel in self.bulk else None)
            ids = {row.broadcast_id for row in rows if row.broadcast_id is not None}
            self._cancelled = await cancelled_among(session, ids | self._running())
            for broadcast_id in ids - self._content.keys():
                broadcast = await get_broadcast(session, broadcast_id)
                if broadcast is not None:
                    self._content[broadcast_id] = broadcast_reply(broadcast.text, broadcast.photo)
        return self._new_to_this_process(rows, sendable_until)

    def _new_to_this_process(self, rows: list[Claimed], sendable_until: float) -> list[Claimed]:
        """The rows this process does not hold already. Its lease on one it holds ran out (a
        slow database held up the renewal) and it took the row again: the row is queued here
        or being sent (it keeps its place, with the new lease), or sent and its result waits
        for the writer (which settles it). Queued twice, it would go out twice."""
        fresh = []
        for row in rows:
            if row.id in self._unwritten:
                continue
            if row.id in self._sendable_until:
                self._sendable_until[row.id] = sendable_until
                continue
            self._sendable_until[row.id] = sendable_until
            fresh.append(row)
        return fresh

    async def _bulk(self, channel: str) -> bool:
        """Send one broadcast's rows on this channel in one go; False when none are due."""
        now = self.clock()
        rows, message = await lease_bulk(self.sessions, channel=channel, owner=self.owner,
                                         now=now, lease=self.lease,
                                         urgent_only=self.quiet.holds(now))
        if not rows:
            return False
        sent = await send_bulk(self.bulk[channel], message)
        for row in rows:
            await self._record(row, bulk_result(row, sent, self._outcome(channel, row, sent)))
        await self.flush()
        return True

    async def renew(self) -> None:
        """Extend the leases of rows this process holds but has not finished, so a process
        that sends slower than it claimed keeps them; a row another process took is dropped.
        A row sent whose result is not written yet is held too: should its lease run out,
        another process would send it again."""
        held = [*self._sendable_until, *self._unwritten]
        if not held:
            return
        sendable_until = self.monotonic() + self.lease.total_seconds() * LEASE_MARGIN
        async with self.sessions.begin() as session:
            kept = await renew_leases(session, held, owner=self.owner,
                                      until=self.clock() + self.lease)
        for row_id in held:
            if row_id in self._sendable_until:
                self._sendable_until[row_id] = sendable_until if row_id in kept else 0.0

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)  # real time, as leases run
            try:
                await self.renew()
            except Exception:
                log.exception("outbox: could not renew leases; rows near the end of theirs "
                              "are left to be claimed again")

    def _running(self) -> set[int]:
        return set(self._content)

    def _paused(self, channel: str) -> float:
        return max(0.0, self._paused_until.get(channel, 0.0) - self.monotonic())

    async def _work(self, channel: str, queue: asyncio.Queue[Claimed | None]) -> None:
        while (row := await queue.get()) is not _STOP:
            await self._send(channel, row)

    async def _send(self, channel: str, row: Claimed) -> None:
        await self._room_to_send()
        if self._sendable_until.get(row.id, float("inf")) < self.monotonic():
            self._sendable_until.pop(row.id, None)
            log.warning("outbox row %s: its lease ran out before it was sent; leaving it to "
                        "be claimed again", row.id)
            return
        if row.broadcast_id in self._cancelled:
            result = Result(row.id, RowStatus.CANCELLED, "cancelled", counts_attempt=False)
        elif self._paused(channel) > 0:
            result = Result(row.id, RowStatus.QUEUED, "", counts_attempt=False)
        else:
            reply = self._reply(row)
            kind = MessageKind(row.kind)
            try:
                sent = await self.senders[channel].deliver(row.chat_id, reply, kind=kind)
            except Exception as exc:  # a Sender should not raise; treat it as transient
                log.exception("sender %s raised for outbox row %s", channel, row.id)
                sent = SendResult(Outcome.TRANSIENT, detail=type(exc).__name__)
            SENDS.labels(channel, sent.outcome.value).inc()
            result = self._outcome(channel, row, sent)
        self._sendable_until.pop(row.id, None)
        await self._record(row, result)

    async def _room_to_send(self) -> None:
        """Wait while `concurrency` sends went out whose results are not written yet (a slow
        database): killed then, the process would leave them all to be sent again. So a kill
        costs at most the requests under way and `concurrency` unrecorded ones."""
        while len(self._unwritten) >= self.concurrency:
            try:
                await self.flush()
            except Exception:
                log.exception("outbox: results not written; sending waits")
                await self.sleep(WRITE_RETRY_SECONDS)

    def _reply(self, row: Claimed) -> Reply:
        if row.text is not None or row.broadcast_id is None:
            return Reply(text=row.text or "", buttons=buttons_from_rows(row.buttons))
        return self._content[row.broadcast_id]

    def _outcome(self, channel: str, row: Claimed, sent: SendResult) -> Result:
        now = self.clock()
        if sent.outcome is Outcome.SENT:
            return Result(row.id, RowStatus.SENT)
        if sent.outcome is Outcome.RETRY_AFTER:
            wait = sent.retry_after or 1.0
            self._paused_until[channel] = max(self._paused_until.get(channel, 0.0),
                                              self.monotonic() + wait)
            log.warning("%s: 429, pausing the channel for %.1f s", channel, wait)
            return Result(row.id, RowStatus.QUEUED, sent.detail,
                          retry_at=now + timedelta(seconds=wait), counts_attempt=False)
        if sent.outcome is Outcome.BLOCKED:
            return Result(row.id, RowStatus.BLOCKED, sent.detail)
        if sent.outcome is Outcome.WAITING:
            return Result(row.id, RowStatus.WAITING, sent.detail, counts_attempt=False)
        if sent.outcome is Outcome.TRANSIENT and row.attempts + 1 < self.max_attempts:
            backoff = timedelta(seconds=min(300, 2 ** (row.attempts + 1)))
            return Result(row.id, RowStatus.QUEUED, sent.detail, retry_at=now + backoff)
        return Result(row.id, RowStatus.FAILED, sent.detail or sent.outcome.value)

    async def _record(self, row: Claimed, result: Result) -> None:
        """Hand the result to the writer; the worker goes on to its next row meanwhile."""
        self._unwritten.add(row.id)
        self._pending.append((row, result))
        self._dirty.set()

    async def _write_forever(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("outbox: results not written; trying again")
                await self.sleep(WRITE_RETRY_SECONDS)
                self._dirty.set()

    async def flush(self) -> None:
        """Write every result waiting, in one transaction (a crash loses at most these, and
        their members get the message again: never none)."""
        async with self._write_lock:
            if not self._pending:
                return
            batch, self._pending = self._pending, []
            try:
                await self._write(batch)
            except Exception:
                self._pending[:0] = batch  # kept for the next try: never lost, never re-sent
                raise
            self._unwritten.difference_update(claimed.id for claimed, _ in batch)
        if any(r.status is RowStatus.QUEUED for _, r in batch):
            self.wake()

    async def _write(self, batch: list[tuple[Claimed, Result]]) -> None:
        now = self.clock()
        async with self.sessions.begin() as session:
            await record_results(session, [r for _, r in batch], owner=self.owner, now=now)
            for claimed, outcome in batch:
                if outcome.status is RowStatus.BLOCKED and claimed.member_id is not None:
                    await block_member(session, claimed.member_id)
            touched = {c.broadcast_id for c, _ in batch if c.broadcast_id is not None}
            for broadcast in await finish_broadcasts(session, touched, now=now):
                self._content.pop(broadcast.id, None)
                await self.reporter(session, broadcast, now)

    async def _wind_down(
        self, queue: asyncio.Queue[Claimed | None], workers: list[asyncio.Task[None]]
    ) -> None:
        """Stopping: rows not started go back; requests under way finish and are recorded
        (a few seconds at most), so a normal stop sends nothing twice."""
        rows = _empty(queue)
        for _worker in workers:
            queue.put_nowait(_STOP)
        _done, late = await asyncio.wait(workers, timeout=STOP_GRACE)
        for worker in late:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        if rows:
            async with self.sessions.begin() as session:
                await record_results(
                    session, [Result(r.id, RowStatus.QUEUED, counts_attempt=False) for r in rows],
                    owner=self.owner, now=self.clock())


def _empty(queue: asyncio.Queue[Claimed | None]) -> list[Claimed]:
    rows: list[Claimed] = []
    while not queue.empty():
        row = queue.get_nowait()
        if row is not None:
            rows.append(row)
    return rows
