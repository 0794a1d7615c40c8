"""The clock of the delivery engine, on APScheduler's AsyncIOScheduler.

Schedules live in our own tables (a broadcast's send_at and recurrence), so nothing needs
re-arming after a restart: two interval jobs look for what is due. A broadcast is started by a
conditional update of its row, so it never starts twice, across restarts or processes. With
several processes, a third job sends the direct replies a dead process left unsent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

from bot.config import BroadcastSettings
from bot.delivery.engine import DeliveryEngine
from bot.delivery.recurrence import next_occurrence
from bot.delivery.reminders import ReminderSource, sweep_reminders
from bot.i18n import Catalogs
from bot.pending import UnsentSweeper
from models.base import utcnow
from models.broadcast import Broadcast
from models.db import Sessions
from models.outbox import fail_unsendable, finish_broadcasts
from models.schedule import start_due_broadcasts

log = logging.getLogger(__name__)

TICK_SECONDS = 1  # a broadcast scheduled for 09:00:00 starts by 09:00:01
CHORE_SECONDS = 3600
UNSENT_SECONDS = 5  # a reply a dead process left is sent this long after it came of age


class Scheduler:
    def __init__(
        self, sessions: Sessions, engine: DeliveryEngine, settings: BroadcastSettings,
        zone: ZoneInfo, catalogs: Catalogs, sources: Sequence[ReminderSource] = (),
        clock: Callable[[], datetime] = utcnow,
        chores: Sequence[Callable[[datetime], Awaitable[int]]] = (),
        unsent: UnsentSweeper | None = None,
    ) -> None:
        self.sessions = sessions
        self.engine = engine
        self.settings = settings
        self.zone = zone
        self.catalogs = catalogs
        self.sources = list(sources)
        self.clock = clock
        self.chores = list(chores)
        self.unsent = unsent
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        grace = self.settings.misfire_grace_seconds
        scheduler = AsyncIOScheduler(timezone=self.zone)
        scheduler.add_job(self.start_due, "interval", seconds=TICK_SECONDS, id="broadcasts",
                          coalesce=True, max_instances=1, misfire_grace_time=grace)
        scheduler.add_job(self.sweep, "interval", seconds=self.settings.reminder_sweep_seconds,
                          id="reminders", coalesce=True, max_instances=1,
                          misfire_grace_time=grace, next_run_time=datetime.now(self.zone))
        scheduler.add_job(self.tidy, "interval", seconds=CHORE_SECONDS, id="housekeeping",
                          coalesce=True, max_instances=1, misfire_grace_time=grace)
        if self.unsent is not None:
            scheduler.add_job(self.send_unsent, "interval", seconds=UNSENT_SECONDS, id="unsent",
                              coalesce=True, max_instances=1, misfire_grace_time=grace,
                              next_run_time=datetime.now(self.zone))
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self.unsent is not None:
            self.unsent.forget()

    async def start_due(self) -> list[Broadcast]:
        """Start every broadcast whose time came (and the next round of recurring ones)."""
        now = self.clock()
        async with self.sessions.begin() as session:
            started = await start_due_broadcasts(
                session, now=now, grace=timedelta(seconds=self.settings.misfire_grace_seconds),
                next_time=lambda rule, after: next_occurrence(rule, after, self.zone))
            ids = {broadcast.id for broadcast in started}
            if ids and await fail_unsendable(session, ids, channels=set(self.engine.senders)):
                for ended in await finish_broadcasts(session, ids, now=now):
                    await self.engine.reporter(session, ended, now)
        for broadcast in started:
            log.info("broadcast %s started", broadcast.id)
        if started:
            self.engine.wake()
        return started

    async def send_unsent(self) -> int:
        assert self.unsent is not None
        try:
            return await self.unsent.sweep()
        except Exception:
            log.exception("replies left unsent by a stopped process: sweep failed; again soon")
            return 0

    async def tidy(self) -> None:
        for chore in self.chores:
            try:
                await chore(self.clock())
            except Exception:
                log.exception("housekeeping chore failed; it runs again next hour")

    async def sweep(self) -> int:
        queued = await sweep_reminders(self.sessions, self.sources, self.catalogs,
                                       now=self.clock())
        if queued:
            self.engine.wake()
        return queued
