"""State that several processes of one bot share, on Redis: send limits and leases.

`[redis] url` empty means one process: nothing here is built, limits stay in memory and this
process holds every lease.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot.config import RedisSettings


class SharedState:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    @classmethod
    def connect(cls, settings: RedisSettings) -> SharedState | None:
        if not settings.url:
            return None
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
