"""The send limits shared by every process of one bot, kept in Redis.

The same rule as `SlidingWindowLimiter`, enforced across processes: a request holds a slot from
the moment it starts until one window after it finished, so no 1-second window the platform can
count holds more than `rate` requests from all processes together. Each slot is a member of a
sorted set scored by the time it frees; a slot still in flight is scored `hold` ahead, so a
process killed mid-request gives its slots back after `hold` seconds. Lua scripts make each
step atomic and read Redis's own clock, so the processes' clocks never need to agree.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis

# Returns {granted (0|1), milliseconds to wait}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {0, paused - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, tonumber(first[2]) - now)}
"""

# The request finished: its slot frees one window from now.
_RELEASE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
return 1
"""

_PAUSE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local until_ms = now + tonumber(ARGV[1])
if until_ms > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return until_ms
"""

# A chat's next message starts `interval` after its previous one finished.
_CHAT_WAIT = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
return math.max(0, last + tonumber(ARGV[1]) - now)
"""

_CHAT_DONE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('SET', KEYS[1], now, 'PX', tonumber(ARGV[1]) + 1000)
return now
"""

POLL_CAP = 0.02  # while waiting, ask again at least this often: other processes free slots


class RedisWindowLimiter:
    """At most `rate` requests in any `window` seconds across every process using `key`."""

    def __init__(self, redis: Redis, key: str, rate: int, *, window: float = 1.0,
                 hold: float = 30.0) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.redis = redis
        self.rate = rate
        self.window = window
        self.hold = hold
        self._slots = f"{key}:slots"
        self._pause_key = f"{key}:paused"
        self._acquire: Any = redis.register_script(_ACQUIRE)
        self._release: Any = redis.register_script(_RELEASE)
        self._pause: Any = redis.register_script(_PAUSE)
        self._paused_until = 0.0  # this process's view, for `paused_for`
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    def pause(self, seconds: float) -> None:
        """Hold every process's requests for `seconds` (a 429's retry_after)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        task = asyncio.get_running_loop().create_task(
            self._pause(keys=[self._pause_key], args=[int(seconds * 1000)]))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - time.monotonic())

    async def acquire(self) -> str:
        slot = uuid.uuid4().hex
        async with self._lock:  # one waiter per process asks Redis; the rest queue here
            while True:
                granted, wait_ms = await self._acquire(
                    keys=[self._slots, self._pause_key],
                    args=[self.rate, int(self.hold * 1000), slot])
                if int(granted):
                    return slot
                await asyncio.sleep(min(int(wait_ms) / 1000, POLL_CAP))

    async def release(self, slot: str) -> None:
        await self._release(keys=[self._slots], args=[int(self.window * 1000), slot])

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        slot = await self.acquire()
        try:
            yield
        finally:
            await self.release(slot)


class RedisPerChatLimiter:
    """About one message a second to each chat, whichever process sends it."""

    def __init__(self, redis: Redis, key: str, interval: float = 1.0) -> None:
        self.redis = redis
        self.interval = interval
        self._key = key
        self._wait: Any = redis.register_script(_CHAT_WAIT)
        self._done: Any = redis.register_script(_CHAT_DONE)

    async def wait(self, chat_id: str) -> None:
        if self.interval <= 0:
            return
        wait_ms = int(await self._wait(keys=[f"{self._key}:{chat_id}"],
                                       args=[int(self.interval * 1000)]))
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)

    async def done(self, chat_id: str) -> None:
        if self.interval > 0:
            await self._done(keys=[f"{self._key}:{chat_id}"], args=[int(self.interval * 1000)])
