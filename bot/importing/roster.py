"""`unionbot import roster FILE`: members from workplace unions, all or nothing.

Columns: card_number, name, phone, workplace_union. A card already on file is updated, so
staff can re-import a corrected list; an entry the file leaves as it was is not written. The
file is read as a stream and written in batches: one existence query per batch, then the new
cards in one bulk write and the changed ones in one UPDATE (on PostgreSQL COPY and an UPDATE
joined to the batch's arrays; on SQLite executemany). The caller's transaction is rolled back
if any row is bad, and every bad row is listed.

The queries and writes go to the database driver itself, with the phone sealed and its blind
index made here, exactly as `models.roster.RosterEntry`'s column types would: at 100,000 rows
SQLAlchemy's per-row statement work cost more than reading, checking and sealing the rows.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.importing.checks import PHONE, Cells, missing_columns
from bot.importing.tabular import ImportReport, Row
from models.crypto import Keyring, SealError, active_keyring, sealed_key_id

REQUIRED = ("card_number", "name", "phone")
CARD = re.compile(r"^\d{16,19}$")
SPACES_AND_DASHES = re.compile(r"[\s-]")
NOT_DIGITS = re.compile(r"\D")
BATCH = 2000  # rows per existence query and write; well under both databases' parameter limits
YIELD_EVERY = 100  # rows read between two looks at the batch being written
# SQLite's page cache during an import (KiB): with the default 2 MB the three indexes of a
# 100,000-row roster spill out of the cache and each insert costs twice the CPU. Set back after.
SQLITE_CACHE = -16384

Entry = tuple[str, str, str, str]  # card_number, name, phone, workplace_union
OnFile = tuple[Any, ...]  # id, name, sealed phone, phone_index, workplace_union
NEW_COLUMNS = ("card_number", "name", "phone", "phone_index", "workplace_union", "demo")
SQLITE_INSERT = ("INSERT INTO roster (card_number, name, phone, phone_index, workplace_union, "
                 "demo) VALUES (?, ?, ?, ?, ?, 0)")
SQLITE_UPDATE = ("UPDATE roster SET name = ?, phone = ?, phone_index = ?, workplace_union = ? "
                 "WHERE id = ?")
ON_FILE = "SELECT card_number, id, name, phone, phone_index, workplace_union FROM roster"
SQLITE_ON_FILE = ON_FILE + " WHERE card_number IN ({marks})"
POSTGRES_ON_FILE = ON_FILE + " WHERE card_number = ANY($1::text[])"
# One statement per batch: the rows travel as arrays, the server joins them to the roster.
POSTGRES_UPDATE = (
    "UPDATE roster SET name = u.name, phone = u.phone, phone_index = u.phone_index, "
    "workplace_union = u.workplace_union FROM unnest($1::text[], $2::text[], $3::text[], "
    "$4::text[], $5::int[]) AS u(name, phone, phone_index, workplace_union, id) "
    "WHERE roster.id = u.id")


class _RosterCheck:
    """Checks rows one at a time; remembers card numbers to find duplicates across the file."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.seen: dict[str, int] = {}

    def entry(self, row: Row) -> Entry:
        values = row.values
        card, name = values.get("card_number", ""), values.get("name", "")
        phone, union = values.get("phone", ""), values.get("workplace_union", "")
        # Most rows are already as they will be stored: nothing to strip, nothing to report.
        if (CARD.match(card) and 0 < len(name) <= 64 and PHONE.match(phone)
                and len(union) <= 120 and card not in self.seen):
            self.seen[card] = row.number
            return card, name, phone, union
        return self._checked(row)

    def _checked(self, row: Row) -> Entry:
        cells = Cells(row, self.report)
        card = SPACES_AND_DASHES.sub("", cells.text("card_number"))
        if card and not CARD.match(card):
            self.report.add(row.number, "card_number", f"not 16-19 digits: {card!r}")
        first = self.seen.setdefault(card, row.number)
        if first != row.number:
            self.report.add(row.number, "card_number", f"duplicate of row {first}")
        phone = cells.phone("phone", required=True)
        return (card, cells.text("name", limit=64), phone,
                cells.text("workplace_union", required=False, limit=120))


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
    """Writes as it reads, inside a savepoint that is rolled back when any row is bad: then
    nothing is kept even if the caller commits (the console records its audit line)."""
    report = ImportReport()
    savepoint = await session.begin_nested()
    try:
        await _import(session, rows, report)
    except BaseException:
        await savepoint.rollback()
        raise
    if report.ok:
        await savepoint.commit()
    else:
        await savepoint.rollback()
        report.imported = 0
    return report


async def _import(session: AsyncSession, rows: Iterable[Row], report: ImportReport) -> None:
    check = _RosterCheck(report)
    async with _Writer(session, active_keyring()) as writer:
        batch: list[Entry] = []
        count = 0
        for row in rows:
            if count == 0 and missing_columns([row], REQUIRED, report):
                return
            count += 1
            entry = check.entry(row)
            if report.ok:  # after the first bad row, only checking: nothing will be kept
                batch.append(entry)
            if len(batch) >= BATCH:
                await writer.send(batch)
                batch = []
            elif count % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # the batch being written takes its next step
        if count == 0:
            report.errors.append("the file has no data rows")
        if report.ok:
            await writer.send(batch)
            report.imported = count


class _Writer:
    """Writes checked rows in the session's transaction, through the driver's bulk paths.

    One batch is written while the next is read and checked (the database works beside
    Python), so leaving the `async with` waits for the last write and reraises its error."""

    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self.session, self.keyring = session, keyring
        self.index_key = keyring.current.index_key
        self.pending: asyncio.Task[None] | None = None
        self.driver: Any = None
        self.postgres = False
        self.cache_size: int | None = None

    async def __aenter__(self) -> _Writer:
        # Inside the caller's transaction (and savepoint): the driver's writes are part of it.
        connection = await self.session.connection()
        self.driver = (await connection.get_raw_connection()).driver_connection
        self.postgres = connection.dialect.name == "postgresql"
        if not self.postgres:
            self.cache_size = await self._sqlite_cache(SQLITE_CACHE)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, *_exc: object) -> None:
        pending, self.pending = self.pending, None
        try:
            if pending is not None and kind is not None:
                pending.cancel()  # rolled back anyway: the error in hand is the one to tell
                await asyncio.gather(pending, return_exceptions=True)
            elif pending is not None:
                await pending
        finally:
            if self.cache_size is not None:
                await self._sqlite_cache(self.cache_size)

    async def send(self, batch: list[Entry]) -> None:
        """Waits for the batch before (the connection does one thing at a time), then starts
        writing this one."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            await pending
        if batch:
            self.pending = asyncio.create_task(self._write(batch))
            await asyncio.sleep(0)  # sends the existence query

    def phone_index(self, phone: str) -> str:
        """`models.roster.phone_index` under the current key, without its per-call lookups."""
        digits = NOT_DIGITS.sub("", phone)[-11:].encode("ascii")
        return hmac.digest(self.index_key, digits, "sha256").hex()[:32]

    def unchanged(self, on_file: OnFile, name: str, phone: str, union: str) -> bool:
        """The entry on file already says this, sealed and indexed under the current key."""
        _id, stored_name, sealed, stored_index, stored_union = on_file
        return (stored_name == name and stored_union == union
                and sealed_key_id(sealed) == self.keyring.current.id
                and stored_index == self.phone_index(phone) and self._opens_to(sealed, phone))

    def _opens_to(self, sealed: str, phone: str) -> bool:
        try:
            return self.keyring.open_text(sealed) == phone
        except (SealError, ValueError):  # damaged on file: the import writes it afresh
            return False

    async def _on_file(self, cards: list[str]) -> dict[str, OnFile]:
        """The entries on file among these cards, by card number (phones as stored)."""
        if self.postgres:
            rows = await self.driver.fetch(POSTGRES_ON_FILE, cards)
        else:
            marks = ", ".join("?" * len(cards))
            cursor = await self.driver.execute(SQLITE_ON_FILE.format(marks=marks), cards)
            rows = await cursor.fetchall()
            await cursor.close()
        return {row[0]: tuple(row[1:]) for row in rows}

    async def _write(self, batch: list[Entry]) -> None:
        existing = await self._on_file([entry[0] for entry in batch])
        seal, index = self.keyring.seal_text, self.phone_index
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        for card, name, phone, union in batch:
            on_file = existing.get(card)
            if on_file is None:
                new.append((card, name, seal(phone), index(phone), union))
            elif not self.unchanged(on_file, name, phone, union):  # else: no write at all
                changed.append((name, seal(phone), index(phone), union, on_file[0]))
        if self.postgres:
            if new:
                await self.driver.copy_records_to_table(
                    "roster", records=[(*row, False) for row in new], columns=NEW_COLUMNS)
            if changed:
                await self.driver.execute(POSTGRES_UPDATE, *map(list, zip(*changed, strict=True)))
            return
        for statement, rows in ((SQLITE_INSERT, new), (SQLITE_UPDATE, changed)):
            if rows:
                await (await self.driver.executemany(statement, rows)).close()

    async def _sqlite_cache(self, size: int) -> int:
        """Sets this connection's page cache (in pages, or KiB when negative); the old size."""
        cursor = await self.driver.execute("PRAGMA cache_size")
        old = int((await cursor.fetchone())[0])
        await cursor.close()
        await (await self.driver.execute(f"PRAGMA cache_size = {int(size)}")).close()
        return old
