"""Telegram through python-telegram-bot: polling or webhook in, Bot API calls out.

We poll with our own loop rather than PTB's Updater so that an update's offset is confirmed
only after it was handled: an update fetched when the process dies is fetched again, and the
dispatcher's handled-updates table makes the second delivery a no-op.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import Conflict, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.base import Outbound, split_text
from bot.config import TelegramSettings
from bot.delivery.limiter import SlidingWindowLimiter
from bot.dispatcher import Dispatcher
from bot.messages import (
    Address,
    Ask,
    Attachment,
    AttachmentKind,
    Contact,
    Incoming,
    Location,
    Reply,
)

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # characters per message after entity parsing
POLL_TIMEOUT = timedelta(seconds=25)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ASK_LABELS = {Ask.LOCATION: "📍", Ask.CONTACT: "📱"}
GONE = ("kicked", "left")  # my_chat_member statuses of a private chat whose user blocked us

Reachability = Callable[[str, str, bool], Awaitable[None]]


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    name = "telegram"

    def __init__(
        self, settings: TelegramSettings, dispatcher: Dispatcher, outbound: Outbound,
        reachability: Reachability | None = None, limiter: SlidingWindowLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.reachability = reachability
        # Replies share the bot-wide limit with bulk sends, so a broadcast at the full rate and
        # members' conversations together stay within it.
        self.limiter = limiter
        self.dispatcher = dispatcher
        self.outbound = outbound
        # Replies go over aiohttp, as bulk sends do: a fraction of httpx's CPU per request.
        self.bot = Bot(
            settings.token, base_url=settings.base_url, base_file_url=settings.base_file_url,
            request=AiohttpRequest(),
        )
        self._poller: asyncio.Task[None] | None = None
        self._offset: int | None = None
        self.username = ""

    async def start(self) -> None:
        await self.bot.initialize()
        self.username = self.bot.username
        if self.settings.mode == "webhook":
            await self.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.webhook_secret or None,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=self.settings.drop_pending_updates,
            )
        else:
            await self.bot.delete_webhook(drop_pending_updates=self.settings.drop_pending_updates)
            self._poller = asyncio.create_task(self._poll(), name="telegram-poll")
        log.info("telegram: @%s in %s mode", self.username, self.settings.mode)

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            try:
                await self._poller
            except asyncio.CancelledError:
                pass
            self._poller = None
        await self.bot.shutdown()

    async def _poll(self) -> None:
        delay = 1.0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES,
                    read_timeout=POLL_TIMEOUT.total_seconds() + 10,
                )
                delay = 1.0
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except Conflict:
                log.error("telegram: another process is polling with this token; waiting")
                await asyncio.sleep(30)
                continue
            except (NetworkError, TimedOut) as exc:
                log.warning("telegram: getUpdates failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)
                continue
            if updates:
                await asyncio.gather(*(self.process(update) for update in updates))
                self._offset = updates[-1].update_id + 1

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """POST from Telegram: the secret header must match, then the update is handled once."""
        expected = self.settings.webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if expected and not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning("telegram webhook: wrong or missing secret from %s", request.remote)
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self.bot)
        except Exception:
            log.warning("telegram webhook: unreadable update from %s", request.remote)
            return web.Response(status=400)
        await self.process(update)
        return web.Response(status=200)

    async def process(self, update: Update) -> None:
        """Turn one update into an Incoming, dispatch it, render the replies."""
        change = update.my_chat_member
        if change is not None and change.chat.type == "private":
            if self.reachability is not None:
                reachable = change.new_chat_member.status not in GONE
                await self.reachability(self.name, str(change.from_user.id), reachable)
            return
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError as exc:
                log.info("telegram: could not answer callback %s: %s", update.update_id, exc)
        incoming = to_incoming(update, self.username)
        if incoming is None:
            log.info("telegram: update %s has nothing to answer", update.update_id)
            return
        replies = await self.dispatcher.handle(incoming, files=_Files(self.bot))
        await self.outbound.deliver(incoming.address, replies)
        self.dispatcher.delivered(incoming)

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Render a Reply: text split at 4096 characters, buttons on the last piece."""
        pieces = split_text(reply.text, TEXT_LIMIT)
        for index, piece in enumerate(pieces):
            markup = _markup(reply) if index == len(pieces) - 1 else None
            await self._call(self.bot.send_message, chat_id=chat_id, text=piece,
                             reply_markup=markup)
        if reply.file is not None:
            upload = InputFile(reply.file.data, filename=reply.file.name)
            if reply.file.as_photo:
                await self._call(self.bot.send_photo, chat_id=chat_id, photo=upload)
            else:
                await self._call(self.bot.send_document, chat_id=chat_id, document=upload)

    async def _call(self, method: Any, **kwargs: Any) -> Message:
        """One Bot API call; a 429 waits the time Telegram asks for and tries once more."""
        try:
            return await self._limited(method, **kwargs)
        except RetryAfter as exc:
            if self.limiter is not None:
                self.limiter.pause(retry_seconds(exc))
            await asyncio.sleep(retry_seconds(exc))
            return await self._limited(method, **kwargs)
        except Forbidden:
            log.info("telegram: chat %s blocked the bot", kwargs.get("chat_id"))
            raise


    async def _limited(self, method: Any, **kwargs: Any) -> Message:
        if self.limiter is None:
            return await method(**kwargs)  # type: ignore[no-any-return]
        async with self.limiter.slot():
            return await method(**kwargs)  # type: ignore[no-any-return]


class _Files:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def fetch(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        if attachment.size is not None and attachment.size > max_bytes:
            raise ValueError("file too large")
        telegram_file = await self.bot.get_file(attachment.file_ref)
        if telegram_file.file_size is not None and telegram_file.file_size > max_bytes:
            raise ValueError("file too large")
        data = bytes(await telegram_file.download_as_bytearray())
        if len(data) > max_bytes:
            raise ValueError("file too large")
        return data


def _markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if reply.ask is not None:
        button = KeyboardButton(
            ASK_LABELS[reply.ask],
            request_location=reply.ask is Ask.LOCATION,
            request_contact=reply.ask is Ask.CONTACT,
        )
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, callback_data=b.payload)
                if b.payload is not None
                else InlineKeyboardButton(b.label, url=b.url)
                for b in row
            ]
            for row in reply.buttons
        ]
    )


def to_incoming(update: Update, bot_username: str = "") -> Incoming | None:
    """The platform-neutral form of an update, or None for updates that need no answer."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    base: dict[str, Any] = {
        "channel": "telegram",
        "chat_id": str(chat.id),
        "user_id": str(user.id),
        "display_name": user.full_name,
        "language_hint": user.language_code,
        "update_id": str(update.update_id),
        "is_private": chat.type == "private",
    }
    if update.callback_query is not None:
        return Incoming(**base, payload=update.callback_query.data or "menu.main")
    message = update.message
    if message is None:
        return None
    base["message_id"] = str(message.message_id)
    if message.reply_to_message is not None:
        base["reply_to_message_id"] = str(message.reply_to_message.message_id)
        base["reply_to_text"] = message.reply_to_message.text or message.reply_to_message.caption
    return Incoming(**base, **_content(message, user.id, bot_username))


def _content(message: Message, user_id: int, bot_username: str) -> dict[str, Any]:
    if message.text is not None:
        text = message.text
        if text.startswith("/") and len(text) > 1:
            head, *args = text[1:].split()
            command, _, addressee = head.partition("@")
            if not addressee or addressee.lower() == bot_username.lower():
                return {"command": command, "args": tuple(args)}
        return {"text": text}
    if message.location is not None:
        return {"location": Location(message.location.latitude, message.location.longitude)}
    if message.contact is not None:
        own = message.contact.user_id == user_id
        return {"contact": Contact(message.contact.phone_number, own)}
    attachment = _attachment(message)
    if attachment is not None:
        return {"attachment": attachment, "text": message.caption}
    return {"text": message.caption or ""}


def _attachment(message: Message) -> Attachment | None:
    if message.photo:
        largest = message.photo[-1]
        return Attachment(AttachmentKind.PHOTO, largest.file_id, "image/jpeg", largest.file_size)
    kinds = (
        (message.document, AttachmentKind.DOCUMENT),
        (message.voice, AttachmentKind.VOICE),
        (message.audio, AttachmentKind.AUDIO),
        (message.video, AttachmentKind.VIDEO),
        (message.sticker, AttachmentKind.STICKER),
    )
    for media, kind in kinds:
        if media is not None:
            return Attachment(
                kind, media.file_id, getattr(media, "mime_type", None), media.file_size,
                getattr(media, "file_name", None),
            )
    return None


def webhook_route(channel: TelegramChannel, path: str) -> web.RouteDef:
    return web.post(path, channel.handle_webhook)


__all__ = ["Address", "TelegramChannel", "to_incoming", "webhook_route"]
