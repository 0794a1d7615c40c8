"""`unionbot import roster FILE`: members from workplace unions, all or nothing.

Columns: card_number, name, phone, workplace_union. A card already on file is updated, so
staff can re-import a corrected list. The file is read as a stream and written in batches:
one existence query per batch, then one multi-row INSERT and one executemany UPDATE; the
caller's transaction is rolled back if any row is bad, and every bad row is listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.importing.checks import Cells, missing_columns
from bot.importing.tabular import ImportReport, Row
from models.roster import RosterEntry, phone_index

REQUIRED = ("card_number", "name", "phone")
CARD = re.compile(r"^\d{16,19}$")
ROSTER = cast(Table, RosterEntry.__table__)
BATCH = 2000  # rows per existence query and write; well under both databases' parameter limits


class _RosterCheck:
    """Checks rows one at a time; remembers card numbers to find duplicates across the file."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.seen: dict[str, int] = {}

    def entry(self, row: Row) -> dict[str, Any]:
        cells = Cells(row, self.report)
        card = re.sub(r"[\s-]", "", cells.text("card_number"))
        if card and not CARD.match(card):
            self.report.add(row.number, "card_number", f"not 16-19 digits: {card!r}")
        if card in self.seen:
            self.report.add(row.number, "card_number", f"duplicate of row {self.seen[card]}")
        self.seen.setdefault(card, row.number)
        phone = cells.phone("phone", required=True)
        return {"card_number": card, "name": cells.text("name", limit=64), "phone": phone,
                "phone_index": phone_index(phone) if phone else "",
                "workplace_union": cells.text("workplace_union", required=False, limit=120)}


def check_roster(rows: Iterable[Row], report: ImportReport) -> None:
    """Checks every row and writes nothing (the console's dry run)."""
    check = _RosterCheck(report)
    count = 0
    for row in rows:
        if count == 0 and missing_columns([row], REQUIRED, report):
            return
        count += 1
        check.entry(row)
    if count == 0:
        report.errors.append("the file has no data rows")


async def import_roster(session: AsyncSession, rows: Iterable[Row]) -> ImportReport:
    """Writes as it reads; when `report.ok` is false the caller must roll back."""
    report = ImportReport()
    check = _RosterCheck(report)
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        if count == 0 and missing_columns([row], REQUIRED, report):
            return report
        count += 1
        entry = check.entry(row)
        if report.ok:  # after the first bad row, only checking: nothing will be kept
            batch.append(entry)
        if len(batch) >= BATCH:
            await _write(session, batch)
            batch = []
    if count == 0:
        report.errors.append("the file has no data rows")
    if report.ok:
        await _write(session, batch)
        report.imported = count
    return report


async def _write(session: AsyncSession, batch: list[dict[str, Any]]) -> None:
    if not batch:
        return
    cards = [entry["card_number"] for entry in batch]
    found = await session.execute(
        select(RosterEntry.card_number, RosterEntry.id).where(RosterEntry.card_number.in_(cards))
    )
    existing: dict[str, int] = {card: row_id for card, row_id in found}
    new = [entry for entry in batch if entry["card_number"] not in existing]
    changed = [{**entry, "row_id": existing[entry["card_number"]]} for entry in batch
               if entry["card_number"] in existing]
    # Core statements on the table: the ORM's bulk paths cost as much again per row.
    if new:
        await session.execute(insert(ROSTER), new)
    if changed:
        await session.execute(
            update(ROSTER).where(ROSTER.c.id == bindparam("row_id"))
            .values(name=bindparam("name"), phone=bindparam("phone"),
                    phone_index=bindparam("phone_index"),
                    workplace_union=bindparam("workplace_union")),
            changed,
        )
