"""A sliding-window rate limiter that keeps to the limit in every 1-second window.

Telegram counts any 1-second window, not a bucket that refills: a leaky bucket that bursts
`rate` requests at once draws 429s. A request holds its slot from the moment it starts until one
window after it *finished*, so whatever moment the server counts it at, no window the server
can look at holds more than `rate` of our requests. The clock and sleep are injectable for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class SendLimiter(Protocol):
    """The bot-wide limit: in this process (`SlidingWindowLimiter`) or shared through Redis."""

    rate: int

    def pause(self, seconds: float) -> None: ...

    @property
    def paused_for(self) -> float: ...

    def slot(self, chat_id: str | None = None) -> AbstractAsyncContextManager[None]: ...


class ChatLimiter(Protocol):
    """The per-chat interval: in this process (`PerChatLimiter`) or shared through Redis."""

    async def wait(self, chat_id: str) -> None: ...

    async def done(self, chat_id: str) -> None: ...


class SlidingWindowLimiter:
    """At most `rate` requests in any window of `window` seconds, and a channel-wide pause."""

    def __init__(
        self, rate: int, *, window: float = 1.0, clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.rate = rate
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._finished: deque[float] = deque()
        self._in_flight = 0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every request for `seconds` (a 429's retry_after pauses the whole channel)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.clock())

    def _wait_needed(self) -> float:
        now = self.clock()
        while self._finished and now - self._finished[0] >= self.window:
            self._finished.popleft()
        if now < self._paused_until:
            return self._paused_until - now
        if self._in_flight + len(self._finished) < self.rate:
            return 0.0
        if not self._finished:
            return 0.001  # every slot is held by a request in flight: wait for one to end
        return self.window - (now - self._finished[0])

    async def acquire(self) -> None:
        async with self._lock:  # first come, first served
            while (wait := self._wait_needed()) > 0:
                await self.sleep(wait)
            self._in_flight += 1

    def release(self) -> None:
        self._in_flight -= 1
        self._finished.append(self.clock())

    @asynccontextmanager
    async def slot(self, chat_id: str | None = None) -> AsyncIterator[None]:
        """A slot of the bot-wide limit (`chat_id` is for limiters that also keep a chat's
        interval; this one leaves that to `PerChatLimiter`)."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()


class PerChatLimiter:
    """About one message a second to each chat: a chat's next message starts `interval` after
    its previous one finished."""

    def __init__(self, interval: float = 1.0, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep, remember: int = 10_000) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self.remember = remember
        self._last: dict[str, float] = {}

    async def wait(self, chat_id: str) -> None:
        last = self._last.get(chat_id)
        if last is not None:
            wait = last + self.interval - self.clock()
            if wait > 0:
                await self.sleep(wait)

    async def done(self, chat_id: str) -> None:
        if len(self._last) >= self.remember:
            cutoff = self.clock() - self.interval
            self._last = {k: v for k, v in self._last.items() if v > cutoff}
        self._last[chat_id] = self.clock()


class ChatLanes:
    """Replies to one chat go out in order, each chat in its own lane: a chat that Telegram
    told to wait (a 429 for that chat) waits alone, without holding other chats or the poll."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def lane(self, chat_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with lock:  # asyncio.Lock is first come, first served: order is kept
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id], self._locks[chat_id]

    @property
    def busy(self) -> int:
        return len(self._locks)


class NoChatLimit:
    """For a `SendLimiter` that keeps each chat's interval itself (the shared one)."""

    async def wait(self, chat_id: str) -> None:
        return None

    async def done(self, chat_id: str) -> None:
        return None
