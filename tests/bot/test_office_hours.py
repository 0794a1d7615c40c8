"""Office hours: when staff next answer, and the [handoff] settings' checks."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, load_settings
from bot.office_hours import next_opening

BEIJING = ZoneInfo("Asia/Shanghai")
WEEKDAYS = frozenset(range(5))
HOURS = (time(9, 0), time(17, 30))


@pytest.mark.parametrize(("local", "expected"), [
    (datetime(2026, 12, 2, 10, 0), None),  # Wednesday morning: open
    (datetime(2026, 12, 2, 8, 59), datetime(2026, 12, 2, 9, 0)),
    (datetime(2026, 12, 2, 17, 30), datetime(2026, 12, 3, 9, 0)),
    (datetime(2026, 12, 4, 18, 0), datetime(2026, 12, 7, 9, 0)),  # Friday evening
    (datetime(2026, 12, 6, 12, 0), datetime(2026, 12, 7, 9, 0)),  # Sunday
])
def test_next_opening(local: datetime, expected: datetime | None) -> None:
    got = next_opening(local.replace(tzinfo=BEIJING), WEEKDAYS, HOURS)
    assert got == (None if expected is None else expected.replace(tzinfo=BEIJING))


def test_handoff_settings_are_checked() -> None:
    settings = load_settings(None, handoff={"staff_chat": "telegram:-1001234",
                                            "office_days": "mon,wed-fri"})
    assert settings.handoff.days == frozenset({0, 2, 3, 4})
    for bad, key in [({"staff_chat": "-1001234"}, "handoff.staff_chat"),
                     ({"office_hours": "17:30-09:00"}, "handoff.office_hours"),
                     ({"office_hours": "9-5"}, "handoff.office_hours"),
                     ({"office_days": "fri-mon"}, "handoff.office_days"),
                     ({"office_days": "weekdays"}, "handoff.office_days")]:
        with pytest.raises(ConfigError, match=key):
            load_settings(None, handoff=bad)
