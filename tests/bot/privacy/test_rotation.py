"""`unionbot keys rotate`: everything ends under the new key, old plaintext included; a
rotation killed half way resumes; the old key can then be dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Text, literal, select, type_coerce, update

from bot import documents
from bot.cli import main
from bot.config import Settings
from bot.privacy.rotation import rotate
from models.crypto import Keyring, new_master_key, use_keyring
from models.db import Sessions
from models.mutual_aid import Claim
from models.roster import RosterEntry, find_roster_by_phone
from tests.bot.privacy.test_at_rest import SCAN, STORY, file_claim_with
from tests.support.member_services import bound_member


async def _raw_phones(sessions: Sessions) -> list[str]:
    async with sessions.begin() as session:
        return [str(v) for v in await session.scalars(
            select(type_coerce(RosterEntry.phone, Text)).order_by(RosterEntry.id))]


async def test_a_killed_rotation_resumes_and_the_old_key_can_go(
    settings: Settings, sessions: Sessions, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await bound_member(settings, sessions)
    await file_claim_with(member, SCAN)
    await file_claim_with(member, b"%PDF-1.7\n" + b"second document" * 10)
    async with sessions.begin() as session:  # an older install wrote this in plaintext
        await session.execute(update(RosterEntry.__table__).where(RosterEntry.id == 2)
                              .values(phone=literal("13800000002", Text)))
    legacy = settings.bot.data_dir / "documents" / "ab" / "legacy.png"
    documents.write_private(legacy, b"\x89PNG\r\n\x1a\nold plaintext scan", settings.bot.data_dir)

    rotated = Keyring.from_text(new_master_key(), (settings.privacy.master_key,))
    use_keyring(rotated)  # the bot restarted with the new key current, the old one previous
    real_write = documents.write_private
    calls = {"n": 0}

    def dies_after_one(path: Path, data: bytes, top: Path) -> None:
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt  # killed
        real_write(path, data, top)

    monkeypatch.setattr(documents, "write_private", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        await rotate(sessions, rotated, settings.bot.data_dir)
    monkeypatch.setattr(documents, "write_private", real_write)
    report = await rotate(sessions, rotated, settings.bot.data_dir)
    assert report.files == 2 and report.unreadable == 0  # the third was done before the kill
    assert (await rotate(sessions, rotated, settings.bot.data_dir)).values == 0  # nothing left

    only_new = Keyring(rotated.current)
    use_keyring(only_new)
    assert all(p.startswith(f"enc1:{only_new.current.id}:") for p in await _raw_phones(sessions))
    async with sessions.begin() as session:
        assert (await find_roster_by_phone(session, "13800000002"))[0].id == 2
        claims = list(await session.scalars(select(Claim)))
        assert [c.description for c in claims] == [STORY, STORY]
    for path in (settings.bot.data_dir / "documents").rglob("*.*"):
        assert documents.unseal(path.read_bytes(), only_new)
    assert documents.unseal(legacy.read_bytes(), only_new).endswith(b"old plaintext scan")
    use_keyring(keyring)


async def test_the_keys_commands(settings: Settings, sessions: Sessions,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str], keyring: Keyring) -> None:
    assert await asyncio.to_thread(main, ["keys", "new"]) == 0
    fresh = capsys.readouterr().out.strip()
    assert Keyring.from_text(fresh).current.id != keyring.current.id
    await bound_member(settings, sessions)
    monkeypatch.setenv("UNIONBOT_DATABASE__URL", settings.database.url)
    monkeypatch.setenv("UNIONBOT_BOT__DATA_DIR", str(settings.bot.data_dir))
    monkeypatch.setenv("UNIONBOT_PRIVACY__MASTER_KEY", fresh)
    monkeypatch.setenv("UNIONBOT_PRIVACY__PREVIOUS_MASTER_KEYS",
                       f'["{settings.privacy.master_key}"]')
    assert await asyncio.to_thread(main, ["keys", "rotate"]) == 0
    assert "2 rows and 0 documents moved" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["keys", "rotate"]) == 0
    assert "0 rows and 0 documents moved" in capsys.readouterr().out
    use_keyring(keyring)
