"""`unionbot wechat menu`: send the custom menu from `[wechat] menu` to WeChat."""

from __future__ import annotations

import asyncio
import json
import sys

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.menu import menu_json
from bot.config import WeChatSettings


def create_menu(settings: WeChatSettings, *, dry_run: bool = False) -> int:
    menu = menu_json(settings)
    if not menu["button"]:
        print("wechat menu: [wechat] menu is empty", file=sys.stderr)
        return 1
    if dry_run:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    if not (settings.app_id and settings.app_secret):
        print("wechat menu: set [wechat] app_id and app_secret", file=sys.stderr)
        return 2
    try:
        asyncio.run(_send(settings, menu))
    except WeChatApiError as exc:
        print(f"wechat menu: WeChat refused it: {exc}", file=sys.stderr)
        return 1
    print(f"wechat menu: created ({len(menu['button'])} top-level buttons)")
    return 0


async def _send(settings: WeChatSettings, menu: dict[str, object]) -> None:
    api = WeChatApi(settings.app_id, settings.app_secret, settings.api_base_url)
    try:
        await api.create_menu(menu)
    finally:
        await api.close()
