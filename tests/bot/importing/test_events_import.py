"""Staff import of events: every bad row reported by number and nothing kept, or all kept."""

from __future__ import annotations

import csv
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.cli import main
from bot.importing.events import import_events
from models.db import Sessions
from models.events import Event

HEADER = ["kind", "topic", "title_zh", "title_en", "starts_at", "ends_at", "venue_zh",
          "capacity", "employers"]
GOOD = [
    ["lecture", "legal", "法律知识讲座", "Legal knowledge", "2026-12-20 14:00",
     "2026-12-20 15:30", "区职工服务中心", "40", ""],
    ["job_fair", "", "大型招聘会", "Job fair", "2026-12-22 09:00", "2026-12-22 12:00",
     "区职工服务中心", "", "餐饮、物业企业"],
    ["training", "", "创业培训", "", "2026/12/28 09:30", "2026-12-28T16:00", "", "25", ""],
]
BAD = [
    ["lecture", "cooking", "讲座", "", "2026-12-20 14:00", "2026-12-20 15:30", "", "40", ""],
    ["concert", "", "音乐会", "", "2026-12-21 14:00", "2026-12-21 13:00", "", "-3", ""],
    ["training", "", "", "", "next Tuesday", "2026-12-28 16:00", "", "ten", ""],
]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return path


async def _count(sessions: Sessions) -> int:
    async with sessions.begin() as session:
        return int(await session.scalar(select(func.count()).select_from(Event)) or 0)


async def test_a_bad_file_lists_every_problem_and_imports_nothing(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "events.csv", [GOOD[0], *BAD])
    async with sessions.begin() as session:
        report = await import_events(session, path)
    assert not report.ok and report.imported == 0
    assert report.errors == [
        "row 3, topic: a lecture needs a topic: rights, mental_health, wellness or legal",
        "row 4, kind: 'concert' is not job_fair, training or lecture",
        "row 4, ends_at: must be after starts_at",
        "row 4, capacity: '-3' is not a positive whole number",
        "row 5, title_zh: empty",
        "row 5, starts_at: 'next Tuesday' is not a date and time like 2026-12-05 14:00",
        "row 5, capacity: 'ten' is not a positive whole number",
    ]
    assert await _count(sessions) == 0


async def test_a_good_csv_is_imported_in_beijing_time(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "events.csv", GOOD)
    async with sessions.begin() as session:
        report = await import_events(session, path)
    assert report.ok and report.imported == 3
    async with sessions.begin() as session:
        lecture = await session.scalar(select(Event).where(Event.topic == "legal"))
    assert lecture is not None
    assert lecture.starts_at == datetime(2026, 12, 20, 6, 0, tzinfo=UTC)
    assert lecture.capacity == 40 and not lecture.demo


async def test_a_good_xlsx_is_imported(sessions: Sessions, tmp_path: Path) -> None:
    rows: list[list[object]] = [list(GOOD[0]), list(GOOD[1])]
    rows[0][4], rows[0][5], rows[0][7] = datetime(2026, 12, 20, 14), datetime(2026, 12, 20, 15), 40
    path = _xlsx(tmp_path / "events.xlsx", rows)
    async with sessions.begin() as session:
        report = await import_events(session, path)
    assert report.errors == [] and report.imported == 2
    assert await _count(sessions) == 2


async def test_a_missing_column_is_named(sessions: Sessions, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("kind,title_zh\nlecture,讲座\n", encoding="utf-8")
    async with sessions.begin() as session:
        report = await import_events(session, path)
    assert report.errors == ["row 1, header: missing column(s): starts_at, ends_at"]


def test_the_command_line_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("UNIONBOT_DATABASE__URL", url)
    monkeypatch.chdir(tmp_path)
    bad = _csv(tmp_path / "bad.csv", BAD)
    assert main(["import", "events", str(bad)]) == 1
    assert "row 3, kind: 'concert'" in capsys.readouterr().err
    good = _csv(tmp_path / "good.csv", GOOD)
    assert main(["import", "events", str(good)]) == 0
    assert "events: 3 rows imported" in capsys.readouterr().out
    with closing(sqlite3.connect(tmp_path / "cli.db")) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone() == (3,)
