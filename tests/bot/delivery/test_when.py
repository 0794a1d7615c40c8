"""Staff type a time the way they would say it; the bot reads it in Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.when import parse_when

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 10:00 in Beijing


def local(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BEIJING)


@pytest.mark.parametrize(("typed", "meant"), [
    ("明天上午9点", local(2, 9)),
    ("明天下午3点半", local(2, 15, 30)),
    ("今天晚上8点", local(1, 20)),
    ("后天 9:30", local(3, 9, 30)),
    ("下周一 9:00", local(7, 9)),
    ("下周一上午九点", local(7, 9)),
    ("周五 19:00", local(4, 19)),
    ("星期五下午七点", local(4, 19)),
    ("12月3日 9点30分", local(3, 9, 30)),
    ("2小时后", local(1, 12)),
    ("两个小时后", local(1, 12)),
    ("30分钟后", local(1, 10, 30)),
    ("tomorrow 9am", local(2, 9)),
    ("Tomorrow at 9:30 pm", local(2, 21, 30)),
    ("next Monday 9:00", local(7, 9)),
    ("friday 7pm", local(4, 19)),
    ("in 2 hours", local(1, 12)),
    ("in an hour", local(1, 11)),
    ("in 45 minutes", local(1, 10, 45)),
    ("2026-12-01 09:00", local(1, 9)),
    ("2026-12-24T18:00", local(24, 18)),
    ("15:00", local(1, 15)),
    ("9:00", local(2, 9)),  # 09:00 has passed today: tomorrow's
])
def test_natural_times_in_chinese_and_english(typed: str, meant: datetime) -> None:
    assert parse_when(typed, now=NOW, zone=BEIJING) == meant


@pytest.mark.parametrize("typed", [
    "", "明天", "tomorrow", "sometimes", "25:00", "明天上午25点", "2026-12-01", "下周八 9:00",
    "in lots of hours",
])
def test_what_is_not_a_time_is_not_guessed(typed: str) -> None:
    assert parse_when(typed, now=NOW, zone=BEIJING) is None


def test_a_past_time_is_read_as_past_so_the_caller_can_refuse_it() -> None:
    parsed = parse_when("2026-11-30 09:00", now=NOW, zone=BEIJING)
    assert parsed is not None and parsed < NOW
