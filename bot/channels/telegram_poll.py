"""The getUpdates loop: fetch, hand each update over in isolation, confirm the offset.

We poll with our own loop rather than PTB's Updater so that an update's offset is confirmed
only after it was handled: an update fetched when the process dies is fetched again, and the
dispatcher's handled-updates table makes the second delivery a no-op. The offset we send is the
lowest update still running, so a slow update (a document download, a member's burst waiting
on the database) never holds the updates after it: they are fetched and started meanwhile, up
to Telegram's 100 a call. Updates are fetched as raw JSON and read one by one by the
channel's reader, so one it cannot read is skipped, not the whole batch; nothing one update
raises can end the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Generic, TypeVar

from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut

log = logging.getLogger(__name__)

POLL_TIMEOUT = timedelta(seconds=25)
STALE_AFTER = 120.0  # seconds without a successful getUpdates before /healthz says down
MAX_BACKOFF = 60.0
BUSY_WAIT = 0.5  # seconds between polls while only running updates come back

_U = TypeVar("_U")


@dataclass(frozen=True, slots=True)
class PollHealth:
    alive: bool
    last_success: datetime | None
    ok: bool


class Poller(Generic[_U]):
    """Runs the loop as a task; `health()` says whether it runs and when it last got updates.

    `read` turns one raw update into what `handle` takes; what it raises skips the update."""

    def __init__(self, bot: Bot, handle: Callable[[_U], Awaitable[object]], *,
                 read: Callable[[Any], _U], stale_after: float = STALE_AFTER,
                 retry_after: Callable[[RetryAfter], float]) -> None:
        self.bot = bot
        self.handle = handle
        self.read = read
        self.stale_after = stale_after
        self.retry_after = retry_after
        self.offset: int | None = None
        self.last_success: float | None = None
        self._started = 0.0
        self._task: asyncio.Task[None] | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._newest: int | None = None  # the highest update id started

    def start(self) -> None:
        self._started = time.time()
        self._task = asyncio.create_task(self._run(), name="telegram-poll")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None
        if self._running:  # let updates being handled finish
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    def health(self) -> PollHealth:
        alive = self._task is not None and not self._task.done()
        seen = self.last_success or self._started
        ok = alive and time.time() - seen < self.stale_after
        when = None if self.last_success is None else datetime.fromtimestamp(
            self.last_success, UTC)
        return PollHealth(alive, when, ok)

    async def _run(self) -> None:
        delay = 1.0
        while True:
            try:
                batch = await self._fetch()
            except RetryAfter as exc:
                await asyncio.sleep(self.retry_after(exc))
                continue
            except Conflict:
                log.error("telegram: another process is polling with this token; waiting")
                await asyncio.sleep(30)
                continue
            except (NetworkError, TimedOut) as exc:
                log.warning("telegram: getUpdates failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            except Exception:
                log.exception("telegram: getUpdates failed; retrying in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = 1.0
            self.last_success = time.time()
            if not self._start_new(batch) and self._running:
                # Only updates still running came back: wait for one to end (briefly, so that
                # new updates of other members are fetched while a slow one runs).
                await asyncio.wait(set(self._running.values()), timeout=BUSY_WAIT,
                                   return_when=asyncio.FIRST_COMPLETED)

    async def _fetch(self) -> list[Any]:
        # Raw JSON, parsed update by update below. Bot API method names are case-insensitive;
        # the lower-case name tells PTB we mean the raw call, not its parsing get_updates().
        result = await self.bot.do_api_request(
            "getupdates",
            api_kwargs={"offset": self.offset, "timeout": int(POLL_TIMEOUT.total_seconds()),
                        "allowed_updates": list(Update.ALL_TYPES)},
            read_timeout=POLL_TIMEOUT.total_seconds() + 10,
        )
        return list(result) if isinstance(result, list) else []

    def _start_new(self, batch: Sequence[Any]) -> int:
        """Start the updates not seen before; returns how many."""
        started = 0
        for raw in batch:
            update_id = _update_id(raw)
            if update_id is None or (self._newest is not None and update_id <= self._newest):
                continue
            self._newest = update_id
            task = asyncio.create_task(self._one(raw, update_id))
            self._running[update_id] = task
            task.add_done_callback(partial(self._finished, update_id))
            started += 1
        return started

    def _finished(self, update_id: int, _task: asyncio.Task[None]) -> None:
        self._running.pop(update_id, None)
        newest = self._newest if self._newest is not None else update_id
        self.offset = min(self._running, default=newest + 1)  # everything below is handled

    async def _one(self, raw: Any, update_id: int | None) -> None:
        try:
            update = self.read(raw)
        except Exception as exc:
            log.warning("telegram: update %s is unreadable (%s); skipped", update_id,
                        type(exc).__name__)
            return
        try:
            await self.handle(update)
        except Exception:
            log.exception("telegram: update %s failed; moving on", update_id)


def _update_id(raw: Any) -> int | None:
    if not isinstance(raw, dict):
        return None
    value = raw.get("update_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
