"""`unionbot keys rotate`: everything sealed under the current master key.

Documents keep their content encryption: only the data key in each file's header is
re-wrapped (a plaintext file of an older install is sealed whole). Sealed columns are opened
and sealed again, plaintext ones sealed, and the phone blind index recomputed. Work goes in
small committed batches and atomic file replacements, skipping what is already under the
current key, so a killed rotation resumes where it stopped and the bot keeps serving.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, Text, literal, select, type_coerce, update

from bot import documents
from models.crypto import Keyring, sealed_key_id
from models.db import Sessions
from models.handoff import HandoffMessage
from models.mutual_aid import Claim
from models.roster import RosterEntry

BATCH = 200
SEALED: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (RosterEntry.metadata.tables["roster"], ("phone",)),
    (Claim.metadata.tables["claims"], ("description", "reason")),
    (HandoffMessage.metadata.tables["handoff_messages"], ("text",)),
)


@dataclass
class RotationReport:
    values: int = 0
    files: int = 0
    unreadable: int = 0


async def rotate(sessions: Sessions, keyring: Keyring, data_dir: Path) -> RotationReport:
    report = RotationReport()
    for table, columns in SEALED:
        report.values += await _rotate_table(sessions, keyring, table, columns)
    await asyncio.to_thread(_rotate_files, keyring, data_dir, report)
    return report


async def _rotate_table(sessions: Sessions, keyring: Keyring, table: Table,
                        columns: tuple[str, ...]) -> int:
    raw = [type_coerce(table.c[name], Text).label(name) for name in columns]
    changed, after = 0, 0
    while True:
        async with sessions.begin() as session:
            rows = (await session.execute(select(table.c.id, *raw).where(table.c.id > after)
                                          .order_by(table.c.id).limit(BATCH))).all()
            for row in rows:
                values = _resealed(keyring, table, row._mapping, columns)
                if values:
                    await session.execute(update(table).where(table.c.id == row.id)
                                          .values(values))
                    changed += 1
        if len(rows) < BATCH:
            return changed
        after = rows[-1].id


def _resealed(keyring: Keyring, table: Table, row: Any, columns: tuple[str, ...]
              ) -> dict[Column[Any], Any]:
    values: dict[Column[Any], Any] = {}
    for name in columns:
        stored = row[name]
        if stored is None or sealed_key_id(stored) == keyring.current.id:
            continue
        plain = keyring.open_text(stored)
        values[table.c[name]] = literal(keyring.seal_text(plain), Text)
        if name == "phone":
            digits = "".join(c for c in plain if c.isdigit())[-11:]
            values[table.c.phone_index] = keyring.blind_index(digits)
    return values


def _rotate_files(keyring: Keyring, data_dir: Path, report: RotationReport) -> None:
    base = documents.documents_dir(data_dir)
    for path in sorted(base.glob("*/*.*")) if base.is_dir() else ():
        if path.name.endswith(".part"):
            continue
        try:
            rewrapped = documents.rewrap(path.read_bytes(), keyring)
        except documents.DocumentUnreadable:
            report.unreadable += 1
            continue
        if rewrapped is not None:
            documents.write_private(path, rewrapped, data_dir)
            report.files += 1
