"""State that several processes of one bot share, on Redis: send limits and leases.

`[redis] url` empty means one process: nothing here is built, limits stay in memory and this
process holds every lease.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import RedisSettings

if TYPE_CHECKING:
    from redis.asyncio import Redis


class SharedState:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    @classmethod
    def connect(cls, settings: RedisSettings) -> SharedState | None:
        if not settings.url:
            return None
        from redis.asyncio import Redis  # here: 7 MB of memory a single process does without

        redis = Redis.from_url(settings.url, socket_timeout=5, socket_connect_timeout=5,
                               health_check_interval=30)
        return cls(redis, settings.prefix)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self.redis.aclose()
