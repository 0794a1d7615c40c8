"""Telegram through python-telegram-bot: polling or webhook in, Bot API calls out.

Each update is handled in isolation: whatever it raises is logged with its id and the member
gets the polite apology. Replies go out in the chat's own lane (bot/delivery/limiter.py), after
the update was handled, so a 429 for one chat delays only that chat, never the poll.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

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
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.base import Outbound, describe, split_text
from bot.channels.fairness import SLOW_DOWN, Admission, MemberBuckets
from bot.channels.telegram_poll import Poller
from bot.config import TelegramSettings
from bot.delivery.limiter import ChatLanes, SendLimiter
from bot.dispatcher import SORRY, Dispatcher
from bot.i18n import normalize_language
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
from bot.parsing import split_command

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # characters per message after entity parsing
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ASK_LABELS = {Ask.LOCATION: "📍", Ask.CONTACT: "📱"}
GONE = ("kicked", "left")  # my_chat_member statuses of a private chat whose user blocked us
MAX_RETRY_AFTER = 300.0  # seconds: a longer wait for one reply is not worth holding its chat

Reachability = Callable[[str, str, bool], Awaitable[None]]
_T = TypeVar("_T")


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    name = "telegram"

    def __init__(
        self, settings: TelegramSettings, dispatcher: Dispatcher, outbound: Outbound,
        reachability: Reachability | None = None, limiter: SendLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.reachability = reachability
        # Replies share the bot-wide limit with bulk sends, so a broadcast at the full rate and
        # members' conversations together stay within it.
        self.limiter = limiter
        self.lanes = ChatLanes()
        self.buckets = MemberBuckets.from_settings(dispatcher.services.settings.inbound)
        self.dispatcher = dispatcher
        self.outbound = outbound
        # Replies go over aiohttp, as bulk sends do: a fraction of httpx's CPU per request.
        self.bot = Bot(
            settings.token, base_url=settings.base_url, base_file_url=settings.base_file_url,
            request=AiohttpRequest(),
        )
        self.poller = Poller(self.bot, self._handle_isolated, retry_after=retry_seconds)
        self._background: set[asyncio.Task[None]] = set()
        self._polls = False  # this process polls (it holds the poller lease)
        self.username = ""

    async def start(self, *, poll: bool = True) -> None:
        """Connect; in webhook mode set the webhook, in polling mode start polling unless
        `poll` is false (several processes: the one holding the poller lease polls)."""
        await self.bot.initialize()
        self.username = self.bot.username
        if self.settings.mode == "webhook":
            await self.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.webhook_secret or None,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=self.settings.drop_pending_updates,
            )
        elif poll:
            await self.start_polling()
        log.info("telegram: @%s in %s mode", self.username, self.settings.mode)

    @property
    def polling(self) -> bool:
        return self._polls and self.poller.health().alive

    async def start_polling(self) -> None:
        if not self._polls:
            await self.bot.delete_webhook(drop_pending_updates=self.settings.drop_pending_updates)
            self._polls = True
            self.poller.start()

    async def stop_polling(self) -> None:
        """Stop asking for updates; updates being handled finish first."""
        self._polls = False
        await self.poller.stop()

    async def stop(self) -> None:
        await self.stop_polling()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.bot.shutdown()

    def health(self) -> dict[str, object]:
        """For /healthz: polling is up when the loop runs and getUpdates succeeded lately; a
        process that leaves polling to another (the poller lease) is on standby."""
        if self.settings.mode == "webhook":
            return {"mode": "webhook", "ok": True}
        if not self._polls:
            return {"mode": "polling", "ok": True, "standby": True}
        state = self.poller.health()
        last = state.last_success.isoformat() if state.last_success else None
        return {"mode": "polling", "ok": state.ok, "poller_alive": state.alive,
                "last_get_updates": last}

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """POST from Telegram: the secret header must match, then the update is handled once.

        Without a configured secret nothing is accepted: anyone could post updates "from" any
        user, and claim future update ids so the real updates are dropped as duplicates."""
        expected = self.settings.webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
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
        """Handle one update and wait until its replies went out (webhook, tests)."""
        sending = await self._handle_isolated(update)
        if sending is not None:
            await sending

    async def _handle_isolated(self, update: Update) -> asyncio.Task[None] | None:
        """Handle one update; its replies go out in the background, in the chat's lane."""
        try:
            return await self._handle(update)
        except Exception:
            log.exception("telegram: update %s failed", update.update_id)
            return self._apologise(update)

    async def _handle(self, update: Update) -> asyncio.Task[None] | None:
        started = time.monotonic()
        change = update.my_chat_member
        if change is not None and change.chat.type == "private":
            if self.reachability is not None:
                reachable = change.new_chat_member.status not in GONE
                await self.reachability(self.name, str(change.from_user.id), reachable)
            return None
        incoming = to_incoming(update, self.username)
        if incoming is None:
            log.debug("telegram: update %s has nothing to answer", update.update_id)
            return None
        if update.callback_query is not None:
            _answering = self._spawn(self._answer_callback(update))
        admission = self.buckets.admit(f"{self.name}:{incoming.user_id}")
        if admission is Admission.DROP:
            return None
        if admission is Admission.WARN:
            return self._reply_text(incoming.address, incoming.language_hint, SLOW_DOWN)
        replies = await self.dispatcher.handle(incoming, files=_Files(self.bot))
        log.info("telegram update %s: %s in %.0f ms", incoming.update_id,
                 describe(incoming, replies), (time.monotonic() - started) * 1000)
        return self._spawn(self._deliver(incoming, replies))

    async def _deliver(self, incoming: Incoming, replies: list[Reply]) -> None:
        await self.outbound.deliver(incoming.address, replies)
        self.dispatcher.delivered(incoming)  # sent: not to be sent again after a restart

    async def _answer_callback(self, update: Update) -> None:
        assert update.callback_query is not None
        try:
            await update.callback_query.answer()
        except TelegramError as exc:
            log.info("telegram: could not answer callback %s: %s", update.update_id, exc)

    def _apologise(self, update: Update) -> asyncio.Task[None] | None:
        """The polite apology to the chat of an update that could not be handled."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return None
        hint = _text_or(user.language_code, None) if user is not None else None
        return self._reply_text(Address(self.name, str(chat.id)), hint, SORRY)

    def _reply_text(self, to: Address, language_hint: str | None,
                    message: str) -> asyncio.Task[None]:
        services = self.dispatcher.services
        language = normalize_language(language_hint, services.settings.bot.default_language)
        text = services.catalogs.get(language).gettext(message)
        return self._spawn(self.outbound.deliver(to, [Reply(text=text)]))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Render a Reply: text split at 4096 characters, buttons on the last piece; in the
        chat's lane, so replies to one chat keep their order."""
        async with self.lanes.lane(chat_id):
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
        """One Bot API call. A 429 waits the time Telegram asks for and tries once more; the
        wait holds only this chat's lane, not the bot-wide limiter or the poll."""
        try:
            return await self._limited(method, **kwargs)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            log.info("telegram: chat %s must wait %.0f s (429)", kwargs.get("chat_id"), wait)
            if wait > MAX_RETRY_AFTER:
                raise
            await asyncio.sleep(wait)
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
        "display_name": _text_or(user.full_name, ""),
        "language_hint": _text_or(user.language_code, None),
        "update_id": str(update.update_id),
        "is_private": chat.type == "private",
    }
    if update.callback_query is not None:
        return Incoming(**base, payload=_text_or(update.callback_query.data, "") or "menu.main")
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
        text = _text_or(message.text, "")
        parsed = split_command(text)
        if parsed is not None:
            head, args = parsed
            command, _, addressee = head.partition("@")
            if command and (not addressee or addressee.lower() == bot_username.lower()):
                return {"command": command, "args": args}
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


def _text_or(value: object, default: _T) -> str | _T:
    """PTB does not check the JSON types of an update: a number where text belongs is not
    text (a forged or broken update must not reach the parsers as something else)."""
    return value if isinstance(value, str) else default


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
