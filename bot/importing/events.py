"""Staff import of job fairs, training classes and lectures from a CSV or .xlsx sheet.

Columns: kind, topic, title_zh, title_en, description_zh, description_en, starts_at, ends_at
(Asia/Shanghai local time, "2026-12-05 14:00"), venue_zh, venue_en, organiser, employers,
capacity (empty: no limit). Every row is checked; one bad row and nothing is imported.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.importing.tabular import ImportReport, Row, TableError, read_table
from models.events import Event, EventKind, Topic

REQUIRED = ("kind", "title_zh", "starts_at", "ends_at")
TEXT_LIMITS = {
    "title_zh": 200, "title_en": 200, "venue_zh": 200, "venue_en": 200, "organiser": 200,
    "description_zh": 4000, "description_en": 4000, "employers": 4000,
}
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
                "%Y/%m/%d %H:%M")
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def import_events(
    session: AsyncSession, path: Path, *, zone: ZoneInfo = SHANGHAI
) -> ImportReport:
    """Adds every event in the sheet, or none: the report lists each problem by row."""
    try:
        rows = read_table(path)
    except TableError as exc:
        return ImportReport(errors=[str(exc)])
    return await import_event_rows(session, rows, zone=zone)


async def import_event_rows(
    session: AsyncSession, rows: list[Row], *, zone: ZoneInfo = SHANGHAI
) -> ImportReport:
    """The rows of a sheet already read: all of them, or none."""
    report = ImportReport()
    if not rows:
        report.errors.append("the sheet has no rows below the header")
        return report
    missing = [name for name in REQUIRED if name not in rows[0].values]
    if missing:
        report.add(1, "header", f"missing column(s): {', '.join(missing)}")
        return report
    events = [event for row in rows if (event := _event(row, report, zone)) is not None]
    if report.ok:
        session.add_all(events)
        await session.flush()
        report.imported = len(events)
    return report


def _event(row: Row, report: ImportReport, zone: ZoneInfo) -> Event | None:
    before = len(report.errors)
    values = row.values
    kind = values.get("kind", "").lower()
    if kind not in {k.value for k in EventKind}:
        report.add(row.number, "kind", f"{kind!r} is not job_fair, training or lecture")
    topic = values.get("topic", "").lower() or None
    if kind == EventKind.LECTURE.value and topic not in {t.value for t in Topic}:
        report.add(row.number, "topic",
                   "a lecture needs a topic: rights, mental_health, wellness or legal")
    elif kind != EventKind.LECTURE.value and topic is not None:
        report.add(row.number, "topic", "only lectures have a topic")
    if not values.get("title_zh"):
        report.add(row.number, "title_zh", "empty")
    for name, limit in TEXT_LIMITS.items():
        if len(values.get(name, "")) > limit:
            report.add(row.number, name, f"longer than {limit} characters")
    starts = _when(row, "starts_at", report, zone)
    ends = _when(row, "ends_at", report, zone)
    if starts is not None and ends is not None and starts >= ends:
        report.add(row.number, "ends_at", "must be after starts_at")
    capacity = _capacity(row, report)
    if len(report.errors) > before or starts is None or ends is None:
        return None
    return Event(
        kind=kind, topic=topic, starts_at=starts, ends_at=ends, capacity=capacity, taken=0,
        demo=False, **{name: values.get(name, "") for name in TEXT_LIMITS},
    )


def _when(row: Row, column: str, report: ImportReport, zone: ZoneInfo) -> datetime | None:
    text = row.values.get(column, "")
    for pattern in DATE_FORMATS:
        try:
            local = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
    report.add(row.number, column, f"{text!r} is not a date and time like 2026-12-05 14:00")
    return None


def _capacity(row: Row, report: ImportReport) -> int | None:
    text = row.values.get("capacity", "")
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,7}", text) or int(text) < 1:
        report.add(row.number, "capacity", f"{text!r} is not a positive whole number")
        return None
    return int(text)
