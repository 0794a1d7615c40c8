"""Recurrences staff can type ("every Monday 09:00", "每周一 09:00", "daily 08:30"), stored as
a short rule ("weekly:0:09:00", "daily:08:30"), and their next time in the union's zone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import N_

DAYS = {
    "monday": 0, "mon": 0, "一": 0, "tuesday": 1, "tue": 1, "二": 1, "wednesday": 2, "wed": 2,
    "三": 2, "thursday": 3, "thu": 3, "四": 3, "friday": 4, "fri": 4, "五": 4,
    "saturday": 5, "sat": 5, "六": 5, "sunday": 6, "sun": 6, "日": 6, "天": 6,
}
_WEEKLY = re.compile(
    r"^(?:every\s+|每周|每星期|周|星期)([a-z]+|[一二三四五六日天])\s*(\d{1,2}):(\d{2})$"
)
_DAILY = re.compile(r"^(?:every\s*day|daily|每天|每日)\s*(\d{1,2}):(\d{2})$")


def parse_recurrence(text: str) -> str | None:
    """The rule for what staff typed, or None if it is not a recurrence we know."""
    cleaned = " ".join(text.strip().lower().split())
    if match := _DAILY.match(cleaned):
        hour, minute = int(match[1]), int(match[2])
        return f"daily:{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None
    if match := _WEEKLY.match(cleaned):
        day = DAYS.get(match[1])
        hour, minute = int(match[2]), int(match[3])
        if day is None or hour >= 24 or minute >= 60:
            return None
        return f"weekly:{day}:{hour:02d}:{minute:02d}"
    return None


def next_occurrence(rule: str, after: datetime, zone: ZoneInfo) -> datetime:
    """The first time strictly after `after` that the rule names (aware, in UTC terms)."""
    parts = rule.split(":")
    weekday = int(parts[1]) if parts[0] == "weekly" else None
    at = time(int(parts[-2]), int(parts[-1]))
    local = after.astimezone(zone)
    day = local.date()
    for offset in range(8):
        candidate_day = day + timedelta(days=offset)
        if weekday is not None and candidate_day.weekday() != weekday:
            continue
        candidate = datetime.combine(candidate_day, at, tzinfo=zone)
        if candidate > after:
            return candidate
    raise ValueError(f"bad recurrence rule {rule!r}")


WEEKDAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
                 N_("Saturday"), N_("Sunday"))


def describe(rule: str, _: Callable[[str], str]) -> str:
    """A staff-readable form of a rule in their language: `weekly:0:09:00` -> "every Monday
    09:00" / "每周一 09:00"."""
    parts = rule.split(":")
    when = f"{parts[-2]}:{parts[-1]}"
    if parts[0] == "weekly":
        return _("every {weekday} {time}").format(weekday=_(WEEKDAY_NAMES[int(parts[1])]),
                                                  time=when)
    return _("every day at {time}").format(time=when)


def parse_local_time(text: str, zone: ZoneInfo) -> datetime | None:
    """`2026-12-01 09:00` or ISO 8601 (with or without offset; none means the union's zone)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("T", " ", 1))
    except ValueError:
        return None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value
