"""When union staff are at work, and when they next will be."""

from __future__ import annotations

from datetime import datetime, time, timedelta


def next_opening(
    local_now: datetime, days: frozenset[int], opening: tuple[time, time]
) -> datetime | None:
    """None while staff are at work; otherwise when they next start, in local time."""
    start, end = opening
    if local_now.weekday() in days and start <= local_now.time() < end:
        return None
    for ahead in range(8):
        day = local_now.date() + timedelta(days=ahead)
        candidate = datetime.combine(day, start, local_now.tzinfo)
        if day.weekday() in days and candidate > local_now:
            return candidate
    return None  # no office days at all: the config check does not allow that
