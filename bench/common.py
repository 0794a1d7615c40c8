"""Shared parts of the broadcast benchmarks: the fake Bot API in its own process (so it does not
share a CPU with the bot), a seeded database, and the figures."""
# ruff: noqa: ASYNC110  (a benchmark driver: polls on purpose)

from __future__ import annotations

import asyncio
import multiprocessing as mp
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.base import utcnow
from models.db import Sessions, make_engine
from models.member import Member
from models.migrate import upgrade_async
from tests.support.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token"


def _serve(rate_limit: int, expected: int, ports: Any, results: Any) -> None:
    async def run() -> None:
        fake = FakeTelegram(TOKEN)
        fake.rate_limit = rate_limit
        fake.per_chat_interval = 1.0
        await fake.start()
        ports.put(fake.port)
        while len(fake.sent) < expected:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # anything sent twice arrives too
        times = [s.at for s in fake.sent]
        copies = Counter(s.chat_id for s in fake.sent)
        times.sort()
        busiest, low = 0, 0
        for high, at in enumerate(times):
            while at - times[low] >= 1.0:
                low += 1
            busiest = max(busiest, high - low + 1)
        results.put({"sent": len(fake.sent), "unique": len(copies), "too_many": fake.too_many,
                     "seconds": max(times) - min(times), "max_copies": max(copies.values()),
                     "busiest": busiest, "last": max(times)})
        await fake.stop()

    asyncio.run(run())


class FakeServer:
    """The fake Bot API in a child process; `result()` waits for `expected` messages."""

    def __init__(self, rate_limit: int, expected: int) -> None:
        context = mp.get_context("spawn")
        self.ports, self.results = context.Queue(), context.Queue()
        self.process = context.Process(target=_serve,
                                       args=(rate_limit, expected, self.ports, self.results))
        self.process.start()
        self.port = int(self.ports.get(timeout=30))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def result(self, timeout: float) -> dict[str, Any]:
        figures: dict[str, Any] = self.results.get(timeout=timeout)
        self.process.join(5)
        return figures


async def seed(url: str, count: int) -> None:
    await upgrade_async(url)
    sessions = Sessions(make_engine(url))
    now = utcnow()
    async with sessions.begin() as session:
        session.add_all(
            Member(channel="telegram", external_id=str(10_000 + i), chat_id=str(10_000 + i),
                   private_chat_id=str(10_000 + i),
                   display_name="", language="zh_CN", created_at=now, last_seen_at=now)
            for i in range(count))
    await sessions.dispose()


def report(name: str, figures: dict[str, Any], limit: int, recipients: int) -> None:
    rate = figures["sent"] / figures["seconds"] if figures["seconds"] else float("inf")
    print(f"{name}: {recipients} recipients at a limit of {limit}/s")
    print(f"  messages received by the fake Bot API: {figures['sent']} "
          f"({figures['unique']} distinct chats, at most {figures['max_copies']} per chat)")
    print(f"  first to last message: {figures['seconds']:.2f} s; achieved {rate:.1f}/s "
          f"= {100 * rate / limit:.1f}% of the limit")
    shortest = max(recipients / limit - 1, 0)  # a perfect limiter's span: a full first window
    print(f"  busiest 1-second window: {figures['busiest']} messages; a perfect limiter would "
          f"need {shortest:.2f} s ({100 * shortest / figures['seconds']:.1f}% of the time taken)")
    print(f"  429 answers: {figures['too_many']}")


__all__ = ["FakeServer", "report", "seed", "time"]
