"""The custom menu from `[wechat] menu` as WeChat's JSON (validated at config load)."""

from __future__ import annotations

from typing import Any

from bot.config import WeChatMenuButton, WeChatSettings


def menu_json(settings: WeChatSettings) -> dict[str, Any]:
    return {"button": [_button(button) for button in settings.menu]}


def _button(button: WeChatMenuButton) -> dict[str, Any]:
    if button.sub_button:
        return {"name": button.name, "sub_button": [_button(sub) for sub in button.sub_button]}
    if button.url:
        return {"type": "view", "name": button.name, "url": button.url}
    return {"type": "click", "name": button.name, "key": button.key}
