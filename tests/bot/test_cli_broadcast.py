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
    openid = "o-Ab_cd12EfGh34IjKl56MnOp78q"  # WeChat openids have - and _
    assert main(["--config", config, "staff", "add", "--channel", "wechat", "--user-id", openid,
                 "--role", "staff"]) == 0
    assert main(["--config", config, "staff", "list"]) == 0
    assert f"wechat\t{openid}\tstaff" in capsys.readouterr().out
    assert main(["--config", config, "staff", "add", "--user-id", "²"]) == 2


def test_send_status_cancel(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config, "staff", "add", "--user-id", "42"]) == 0
    capsys.readouterr()
    assert main(["--config", config, "broadcast", "send", "--text", "周五例会",
                 "--audience", "all", "--at", "2030-01-01T09:00"]) == 0
    broadcast_id = capsys.readouterr().out.strip()
    assert broadcast_id.isdigit()
    assert main(["--config", config, "broadcast", "status", broadcast_id, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "scheduled" and status["queued"] == 0
    assert main(["--config", config, "broadcast", "cancel", broadcast_id]) == 0
    assert main(["--config", config, "broadcast", "cancel", broadcast_id]) == 1
    assert main(["--config", config, "broadcast", "status", "999"]) == 1
    assert main(["--config", config, "broadcast", "cancel", "999"]) == 1
    assert "no such broadcast: 999" in capsys.readouterr().err


def test_plan_and_dry_run_print_the_plan_and_write_nothing(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for user in ("42", "43"):
        assert main(["--config", config, "staff", "add", "--user-id", user]) == 0
    capsys.readouterr()
    assert main(["--config", config, "broadcast", "plan", "--audience", "all"]) == 0
    plan = capsys.readouterr().out
    assert "所有人：将有 0 名会员收到。" in plan  # the two are on a channel not connected
    assert "Telegram 2 人：该渠道未接入" in plan  # no bot token in this config
    assert main(["--config", config, "broadcast", "send", "--text", "例会", "--dry-run"]) == 0
    assert capsys.readouterr().out == plan
    assert main(["--config", config, "broadcast", "status", "1"]) == 1  # nothing was written


def test_an_audience_that_matches_nobody_is_refused(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", config, "broadcast", "send", "--text", "例会",
                 "--audience", "tag:nonexistent"]) == 2
    assert "标签为「nonexistent」的会员：能收到的会员为 0 人" in capsys.readouterr().err


@pytest.mark.parametrize(("at", "accepted"), [
    ("2020-01-01 09:00", False), ("in 2 hours", True), ("明天上午9点", True), ("明天", False),
])
def test_at_reads_natural_times_and_refuses_past_ones(
    config: str, capsys: pytest.CaptureFixture[str], at: str, accepted: bool,
) -> None:
    assert main(["--config", config, "staff", "add", "--user-id", "42"]) == 0
    code = main(["--config", config, "broadcast", "send", "--text", "例会", "--at", at])
    assert code == (0 if accepted else 2)
    if at.startswith("2020"):
        assert "2020-01-01 09:00 已经过去了" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["--audience", "everyone"], ["--audience", "topic:weather"], ["--at", "someday"],
])
def test_bad_input_is_refused(config: str, args: list[str]) -> None:
    assert main(["--config", config, "broadcast", "send", "--text", "x", *args]) == 2


def test_send_wait_shows_progress_until_the_broadcast_ends(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", config, "staff", "add", "--user-id", "42"]) == 0  # an audience
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
