"""Cell checks shared by staff imports: each returns a value or records a problem."""

from __future__ import annotations

import re
from datetime import date

from bot.importing.tabular import ImportReport, Row

# mobiles, landlines with an area code, and 8-digit Beijing landlines without one
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|[2-8]\d{7})$")
PHONE_SPACING = re.compile(r"[\s()]")
DAY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$")


class Cells:
    """Reads one row's cells, adding each problem to the report with the row number."""

    def __init__(self, row: Row, report: ImportReport) -> None:
        self.row, self.report = row, report

    def text(self, column: str, *, required: bool = True, limit: int = 200) -> str:
        value = self.row.values.get(column, "")
        if required and not value:
            self.report.add(self.row.number, column, "required")
        elif len(value) > limit:
            self.report.add(self.row.number, column, f"longer than {limit} characters")
        return value

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if not value:
            return None
        match = DAY.match(value)
        try:
            if match is None:
                raise ValueError(value)
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            self.report.add(self.row.number, column,
                            f"not a date (2026-11-20 or 2026/11/20): {value!r}")
            return None

    def number(self, column: str, low: float, high: float) -> float | None:
        value = self.text(column)
        if not value:
            return None
        try:
            parsed = float(value)
        except ValueError:
            self.report.add(self.row.number, column, f"not a number: {value!r}")
            return None
        if not low <= parsed <= high:
            self.report.add(self.row.number, column, f"{parsed} is outside {low}..{high}")
            return None
        return parsed

    def phone(self, column: str, *, required: bool) -> str:
        value = PHONE_SPACING.sub("", self.text(column, required=required))
        value = value.removeprefix("+86")
        if value and not PHONE.match(value):
            self.report.add(self.row.number, column, f"not a phone number: {value!r}")
        return value

    def choice(self, column: str, allowed: tuple[str, ...],
               aliases: dict[str, str] | None = None) -> str:
        """One of `allowed`, or another name for one of them (a category's Chinese name)."""
        value = self.text(column).strip().lower()
        value = (aliases or {}).get(value, value)
        if value and value not in allowed:
            self.report.add(self.row.number, column,
                            f"{value!r} is not one of {', '.join(allowed)}")
        return value


def missing_columns(rows: list[Row], required: tuple[str, ...], report: ImportReport) -> bool:
    """Adds one error per missing column; True if any is missing."""
    present = set(rows[0].values) if rows else set(required)
    missing = [column for column in required if column not in present]
    for column in missing:
        report.errors.append(f"column {column!r} is missing (row 1)")
    return bool(missing)
