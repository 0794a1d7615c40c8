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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

# KEYS: the slots, the pause, the chat ("" for none). ARGV: rate, hold ms, slot id, chat
# interval ms. Returns {granted (0|1), milliseconds to wait, 1 when the chat is what waits}.
# A granted chat is marked busy until the request finishes: one chat's messages never overlap.
_ACQUIRE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {0, paused - now, 0} end
if KEYS[3] ~= '' then
  local free_at = tonumber(redis.call('GET', KEYS[3]) or '0')
  if free_at > now then return {0, math.min(free_at - now, 1000), 1} end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
  if KEYS[3] ~= '' then
    redis.call('SET', KEYS[3], now + tonumber(ARGV[2]), 'PX', tonumber(ARGV[2]))
  end
  return {1, 0, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, tonumber(first[2]) - now), 0}
"""

# The request finished: its slot frees one window from now, its chat one interval from now.
_RELEASE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
if KEYS[2] ~= '' then
  redis.call('SET', KEYS[2], now + tonumber(ARGV[3]), 'PX', tonumber(ARGV[3]) + 1)
end
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

POLL_CAP = 0.02  # while waiting, ask again at least this often: other processes free slots


class RedisWindowLimiter:
    """At most `rate` requests in any `window` seconds across every process using `key`, and
    to one chat a request at a time, `chat_interval` apart (the per-chat limit in the same
    step, so a send costs two Redis calls)."""

    def __init__(self, redis: Redis, key: str, rate: int, *, window: float = 1.0,
                 hold: float = 30.0, chat_interval: float = 0.0) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.redis = redis
        self.rate = rate
        self.window = window
        self.hold = hold
        self.chat_interval = chat_interval
        self._key = key
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

    def _chat_key(self, chat_id: str | None) -> str:
        return f"{self._key}:chat:{chat_id}" if chat_id and self.chat_interval > 0 else ""

    async def _try(self, slot: str, chat_key: str) -> tuple[float, bool]:
        """(0, _) when granted, else the seconds to wait before asking again and whether it
        is the chat (not the bot-wide limit) that has to wait."""
        granted, wait_ms, chat_busy = await self._acquire(
            keys=[self._slots, self._pause_key, chat_key],
            args=[self.rate, int(self.hold * 1000), slot, int(self.chat_interval * 1000)])
        if int(granted):
            return 0.0, False
        return min(int(wait_ms) / 1000, POLL_CAP), bool(int(chat_busy))

    async def acquire(self, chat_id: str | None = None) -> str:
        slot, chat_key = uuid.uuid4().hex, self._chat_key(chat_id)
        while True:
            wait, chat_busy = await self._try(slot, chat_key)
            if wait == 0:
                return slot
            if chat_busy:  # this chat waits on its own; others go ahead
                await asyncio.sleep(wait)
                continue
            async with self._lock:  # the bot-wide limit: one waiter per process asks again
                while wait > 0 and not chat_busy:
                    await asyncio.sleep(wait)
                    wait, chat_busy = await self._try(slot, chat_key)
            if wait == 0:
                return slot

    async def release(self, slot: str, chat_id: str | None = None) -> None:
        await self._release(keys=[self._slots, self._chat_key(chat_id)],
                            args=[int(self.window * 1000), slot,
                                  int(self.chat_interval * 1000)])

    @asynccontextmanager
    async def slot(self, chat_id: str | None = None) -> AsyncIterator[None]:
        slot = await self.acquire(chat_id)
        try:
            yield
        finally:
            await self.release(slot, chat_id)
