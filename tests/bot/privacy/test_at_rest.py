"""Encryption at rest: the bytes on disk hold neither a member's document nor their phone
number; private file modes; a tampered document is reported, never served; keys are checked
at start-up."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import Text, select, type_coerce

from bot import documents
from bot.app import App
from bot.cli import main
from bot.config import ConfigError, Settings, load_settings
from bot.privacy.keys import DEV_KEY_FILE, check_document_keys, load_keyring
from models.crypto import Keyring, new_master_key, use_keyring
from models.db import Sessions
from models.roster import RosterEntry, find_roster_by_phone
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import Clock, FileMember, bound_member, make_staff

SCAN = b"\xff\xd8\xff\xe0" + "出院小结 患者王芳 诊断 DIAGNOSIS-7731".encode() * 8
STORY = "北大人民医院住院5天，心脏支架"


async def file_claim_with(member: FileMember, document: bytes) -> str:
    await member.command("/claim")
    for answer in ("claim.answer:p1", "claim.answer:hospitalisation", "claim.answer:2026-11-19"):
        await member.presses(answer)
    await member.says("3500")
    await member.says(STORY)
    await member.presses("claim.answer:agree")
    await member.sends_file(document)
    await member.presses("claim.answer:done")
    return await member.presses("claim.answer:submit")


def _disk_bytes(root: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file())


async def test_disk_holds_neither_the_document_nor_the_phone_nor_the_story(
    settings: Settings, sessions: Sessions, tmp_path: Path
) -> None:
    member = await bound_member(settings, sessions)
    assert "Claim number" in await file_claim_with(member, SCAN)
    await sessions.engine.dispose()  # the SQLite file and its WAL as they are at rest
    on_disk = _disk_bytes(tmp_path)
    assert b"DIAGNOSIS-7731" not in on_disk and "出院小结".encode() not in on_disk
    assert b"13800000001" not in on_disk and "心脏支架".encode() not in on_disk
    async with sessions.begin() as session:  # yet the bot reads them, and finds by phone
        entry = (await find_roster_by_phone(session, "+86 138 0000 0001"))[0]
        assert entry.phone == "13800000001"


async def test_files_are_0600_and_folders_0700(settings: Settings, sessions: Sessions,
                                                tmp_path: Path) -> None:
    member = await bound_member(settings, sessions)
    await file_claim_with(member, SCAN)
    data = settings.bot.data_dir
    for path in [data, *data.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    if settings.database.url.startswith("sqlite"):
        assert stat.S_IMODE((tmp_path / "unionbot.db").stat().st_mode) == 0o600


async def test_a_tampered_document_is_reported_and_not_served(
    settings: Settings, sessions: Sessions
) -> None:
    member = await bound_member(settings, sessions)
    await file_claim_with(member, SCAN)
    [stored] = (settings.bot.data_dir / "documents").rglob("*.jpg")
    blob = bytearray(stored.read_bytes())
    blob[-5] ^= 0x01
    stored.write_bytes(bytes(blob))
    await make_staff(sessions, "2002", language="en")
    staff = FileMember(make_dispatcher(settings, sessions, Clock()), user_id="2002", language="en")
    shown = await staff.presses("claims.open:1")
    assert "failed its integrity check" in shown
    assert all(reply.file is None for reply in staff.replies)


async def test_a_wrong_key_stops_start_up_with_one_line(settings: Settings,
                                                          sessions: Sessions) -> None:
    await bound_member(settings, sessions)  # the roster's phones are sealed under the test key
    other = load_settings(None, database={"url": settings.database.url},
                          bot={"data_dir": str(settings.bot.data_dir)},
                          privacy={"master_key": new_master_key()})
    app = App(other)
    try:
        with pytest.raises(ConfigError, match=r"privacy.master_key: .* sealed under key"):
            await app.check_keys()
    finally:
        await app.sessions.dispose()
        use_keyring(Keyring.from_text(settings.privacy.master_key))


def test_production_needs_a_key_and_says_so(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("UNIONBOT_PRIVACY__MASTER_KEY")
    monkeypatch.setenv("UNIONBOT_DATABASE__URL", "postgresql+asyncpg://u@127.0.0.1/x")
    assert main(["audit", "--member", "1"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "config error: privacy.master_key: required (base64 of 32 random bytes; set it or "
        "UNIONBOT_PRIVACY__MASTER_KEY)"]
    monkeypatch.setenv("UNIONBOT_PRIVACY__MASTER_KEY", "too-short")
    assert main(["audit", "--member", "1"]) == 2
    assert "privacy.master_key" in capsys.readouterr().err


def test_a_laptop_with_the_default_sqlite_gets_a_private_development_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("UNIONBOT_PRIVACY__MASTER_KEY")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None)
    first = load_keyring(settings)
    key_file = tmp_path / "data" / DEV_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert load_keyring(settings).current.id == first.current.id  # reused, not replaced


async def test_sealed_columns_store_no_plaintext(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        session.add(RosterEntry(card_number="6200000000000009", name="测试", phone="13912345678"))
    async with sessions.begin() as session:
        raw = await session.scalar(select(type_coerce(RosterEntry.phone, Text)))
    assert raw is not None and raw.startswith("enc1:") and "13912345678" not in raw


async def test_documents_under_an_unknown_key_stop_start_up(tmp_path: Path,
                                                             keyring: Keyring) -> None:
    await documents.store(SCAN, tmp_path)
    check_document_keys(tmp_path, keyring)  # the key that sealed them: fine
    with pytest.raises(ConfigError, match=r"documents in .* are sealed under key"):
        check_document_keys(tmp_path, Keyring.from_text(new_master_key()))
