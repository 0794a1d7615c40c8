"""The sample files of docs/import.md import as they are, so the documentation stays true."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "samples"


@pytest.mark.parametrize("kind", ["roster", "merchants", "events"])
async def test_each_sample_imports(kind: str, sessions, database_url: str,
                                   monkeypatch: pytest.MonkeyPatch,
                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("UNIONBOT_DATABASE__URL", database_url)
    monkeypatch.chdir(tmp_path)
    code = await asyncio.to_thread(main, ["import", kind, str(SAMPLES / f"{kind}.csv")])
    assert code == 0, capsys.readouterr().err
    assert "rows imported" in capsys.readouterr().out


def test_there_is_a_sample_for_every_import() -> None:
    from bot.cli import IMPORT_KINDS

    assert sorted(p.stem for p in SAMPLES.glob("*.csv")) == sorted(IMPORT_KINDS)
