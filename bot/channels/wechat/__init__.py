"""WeChat Official Account channel: callback endpoint, message crypto, API client, sender."""

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.channel import WeChatChannel
from bot.channels.wechat.mass import MassSender
from bot.channels.wechat.sender import WeChatSender

__all__ = ["MassSender", "WeChatApi", "WeChatApiError", "WeChatChannel", "WeChatSender"]
