"""Stored claim documents: named by content, typed by content, unused ones removed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot import documents
from models.base import utcnow
from models.db import Sessions
from models.mutual_aid import document_paths_in_use, forget_abandoned_drafts
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import (
    JPEG,
    NOW,
    PDF,
    PNG,
    Clock,
    FileMember,
    bind,
    claim_up_to_documents,
    load_demo_data,
)


def test_the_type_comes_from_the_bytes() -> None:
    assert documents.sniff(JPEG) == ("image/jpeg", "jpg")
    assert documents.sniff(PNG) == ("image/png", "png")
    assert documents.sniff(PDF) == ("application/pdf", "pdf")
    assert documents.sniff(b"GIF89a") is None


async def test_the_name_comes_from_the_content_hash(tmp_path: Path) -> None:
    stored = await documents.store(PNG, tmp_path)
    assert stored.path == f"{stored.sha256[:2]}/{stored.sha256}.png"
    assert await documents.load(stored.path, tmp_path) == PNG
    with pytest.raises(ValueError):
        await documents.load("../../etc/passwd", tmp_path)
    with pytest.raises(ValueError):
        await documents.store(b"<html>", tmp_path)


async def test_files_of_an_abandoned_claim_are_removed(settings, sessions: Sessions) -> None:
    await load_demo_data(sessions)
    kept = FileMember(make_dispatcher(settings, sessions, Clock()), user_id="1", language="en")
    await bind(kept)
    await claim_up_to_documents(kept)
    await kept.sends_file(JPEG)
    await kept.sends_file(PDF)
    assert "Cancelled" in await kept.command("/cancel")
    await claim_up_to_documents(kept)
    await kept.sends_file(JPEG)  # the same photo again, in a claim still being filed
    async with sessions.begin() as session:
        in_use = await document_paths_in_use(session)
        assert await forget_abandoned_drafts(session, added_before=NOW + timedelta(days=1)) == 2
    later = utcnow() + timedelta(minutes=1)
    assert documents.remove_unused(settings.bot.data_dir, in_use, older_than=later) == 1
    left = [p.suffix for p in (settings.bot.data_dir / "documents").rglob("*.*")]
    assert left == [".jpg"]
