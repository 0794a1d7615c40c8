"""Prometheus metrics: what an operator watches (prometheus-client, the reference library).

Counters and histograms are updated where things happen; gauges that need a database query
(outbox depth, claims by status) are refreshed by `MetricsRefresher` every few seconds, so a
scrape never waits on the database. The unknown rate is
`rate(unionbot_intents_total{intent="unknown"}[5m]) / rate(unionbot_intents_total[5m])`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from bot.tasks import cancel

log = logging.getLogger(__name__)

UPDATES = Counter("unionbot_updates_total", "Member updates handled, by channel and outcome",
                  ["channel", "outcome"])
ANSWER_SECONDS = Histogram(
    "unionbot_answer_seconds", "Time from an update's arrival to its replies, by channel",
    ["channel"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
INTENTS = Counter("unionbot_intents_total", "Answers by intent (unknown included)", ["intent"])
SENDS = Counter("unionbot_sends_total", "Outbox deliveries by channel and outcome "
                "(sent, retry_after = 429, blocked = 403, transient, failed)",
                ["channel", "outcome"])
OUTBOX_DEPTH = Gauge("unionbot_outbox_depth", "Outbox rows waiting to be sent", ["channel"])
LEADER = Gauge("unionbot_leader", "1 where this process holds the role", ["role"])
CLAIMS = Gauge("unionbot_claims", "Mutual-aid claims by status", ["status"])

Snapshot = Callable[[], Awaitable[tuple[dict[str, int], dict[str, int]]]]


def observe_update(channel: str, outcome: str, seconds: float, intents: list[str]) -> None:
    UPDATES.labels(channel, outcome).inc()
    ANSWER_SECONDS.labels(channel).observe(seconds)
    for intent in intents:
        INTENTS.labels(intent).inc()


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


class MetricsRefresher:
    """Refreshes the gauges read from the database every `interval` seconds."""

    def __init__(self, snapshot: Snapshot, interval: float) -> None:
        self.snapshot = snapshot
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        outbox, claims = await self.snapshot()
        _set_all(OUTBOX_DEPTH, outbox)
        _set_all(CLAIMS, claims)

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name="metrics")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def _forever(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception as exc:
                log.warning("metrics: refresh failed (%s)", type(exc).__name__)
            await asyncio.sleep(self.interval)


def _set_all(gauge: Gauge, values: dict[str, int]) -> None:
    gauge.clear()
    for label, value in values.items():
        gauge.labels(label).set(value)
