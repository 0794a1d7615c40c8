"""Times staff type for a broadcast, read in the union's zone: "明天上午9点", "下周一 9:00",
"tomorrow 9am", "in 2 hours", "2026-12-01 09:00". A day without a time of day is not a time:
it is refused rather than guessed."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
}
_NUM = r"(\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_ZH_PERIOD = r"(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|今晚|夜里)?"
_ZH_TIME = re.compile(
    rf"{_ZH_PERIOD}\s*{_NUM}\s*(?:[点點时時]\s*(?:(半)|{_NUM}\s*分?)?|[:：]\s*(\d{{2}}))$")
_EN_TIME = re.compile(r"(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_RELATIVE_EN = re.compile(r"^in\s+(\d+|an?|half an?)\s+(minutes?|mins?|hours?|hrs?|days?)$")
_RELATIVE_ZH = re.compile(rf"^({_NUM[1:-1]}|半)\s*个?\s*(分钟|小时|钟头|天)\s*(?:后|以后|之后)$")
_ZH_DAY = re.compile(
    r"^(今天|今日|明天|明日|后天|後天|大后天|(下下|下|本|这|這)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天]))")
_EN_DAY = re.compile(r"^(today|tonight|tomorrow|(next|this)?\s*([a-z]+))\b")
_ISO_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/月](\d{1,2})[日号]?")
_PM = {"下午", "傍晚", "晚上", "今晚", "夜里"}
_UNITS = {"minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400,
          "分钟": 60, "小时": 3600, "钟头": 3600, "天": 86400}


def parse_when(text: str, *, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The moment staff meant (aware), or None if it cannot be read. Past times are returned
    as they are: the caller refuses them with its own message."""
    cleaned = " ".join(text.strip().lower().replace("，", " ").replace(",", " ").split())
    if not cleaned:
        return None
    if (relative := _relative(cleaned)) is not None:
        return now + relative
    if (iso := _iso(cleaned, zone)) is not None:
        return iso
    local_now = now.astimezone(zone)
    day, rest = _day(cleaned, local_now.date())
    at = _time_of_day(rest.strip())
    if at is None:
        return None
    if day is None:  # a time alone: the next time the clock shows it
        candidate = datetime.combine(local_now.date(), at, tzinfo=zone)
        return candidate if candidate > now else candidate + timedelta(days=1)
    return datetime.combine(day, at, tzinfo=zone)


def _relative(text: str) -> timedelta | None:
    if match := _RELATIVE_EN.match(text):
        amount = match[1]
        count = 0.5 if amount.startswith("half") else 1 if amount in ("a", "an") else int(amount)
        unit = next(v for k, v in _UNITS.items() if match[2].startswith(k))
        return timedelta(seconds=count * unit)
    if match := _RELATIVE_ZH.match(text.replace(" ", "")):
        number = 0.5 if match[1] == "半" else _number(match[1])
        if number is None:
            return None
        return timedelta(seconds=number * _UNITS[match[2]])
    return None


def _iso(text: str, zone: ZoneInfo) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.upper().replace(" ", "T", 1))
    except ValueError:
        return None
    if len(text) <= 10:  # a date alone has no time of day
        return None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _day(text: str, today: date) -> tuple[date | None, str]:
    """The day named at the start of `text` and what follows it."""
    if match := _ISO_DATE.match(text):
        return _safe_date(int(match[1]), int(match[2]), int(match[3])), text[match.end():]
    if match := _MONTH_DAY.match(text):
        found = _safe_date(today.year, int(match[1]), int(match[2]))
        if found is not None and found < today:
            found = _safe_date(today.year + 1, found.month, found.day)
        return found, text[match.end():]
    if match := _ZH_DAY.match(text):
        return _zh_day(match, today), text[match.end():]
    if match := _EN_DAY.match(text):
        found = _en_day(match, today)
        if found is not None:
            rest = text[match.end():]
            return found, ("8pm" if match[1] == "tonight" and not rest.strip() else rest)
    return None, text


def _zh_day(match: re.Match[str], today: date) -> date:
    word, week, weekday = match[1], match[2], match[3]
    offsets = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2, "大后天": 3}
    if word in offsets:
        return today + timedelta(days=offsets[word])
    target = WEEKDAYS[weekday]
    monday = today - timedelta(days=today.weekday())
    if week in ("下", "下下"):
        return monday + timedelta(weeks=2 if week == "下下" else 1, days=target)
    if week in ("本", "这", "這"):
        return monday + timedelta(days=target)
    return today + timedelta(days=(target - today.weekday()) % 7)


def _en_day(match: re.Match[str], today: date) -> date | None:
    word, which, name = match[1], match[2], match[3]
    if word in ("today", "tonight"):
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if name not in WEEKDAYS:
        return None
    ahead = (WEEKDAYS[name] - today.weekday()) % 7
    if which == "next":
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=1, days=WEEKDAYS[name])
    return today + timedelta(days=ahead)


def _time_of_day(text: str) -> time | None:
    text = text.removeprefix("at ").strip()
    if match := _ZH_TIME.match(text.replace(" ", "")):
        hour = _number(match[2])
        minute = 30 if match[3] else _number(match[4]) if match[4] else int(match[5] or 0)
        if hour is None or minute is None:
            return None
        if match[1] in _PM and hour < 12:
            hour += 12
        if match[1] == "中午" and hour < 6:
            hour += 12
        return _safe_time(hour, minute)
    if match := _EN_TIME.match(text):
        hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "")
        if half.startswith("p") and hour < 12:
            hour += 12
        elif half.startswith("a") and hour == 12:
            hour = 0
        return _safe_time(hour, minute)
    return None


def _number(text: str) -> int | None:
    """0-59 in digits or Chinese numerals (九, 十, 十二, 二十五)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        high = _CN_DIGITS.get(tens, -1) if tens else 1
        low = _CN_DIGITS.get(ones, -1) if ones else 0
        return None if high < 0 or low < 0 else high * 10 + low
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


def _safe_time(hour: int, minute: int) -> time | None:
    return time(hour, minute) if 0 <= hour < 24 and 0 <= minute < 60 else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
