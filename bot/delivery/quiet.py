"""Quiet hours: non-urgent broadcasts wait until morning in the union's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time | None
    end: time | None
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone: ZoneInfo) -> QuietHours:
        """`"22:00-08:00"`; an empty string means no quiet hours."""
        if not spec.strip():
            return cls(None, None, zone)
        first, _, second = spec.partition("-")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(second.strip()), zone)

    def holds(self, now: datetime) -> bool:
        """True while non-urgent messages must wait."""
        if self.start is None or self.end is None or self.start == self.end:
            return False
        local = now.astimezone(self.zone).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end
