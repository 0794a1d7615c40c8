"""`unionbot import merchants|roster FILE`: every bad row listed, all or nothing."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Text, func, select, text, type_coerce

import models
from bot.cli import main
from bot.importing.roster import import_roster
from bot.importing.tabular import Row
from models.crypto import Keyring, MasterKey, sealed_key_id, use_keyring
from models.db import Sessions, make_engine
from models.discounts import Merchant
from models.roster import RosterEntry, find_roster_by_phone

MERCHANT_HEADER = ["name_zh", "name_en", "category", "offer_zh", "offer_en", "address",
                   "district", "latitude", "longitude", "phone", "valid_from", "valid_to"]
GOOD_MERCHANT = ["西单饺子馆", "Xidan Dumplings", "food", "九折", "10% off", "西单北大街1号",
                 "西城区", "39.9108", "116.3740", "010-66010001", "2026-01-01", "2026-12-31"]


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("UNIONBOT_DATABASE__URL", database_url)
    monkeypatch.chdir(tmp_path)

    async def run_cli(*args: str) -> int:
        return await asyncio.to_thread(main, list(args))

    return run_cli


async def _count(sessions: Sessions, model: type) -> int:
    async with sessions.begin() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8-sig")
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


async def test_a_good_roster_csv_is_imported(run, sessions, tmp_path, capsys) -> None:
    path = _csv(tmp_path / "roster.csv", [
        ["card_number", "name", "phone", "workplace_union"],
        ["6200 0000 0000 0001", "王芳", "13800000001", "西城区某单位工会"],
        ["6200000000000002", "李明", "+86 138 0000 0002", ""],
    ])
    assert await run("import", "roster", str(path)) == 0
    assert "roster: 2 rows imported" in capsys.readouterr().out
    assert await _count(sessions, RosterEntry) == 2


async def test_a_good_merchant_workbook_is_imported(run, sessions, tmp_path, capsys) -> None:
    second = [*GOOD_MERCHANT]
    second[0], second[7], second[8] = "护国寺小吃", 39.936, 116.3745
    second[10], second[11] = datetime(2026, 1, 1), datetime(2026, 12, 31)
    path = _xlsx(tmp_path / "merchants.xlsx", [MERCHANT_HEADER, GOOD_MERCHANT, second])
    assert await run("import", "merchants", str(path)) == 0
    assert await _count(sessions, Merchant) == 2
    assert await run("import", "merchants", str(path)) == 0, "a re-import updates"
    assert await _count(sessions, Merchant) == 2


async def test_chinese_categories_slash_dates_and_landlines_are_accepted(
        run, sessions, tmp_path) -> None:
    row = [*GOOD_MERCHANT]
    row[2], row[9], row[10], row[11] = "餐饮美食", "66010001", "2026/1/1", "2026.12.31"
    other = [*GOOD_MERCHANT]
    other[0], other[2], other[9] = "西单书店", "教育", "010 6601 0002"
    path = _csv(tmp_path / "merchants.csv", [MERCHANT_HEADER, row, other])
    assert await run("import", "merchants", str(path)) == 0
    async with sessions.begin() as session:
        found = list(await session.scalars(select(Merchant).order_by(Merchant.id)))
    assert [m.category for m in found] == ["food", "education"]
    assert str(found[0].valid_from)[:10] == "2026-01-01"


async def test_a_bad_merchant_file_lists_every_error_and_imports_nothing(
    run, sessions, tmp_path, capsys
) -> None:
    rows = [MERCHANT_HEADER, GOOD_MERCHANT]
    bad_coordinates = [*GOOD_MERCHANT]
    bad_coordinates[0], bad_coordinates[7], bad_coordinates[8] = "甲", "139.9", "east"
    bad_dates = [*GOOD_MERCHANT]
    bad_dates[0], bad_dates[10], bad_dates[11] = "乙", "2026-13-01", "2025-01-01"
    missing = [*GOOD_MERCHANT]
    missing[0], missing[3], missing[2], missing[9] = "丙", "", "pets", "12345"
    duplicate = [*GOOD_MERCHANT]
    rows += [bad_coordinates, bad_dates, missing, duplicate]
    path = _xlsx(tmp_path / "merchants.xlsx", rows)
    assert await run("import", "merchants", str(path)) == 1
    errors = capsys.readouterr().err
    for expected in ("row 3, latitude: 139.9 is outside -90..90",
                     "row 3, longitude: not a number: 'east'",
                     "row 4, valid_from: not a date (2026-11-20 or 2026/11/20): '2026-13-01'",
                     "row 5, offer_zh: required", "row 5, category: 'pets' is not one of",
                     "row 5, phone: not a phone number: '12345'",
                     "row 6, name_zh: duplicate of row 2", "nothing imported"):
        assert expected in errors
    assert await _count(sessions, Merchant) == 0


async def test_a_bad_roster_lists_every_error_and_imports_nothing(
    run, sessions, tmp_path, capsys
) -> None:
    path = _csv(tmp_path / "roster.csv", [
        ["card_number", "name", "phone"],
        ["6200000000000001", "王芳", "13800000001"],
        ["6200000000000001", "王小芳", "13800000003"],
        ["12345", "", "phone"],
    ])
    assert await run("import", "roster", str(path)) == 1
    errors = capsys.readouterr().err
    assert "row 3, card_number: duplicate of row 2" in errors
    assert "row 4, card_number: not 16-19 digits: '12345'" in errors
    assert "row 4, name: required" in errors
    assert "row 4, phone: not a phone number: 'phone'" in errors
    assert await _count(sessions, RosterEntry) == 0


async def test_a_file_without_required_columns_is_refused(run, sessions, tmp_path, capsys
                                                          ) -> None:
    path = _csv(tmp_path / "roster.csv", [["card", "name"], ["6200000000000001", "王芳"]])
    assert await run("import", "roster", str(path)) == 1
    errors = capsys.readouterr().err
    assert "column 'card_number' is missing" in errors and "column 'phone' is missing" in errors
    assert await run("import", "roster", str(tmp_path / "roster.txt")) == 1
    assert "expected a .csv or .xlsx file" in capsys.readouterr().err


async def test_a_bad_row_after_written_batches_still_imports_nothing(
    run, sessions, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr("bot.importing.roster.BATCH", 2)
    good = [[f"62000000000000{n:02d}", f"会员{n}", f"138000000{n:02d}"] for n in range(1, 8)]
    path = _csv(tmp_path / "roster.csv", [["card_number", "name", "phone"], *good,
                                          ["6200000000000099", "", "13800000099"]])
    assert await run("import", "roster", str(path)) == 1
    assert "row 9, name: required" in capsys.readouterr().err
    assert await _count(sessions, RosterEntry) == 0


async def test_a_corrected_roster_updates_the_cards_on_file(
    run, sessions, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr("bot.importing.roster.BATCH", 2)
    header = ["card_number", "name", "phone"]
    first = [["6200000000000001", "王芳", "13800000001"],
             ["6200000000000002", "李明", "13800000002"]]
    assert await run("import", "roster", str(_csv(tmp_path / "a.csv", [header, *first]))) == 0
    second = [["6200000000000002", "李明明", "13800000022"],
              ["6200000000000003", "张伟", "13800000003"]]
    assert await run("import", "roster", str(_csv(tmp_path / "b.csv", [header, *second]))) == 0
    async with sessions.begin() as session:
        names = dict((await session.execute(
            select(RosterEntry.card_number, RosterEntry.name))).all())
    assert names == {"6200000000000001": "王芳", "6200000000000002": "李明明",
                     "6200000000000003": "张伟"}


async def test_imported_phones_are_sealed_and_found_by_phone(
    run, sessions, tmp_path, capsys, monkeypatch
) -> None:
    """The bulk writes seal the phone and index it as the roster's own column types do: a
    member is found by phone (console search, binding), on file and after a correction."""
    monkeypatch.setattr("bot.importing.roster.BATCH", 2)
    header = ["card_number", "name", "phone", "workplace_union"]
    first = [["6200000000000001", "王芳", "138 0000 0001", "西城区教育工会"],
             ["6200000000000002", "李明", "+8613800000002", ""],
             ["6200000000000003", "张伟", "010-66010001", "西城区卫生工会"]]
    assert await run("import", "roster", str(_csv(tmp_path / "a.csv", [header, *first]))) == 0
    second = [["6200000000000002", "李明", "13900000002", "西城区商贸工会"]]
    assert await run("import", "roster", str(_csv(tmp_path / "b.csv", [header, *second]))) == 0
    async with sessions.begin() as session:
        stored = set(await session.scalars(select(type_coerce(RosterEntry.phone, Text))))
        found = {phone: [(e.card_number, e.phone, e.workplace_union, e.demo)
                         for e in await find_roster_by_phone(session, phone)]
                 for phone in ("13800000001", "13800000002", "13900000002", "01066010001")}
    assert all(value.startswith("enc1:") for value in stored) and len(stored) == 3
    assert found == {
        "13800000001": [("6200000000000001", "13800000001", "西城区教育工会", False)],
        "13800000002": [],
        "13900000002": [("6200000000000002", "13900000002", "西城区商贸工会", False)],
        "01066010001": [("6200000000000003", "010-66010001", "西城区卫生工会", False)],
    }


async def test_an_import_leaves_the_sqlite_page_cache_as_it_was(tmp_path) -> None:
    """The console imports on the bot's own connections: the larger cache an import takes
    must not stay with a pooled connection for the life of the bot."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(models.Base.metadata.create_all)
    pool = Sessions(engine)
    rows = [Row(2, {"card_number": "6200000000000001", "name": "王芳", "phone": "13800000001"})]
    async with pool.begin() as session:
        before = await session.scalar(text("PRAGMA cache_size"))
        report = await import_roster(session, rows)
        after = await session.scalar(text("PRAGMA cache_size"))
    await engine.dispose()
    assert report.ok and report.imported == 1
    assert after == before


async def test_a_re_import_rewrites_only_what_changed_or_a_rotated_key_sealed(
    sessions, keyring
) -> None:
    """Re-importing the same list writes nothing; a changed cell, or a phone sealed under a
    key that has since been rotated out, is written again under the current key."""
    header_row = {"card_number": "", "name": "", "phone": "", "workplace_union": ""}

    def rows(*entries: tuple[str, str, str, str]) -> list[Row]:
        return [Row(n, {**header_row, "card_number": card, "name": name, "phone": phone,
                        "workplace_union": union})
                for n, (card, name, phone, union) in enumerate(entries, start=2)]

    async def stored() -> dict[str, str]:
        async with sessions.begin() as session:
            return dict((await session.execute(select(
                RosterEntry.card_number, type_coerce(RosterEntry.phone, Text)))).all())

    first = [("6200000000000001", "王芳", "13800000001", "西城区教育工会"),
             ("6200000000000002", "李明", "13800000002", "")]
    async with sessions.begin() as session:
        assert (await import_roster(session, rows(*first))).imported == 2
    before = await stored()
    async with sessions.begin() as session:
        assert (await import_roster(session, rows(*first))).imported == 2
    assert await stored() == before
    async with sessions.begin() as session:
        await import_roster(session, rows(first[0], (*first[1][:3], "西城区卫生工会")))
    after = await stored()
    assert after["6200000000000001"] == before["6200000000000001"]
    assert after["6200000000000002"] != before["6200000000000002"]

    rotated = Keyring(MasterKey(b"a key the roster was not sealed u"), (keyring.current,))
    use_keyring(rotated)
    async with sessions.begin() as session:
        await import_roster(session, rows(*first))
        found = await find_roster_by_phone(session, "13800000001")
    assert {sealed_key_id(value) for value in (await stored()).values()} == {rotated.current.id}
    assert [entry.card_number for entry in found] == ["6200000000000001"]


async def test_a_bad_roster_keeps_nothing_even_when_the_caller_commits(
    sessions, monkeypatch
) -> None:
    """The console records its audit line and commits after an import with errors: the
    batches written before the bad row must not be kept."""
    monkeypatch.setattr("bot.importing.roster.BATCH", 2)
    rows = [Row(n, {"card_number": f"62000000000000{n:02d}", "name": f"会员{n}",
                    "phone": f"138000000{n:02d}"}) for n in range(2, 9)]
    rows.append(Row(9, {"card_number": "6200000000000099", "name": "", "phone": "13800000099"}))
    async with sessions.begin() as session:
        report = await import_roster(session, rows)
    assert report.errors == ["row 9, name: required"] and report.imported == 0
    assert await _count(sessions, RosterEntry) == 0


async def test_a_re_import_repairs_a_phone_that_no_longer_opens(sessions, keyring) -> None:
    row = Row(2, {"card_number": "6200000000000001", "name": "王芳", "phone": "13800000001"})
    async with sessions.begin() as session:
        await import_roster(session, [row])
        await session.execute(text("UPDATE roster SET phone = :damaged"),
                              {"damaged": f"enc1:{keyring.current.id}:AAAAAAAAAAAAAAAAAAAAAAAA"})
    async with sessions.begin() as session:
        assert (await import_roster(session, [row])).ok
    async with sessions.begin() as session:
        found = await find_roster_by_phone(session, "13800000001")
    assert [entry.phone for entry in found] == ["13800000001"]
