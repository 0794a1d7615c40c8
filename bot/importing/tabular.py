"""Reads a staff spreadsheet (CSV or .xlsx) into rows of strings keyed by the header row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

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
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _rows(_csv_cells(path))
    if suffix == ".xlsx":
        return _rows(_xlsx_cells(path))
    raise TableError(f"{path.name}: expected a .csv or .xlsx file")


def _csv_cells(path: Path) -> list[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(f"{path.name}: not UTF-8 text (save the CSV as UTF-8)") from None
    return [list(row) for row in csv.reader(io.StringIO(text))]


def _xlsx_cells(path: Path) -> list[list[str]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
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


def _rows(cells: list[list[str]]) -> list[Row]:
    if not cells or not any(cells[0]):
        raise TableError("the first row must name the columns")
    if len(cells) > MAX_ROWS + 1:
        raise TableError(f"more than {MAX_ROWS} rows")
    header = [name.strip().lower() for name in cells[0]]
    rows = []
    for number, raw in enumerate(cells[1:], start=2):
        if not any(value.strip() for value in raw):
            continue
        padded = [*raw, *[""] * (len(header) - len(raw))]
        values = {name: padded[i].strip() for i, name in enumerate(header) if name}
        rows.append(Row(number, values))
    return rows
