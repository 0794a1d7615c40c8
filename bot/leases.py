"""One holder at a time for a role that must not run twice: the scheduler, the Telegram poller.

A lease is a Redis key set with NX and a time to live; its holder renews it every third of that
time. A holder that dies stops renewing and another process takes the role over once the key
expires, within `ttl` plus one renewal interval. A holder that cannot renew (Redis unreachable,
or another process holds the key) steps down before its lease can have expired, so two holders
never act at once. Without Redis there is one process, and it holds every lease.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bot.shared import SharedState
from bot.tasks import cancel

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Lease:
    def __init__(self, shared: SharedState | None, role: str, *, ttl: float,
                 on_gain: Hook, on_loss: Hook) -> None:
        self.shared = shared
        self.role = role
        self.ttl = ttl
        self.on_gain = on_gain
        self.on_loss = on_loss
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False
        self._renewed_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._key = shared.key("lease", role) if shared is not None else role
        self._renew: Any = shared.redis.register_script(_RENEW) if shared else None
        self._release: Any = shared.redis.register_script(_RELEASE) if shared else None

    async def start(self) -> None:
        if self.shared is None:
            await self._gain()
            return
        await self.tick()
        self._task = asyncio.create_task(self._keep(), name=f"lease-{self.role}")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None
        if self.held:
            await self._lose()
            if self.shared is not None:
                try:
                    await self._release(keys=[self._key], args=[self.holder])
                except Exception:
                    log.warning("lease %s: could not hand back; it expires by itself", self.role)

    async def tick(self) -> None:
        """Renew the lease if held, else try to take it; step down when renewal fails."""
        assert self.shared is not None
        try:
            if self.held:
                renewed = await self._renew(keys=[self._key],
                                            args=[self.holder, int(self.ttl * 1000)])
                if renewed:
                    self._renewed_at = time.monotonic()
                else:
                    log.warning("lease %s: taken by another process; stepping down", self.role)
                    await self._lose()
            elif await self.shared.redis.set(self._key, self.holder, nx=True,
                                             px=int(self.ttl * 1000)):
                self._renewed_at = time.monotonic()
                await self._gain()
        except Exception as exc:
            log.warning("lease %s: redis unreachable (%s)", self.role, type(exc).__name__)
            if self.held and time.monotonic() - self._renewed_at > self.ttl * 2 / 3:
                log.warning("lease %s: cannot renew in time; stepping down", self.role)
                await self._lose()

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            await self.tick()

    async def _gain(self) -> None:
        self.held = True
        log.info("lease %s: this process (%s) leads", self.role, self.holder)
        try:
            await self.on_gain()
        except Exception:
            log.exception("lease %s: taking the role failed; handing it back", self.role)
            await self.stop()

    async def _lose(self) -> None:
        self.held = False
        try:
            await self.on_loss()
        except Exception:
            log.exception("lease %s: stepping down failed", self.role)
