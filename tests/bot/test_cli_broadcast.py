"""`unionbot staff` and `unionbot broadcast` from a shell."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
                    f'[bot]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["--config", str(path), "db", "upgrade"]) == 0
    return str(path)


def test_staff_roles(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config, "staff", "add", "--user-id", "42", "--role", "admin"]) == 0
    assert main(["--config", config, "staff", "list"]) == 0
    assert "telegram\t42\tadmin" in capsys.readouterr().out
    assert main(["--config", config, "staff", "remove", "--user-id", "42"]) == 0
    assert main(["--config", config, "staff", "list"]) == 0
    assert "42" not in capsys.readouterr().out.split("now member")[-1]
    assert main(["--config", config, "staff", "add", "--user-id", "4;2"]) == 2


def test_send_status_cancel(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config, "broadcast", "send", "--text", "周五例会",
                 "--audience", "topic:lectures", "--at", "2030-01-01T09:00"]) == 0
    broadcast_id = capsys.readouterr().out.strip()
    assert broadcast_id.isdigit()
    assert main(["--config", config, "broadcast", "status", broadcast_id, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "scheduled" and status["queued"] == 0
    assert main(["--config", config, "broadcast", "cancel", broadcast_id]) == 0
    assert main(["--config", config, "broadcast", "cancel", broadcast_id]) == 1
    assert main(["--config", config, "broadcast", "status", "999"]) == 1


@pytest.mark.parametrize("args", [
    ["--audience", "everyone"], ["--audience", "topic:weather"], ["--at", "tomorrow"],
])
def test_bad_input_is_refused(config: str, args: list[str]) -> None:
    assert main(["--config", config, "broadcast", "send", "--text", "x", *args]) == 2


def test_send_wait_shows_progress_until_the_broadcast_ends(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    waiting = threading.Thread(target=main, args=(
        ["--config", config, "broadcast", "send", "--text", "周五例会", "--wait",
         "--at", "2030-01-01T09:00"],))
    waiting.start()
    deadline = time.monotonic() + 60
    while main(["--config", config, "broadcast", "cancel", "1"]) != 0:
        assert time.monotonic() < deadline, "the broadcast was never created"
        time.sleep(0.2)
    waiting.join(30)
    assert not waiting.is_alive(), "--wait did not end with the broadcast"
    assert "broadcast 1: 0 messages" in capsys.readouterr().err
