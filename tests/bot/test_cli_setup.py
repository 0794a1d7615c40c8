"""Staff setup from a shell: --config on either side of the command, channel names checked,
`staff remove` never creates an account, a broken knowledge file is one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main

KB = Path(__file__).resolve().parents[2] / "bot" / "answering" / "kb"


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
                    f'[bot]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["db", "upgrade", "--config", str(path)]) == 0, "--config after the command"
    return str(path)


def test_a_misspelt_channel_is_refused(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["--config", config, "staff", "add", "--channel", "telgram", "--user-id", "42"])
    assert refused.value.code == 2
    assert "invalid choice: 'telgram'" in capsys.readouterr().err


def test_removing_an_unknown_account_creates_nobody(config: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "remove", "--user-id", "77", "--config", config]) == 1
    assert "not a known account" in capsys.readouterr().err
    assert main(["--config", config, "staff", "list"]) == 0
    assert "77" not in capsys.readouterr().out


def test_a_broken_knowledge_file_is_one_line(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    broken = sorted(p for p in kb.glob("*.toml") if not p.name.startswith("_"))[0]
    broken.write_text("[[entries]\nintent = ", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[bot]\nknowledge_dir = "{kb}"\ndata_dir = "{tmp_path}"\n',
                      encoding="utf-8")
    assert main(["ask", "--config", str(config), "你好"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("knowledge base error:")
    assert "Traceback" not in "\n".join(err)


def test_what_the_bot_writes_is_readable_by_its_own_user_only(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The model cache and the database hold members' words: no other account on the server
    may read them, whatever the shell's umask."""
    monkeypatch.setattr("bot.answering.engine._BUILT", {})  # a fresh process: it writes a cache
    assert main(["--config", config, "ask", "京卡丢了怎么办"]) == 0
    assert "京卡" in capsys.readouterr().out
    cache = tmp_path / "cache"
    assert cache.stat().st_mode & 0o777 == 0o700
    files = [path for path in cache.rglob("*") if path.is_file()]
    assert files and all(path.stat().st_mode & 0o077 == 0 for path in files)
    assert (tmp_path / "bot.db").stat().st_mode & 0o077 == 0
