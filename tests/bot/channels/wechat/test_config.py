"""`[wechat]` settings are checked at start-up (one line naming the key, exit code 2), and
`unionbot wechat menu` sends the configured menu."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.channels.wechat.cli import create_menu
from bot.cli import main
from bot.config import ConfigError, load_settings
from tests.support.fakes.wechat_api import AES_KEY, APP_ID, APP_SECRET, FakeWeChat

GOOD = {"enabled": True, "token": "spamtest", "app_id": APP_ID, "app_secret": "s",
        "encoding_aes_key": AES_KEY}


@pytest.mark.parametrize(("change", "key"), [
    ({"encoding_aes_key": AES_KEY[:-1]}, "wechat.encoding_aes_key"),
    ({"encoding_aes_key": AES_KEY[:-1] + "="}, "wechat.encoding_aes_key"),
    ({"previous_encoding_aes_key": "短"}, "wechat.previous_encoding_aes_key"),
    ({"token": "ab"}, "wechat.token"),
    ({"token": "has space"}, "wechat.token"),
    ({"app_id": "gh_10f6c3c3ac5a"}, "wechat.app_id"),
    ({"app_secret": ""}, "app_secret"),
    ({"encoding_aes_key": ""}, "encoding_aes_key"),
    ({"mode": "secret"}, "wechat.mode"),
    ({"menu": [{"name": "一二三四五六", "key": "a"}]}, "wechat.menu"),
    ({"menu": [{"name": "a", "key": "k" * 129}]}, "wechat.menu"),
    ({"menu": [{"name": "a", "key": "x"}] * 4}, "wechat.menu"),
    ({"menu": [{"name": "a", "sub_button": [{"name": "b", "key": "x"}] * 6}]}, "wechat.menu"),
    ({"menu": [{"name": "a"}]}, "wechat.menu"),
    ({"colour": "red"}, "wechat.colour"),
])
def test_a_wrong_value_names_its_key(change: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, wechat={**GOOD, **change})
    assert key in str(caught.value)
    assert "\n" not in str(caught.value)


def test_plaintext_mode_needs_no_aes_key_and_disabled_needs_nothing() -> None:
    assert load_settings(None, wechat={**GOOD, "mode": "plaintext", "encoding_aes_key": ""})
    assert not load_settings(None, wechat={"enabled": False}).wechat.enabled


def test_a_wrong_key_in_the_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[wechat]\nenabled = true\ntoken = "x"\n', encoding="utf-8")
    assert main(["--config", str(config), "wechat", "menu", "--dry-run"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == "config error: wechat.token: must be 3-32 letters or digits"


MENU = [
    {"name": "会员服务", "sub_button": [
        {"name": "京卡优惠", "key": "discounts.menu"},
        {"name": "互助保障", "key": "faq.intent:mutual_aid.plans"},
    ]},
    {"name": "工会官网", "url": "https://www.bjzgh.org"},
]


async def test_the_menu_command_sends_the_configured_menu(fake_wechat: FakeWeChat) -> None:
    settings = load_settings(None, wechat={**GOOD, "app_secret": APP_SECRET, "menu": MENU,
                                           "api_base_url": fake_wechat.base_url}).wechat
    assert await asyncio.to_thread(create_menu, settings) == 0
    [menu] = fake_wechat.menus
    assert menu["button"][0]["sub_button"][0] == {
        "type": "click", "name": "京卡优惠", "key": "discounts.menu"}
    assert menu["button"][1] == {"type": "view", "name": "工会官网", "url": "https://www.bjzgh.org"}
