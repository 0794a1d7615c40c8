"""The delivery engine's Sender for Telegram, over python-telegram-bot's Bot.

Texts go out as one ready JSON body on the aiohttp transport (as members' replies do): PTB
reads the answer and raises its errors, but builds no request objects and parses no Message.

Every Bot API call waits for a slot of the sliding-window limiter (the bot-wide limit in every
1-second window) and for the chat's own interval (about one message a second per chat). A 429
pauses the whole channel for its retry_after; the engine re-queues the message.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.aiohttp_request import AiohttpRequest, JsonRequest
from bot.channels.base import split_text
from bot.channels.telegram import TEXT_LIMIT, _markup, markup_json, retry_seconds
from bot.config import BroadcastSettings, TelegramSettings
from bot.delivery.limiter import (
    ChatLimiter,
    NoChatLimit,
    PerChatLimiter,
    SendLimiter,
    SlidingWindowLimiter,
)
from bot.delivery.sender import MessageKind, Outcome, SendResult
from bot.delivery.shared_limiter import RedisWindowLimiter
from bot.messages import Reply
from bot.shared import SharedState

log = logging.getLogger(__name__)

FREE_RATE = 30  # messages/s Telegram allows without paid broadcasts
CAPTION_LIMIT = 1024


class TelegramSender:
    channel = "telegram"

    def __init__(
        self, bot: Bot, limiter: SendLimiter, per_chat: ChatLimiter, *,
        paid: bool = False,
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self.per_chat = per_chat
        # Telegram bills paid broadcasts per message above the free limit; only ask for it
        # when configured to go above that limit.
        self.paid = paid and limiter.rate > FREE_RATE
        self._file_ids: dict[bytes, str] = {}  # photo digest -> Telegram's file_id
        self._uploading: dict[bytes, asyncio.Lock] = {}

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    async def deliver(self, chat_id: str, reply: Reply, *, kind: MessageKind) -> SendResult:
        try:
            await self._send(chat_id, reply)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            self.limiter.pause(wait)
            return SendResult(Outcome.RETRY_AFTER, retry_after=wait, detail="429")
        except Forbidden as exc:
            return SendResult(Outcome.BLOCKED, detail=str(exc)[:200])
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                return SendResult(Outcome.BLOCKED, detail=str(exc)[:200])
            return SendResult(Outcome.FAILED, detail=str(exc)[:200])
        except NetworkError as exc:
            return SendResult(Outcome.TRANSIENT, detail=str(exc)[:200])
        except TelegramError as exc:
            return SendResult(Outcome.FAILED, detail=str(exc)[:200])
        return SendResult(Outcome.SENT)

    async def _send(self, chat_id: str, reply: Reply) -> None:
        if reply.file is not None and reply.file.as_photo and len(reply.text) <= CAPTION_LIMIT:
            await self._photo(chat_id, reply.file.data, reply.file.name,
                              caption=reply.text or None, reply_markup=_markup(reply))
            return
        pieces = split_text(reply.text, TEXT_LIMIT)
        buttons = markup_json(reply)
        for index, piece in enumerate(pieces):
            params: dict[str, Any] = {"text": piece}
            if buttons is not None and index == len(pieces) - 1:
                params["reply_markup"] = buttons
            await self._call(chat_id, self._send_message, **params)
        if reply.file is not None:
            if reply.file.as_photo:
                await self._photo(chat_id, reply.file.data, reply.file.name)
            else:
                upload = InputFile(reply.file.data, filename=reply.file.name)
                await self._call(chat_id, self.bot.send_document, document=upload)

    async def _photo(self, chat_id: str, data: bytes, name: str, **kwargs: Any) -> None:
        """A photo is uploaded once; every later send names Telegram's file_id for it."""
        digest = hashlib.sha256(data).digest()
        lock = self._uploading.setdefault(digest, asyncio.Lock())
        async with lock:  # the first send uploads; the others wait for its file_id
            known = self._file_ids.get(digest)
            if known is None:
                message = await self._call(chat_id, self.bot.send_photo,
                                           photo=InputFile(data, filename=name), **kwargs)
                if message is not None and message.photo:
                    self._file_ids[digest] = message.photo[-1].file_id
                return
        await self._call(chat_id, self.bot.send_photo, photo=known, **kwargs)

    async def _send_message(self, **params: Any) -> Any:
        return await self.bot.request.post(f"{self.bot.base_url}/sendMessage",
                                           JsonRequest(params))

    async def _call(self, chat_id: str, method: Any, **kwargs: Any) -> Any:
        await self.per_chat.wait(chat_id)
        extra = {"allow_paid_broadcast": True} if self.paid else {}
        try:
            async with self.limiter.slot(chat_id):
                return await method(chat_id=chat_id, **kwargs, **extra)
        finally:
            await self.per_chat.done(chat_id)


def build_sender(telegram: TelegramSettings, broadcast: BroadcastSettings,
                 shared: SharedState | None = None) -> TelegramSender:
    """Bulk sends get their own Bot on an aiohttp transport (cheaper per request than httpx).

    With shared state (Redis), the bot-wide and per-chat limits hold across every process.
    """
    bot = Bot(telegram.token, base_url=telegram.base_url, base_file_url=telegram.base_file_url,
              request=AiohttpRequest())
    limiter: SendLimiter
    per_chat: ChatLimiter
    if shared is not None:
        key = shared.key("limit", "telegram", telegram.token.split(":", 1)[0])
        limiter = RedisWindowLimiter(shared.redis, key, broadcast.rate_per_second,
                                     chat_interval=broadcast.per_chat_interval)
        per_chat = NoChatLimit()
    else:
        limiter = SlidingWindowLimiter(broadcast.rate_per_second)
        per_chat = PerChatLimiter(broadcast.per_chat_interval)
    return TelegramSender(bot, limiter, per_chat, paid=broadcast.paid)
