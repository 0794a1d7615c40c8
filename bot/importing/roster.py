"""`unionbot import roster FILE`: members from workplace unions, all or nothing.

Columns: card_number, name, phone, workplace_union. A card already on file is updated, so
staff can re-import a corrected list.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from bot.importing.checks import Cells, missing_columns
from bot.importing.tabular import ImportReport, Row
from models.roster import RosterEntry, find_roster_entry

REQUIRED = ("card_number", "name", "phone")
CARD = re.compile(r"^\d{16,19}$")


def check_roster(rows: list[Row], report: ImportReport) -> list[RosterEntry]:
    if not rows:
        report.errors.append("the file has no data rows")
    if not rows or missing_columns(rows, REQUIRED, report):
        return []
    entries: list[RosterEntry] = []
    seen: dict[str, int] = {}
    for row in rows:
        cells = Cells(row, report)
        card = re.sub(r"[\s-]", "", cells.text("card_number"))
        if card and not CARD.match(card):
            report.add(row.number, "card_number", f"not 16-19 digits: {card!r}")
        if card in seen:
            report.add(row.number, "card_number", f"duplicate of row {seen[card]}")
        seen.setdefault(card, row.number)
        entries.append(RosterEntry(
            card_number=card, name=cells.text("name", limit=64),
            phone=cells.phone("phone", required=True),
            workplace_union=cells.text("workplace_union", required=False, limit=120),
        ))
    return entries


async def import_roster(session: AsyncSession, rows: list[Row]) -> ImportReport:
    report = ImportReport()
    entries = check_roster(rows, report)
    if not report.ok:
        return report
    for entry in entries:
        existing = await find_roster_entry(session, entry.card_number)
        if existing is None:
            session.add(entry)
        else:
            existing.name, existing.phone = entry.name, entry.phone
            existing.workplace_union = entry.workplace_union
    report.imported = len(entries)
    return report
