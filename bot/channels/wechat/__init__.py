"""WeChat Official Account channel: callback endpoint, message crypto, API client, sender."""

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.channel import WeChatChannel
from bot.channels.wechat.sender import WeChatSender

__all__ = ["WeChatApi", "WeChatApiError", "WeChatChannel", "WeChatSender"]
