"""Fair inbound: a token bucket per member, so one member's flood cannot delay the others.

A member may send `burst` messages at once and `rate` a second after that. The first message
over the limit gets one polite "slow down"; the rest of the flood is dropped (and logged), except
the one message a second the bucket refills. Once the bucket is full again the flood is over.
Kept per process: a flood is a burst from one chat, and each process sees the updates it polls
or is posted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.config import InboundSettings
from bot.i18n import N_

log = logging.getLogger(__name__)

SLOW_DOWN = N_("You are sending messages faster than I can read them. Please wait a moment, "
               "then send your question again.")


class Admission(Enum):
    PASS = "pass"  # handle the message
    WARN = "warn"  # first message over the limit: answer "slow down" instead
    DROP = "drop"  # the rest of the flood: no answer


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class MemberBuckets:
    """One token bucket per member key (`channel:user_id`)."""

    def __init__(self, rate: float = 1.0, burst: int = 5, *,
                 clock: Callable[[], float] = time.monotonic, remember: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.remember = remember
        self.dropped = 0
        self._buckets: dict[str, _Bucket] = {}

    @classmethod
    def from_settings(cls, settings: InboundSettings) -> MemberBuckets:
        return cls(settings.member_rate, settings.member_burst)

    def admit(self, key: str) -> Admission:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.warned = False  # a full bucket: the flood is over, a new one is told again
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Admission.PASS
        self.dropped += 1
        if bucket.warned:
            log.info("inbound: dropped a message from %s (over %s/s)", key, self.rate)
            return Admission.DROP
        bucket.warned = True
        log.info("inbound: %s is over %s/s; asked to slow down", key, self.rate)
        return Admission.WARN

    def _forget_full(self, now: float) -> None:
        """Buckets that have refilled hold nothing worth keeping; forget them when many."""
        if len(self._buckets) < self.remember:
            return
        refill = self.burst / self.rate if self.rate > 0 else 0.0
        self._buckets = {key: b for key, b in self._buckets.items() if now - b.at < refill}
