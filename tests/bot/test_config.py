"""Settings come from a file, the environment, or defaults; a wrong value is one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, find_config, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_need_no_file() -> None:
    settings = load_settings(None)
    assert settings.database.url.startswith("sqlite+aiosqlite:///")
    assert settings.telegram.token == "" and settings.bot.timezone == "Asia/Shanghai"


def test_example_config_is_valid() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.telegram.mode == "polling"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\ntoken = "1:file"\n', encoding="utf-8")
    monkeypatch.setenv("UNIONBOT_TELEGRAM__TOKEN", "2:env")
    assert load_settings(config).telegram.token == "2:env"


def test_config_is_found_by_flag_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_config(None) is None
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    assert find_config(None) == Path("config.toml")
    monkeypatch.setenv("UNIONBOT_CONFIG", "/etc/unionbot.toml")
    assert find_config(None) == Path("/etc/unionbot.toml")
    assert find_config("mine.toml") == Path("mine.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[telegram]\nmode = "push"\n', "telegram.mode"),
        ('[telegram]\ntokn = "x"\n', "telegram.tokn: unknown key"),
        ('[telegram]\ntoken = "not a token"\n', "telegram.token"),
        ('[telegram]\nwebhook_secret = "has space"\n', "telegram.webhook_secret"),
        ('[http]\nport = 99999\n', "http.port"),
        ('[bot]\ntimezone = "Mars/Base"\n', "bot.timezone"),
        ('[database]\nurl = "mysql://x"\n', "database.url"),
        ("[bot\n", "not valid TOML"),
    ],
)
def test_a_wrong_value_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")) as caught:
        load_settings(config)
    assert "\n" not in str(caught.value)


def test_bad_config_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\nmode = "push"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "ask", "你好"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "config error: telegram.mode: Input should be 'polling' or 'webhook'"
    ]
