"""Reads a staff spreadsheet (CSV or .xlsx) into rows of strings keyed by the header row."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

MAX_ROWS = 100_000


class TableError(Exception):
    """The file as a whole cannot be read (wrong type, no header, too large)."""


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # as the staff member sees it in their spreadsheet: the header is row 1
    values: dict[str, str]


@dataclass
class ImportReport:
    """What an import did: rows imported, or every error by row number (and nothing imported)."""

    imported: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, row: int, column: str, problem: str) -> None:
        self.errors.append(f"row {row}, {column}: {problem}")

    @property
    def ok(self) -> bool:
        return not self.errors


def read_table(path: Path) -> list[Row]:
    return list(iter_table(path))


def iter_table(path: Path) -> Iterator[Row]:
    """The rows one by one, reading the file as they are taken: a large roster is never all in
    memory. Raises TableError at the first row for a wrong file, later for a bad row count."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _rows(_csv_cells(path))
    if suffix == ".xlsx":
        return _rows(_xlsx_cells(path))
    raise TableError(f"{path.name}: expected a .csv or .xlsx file")


def count_rows(path: Path) -> int | None:
    """About how many data rows the file has (for a progress bar), or None if unknown."""
    if path.suffix.lower() == ".csv":
        with path.open("rb") as file:
            return max(sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))
                       - 1, 0)
    return None


def _csv_cells(path: Path) -> Iterator[list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            yield from csv.reader(file)
    except UnicodeDecodeError:
        raise TableError(f"{path.name}: not UTF-8 text (save the CSV as UTF-8)") from None


def _xlsx_cells(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook  # here: it loads numpy, which a CSV does not need

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else \
            value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(cells: Iterable[list[str]]) -> Iterator[Row]:
    lines = iter(cells)
    first = next(lines, None)
    if not first or not any(first):
        raise TableError("the first row must name the columns")
    header = [name.strip().lower() for name in first]
    named = [(i, name) for i, name in enumerate(header) if name]
    for number, raw in enumerate(lines, start=2):
        if number > MAX_ROWS + 1:
            raise TableError(f"more than {MAX_ROWS} rows")
        if not "".join(raw).strip():  # a blank line
            continue
        if len(raw) < len(header):
            raw = [*raw, *[""] * (len(header) - len(raw))]
        yield Row(number, {name: raw[i].strip() for i, name in named})
