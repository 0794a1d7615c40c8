"""Telegram through python-telegram-bot: polling or webhook in, Bot API calls out.

Each update is handled in isolation: whatever it raises is logged with its id and the member
gets the polite apology. Replies go out in the chat's own lane (bot/delivery/limiter.py), after
the update was handled, so a 429 for one chat delays only that chat, never the poll.

A member's text, command or button press is read straight from the JSON and answered with one
JSON POST (bot/channels/telegram_updates.py, aiohttp_request.JsonRequest); other updates and
calls (files, webhook setup) go through PTB's objects.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import partial
from typing import Any

from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.aiohttp_request import AiohttpRequest, JsonRequest
from bot.channels.base import Outbound, describe, split_text
from bot.channels.fairness import SLOW_DOWN, Admission, MemberBuckets
from bot.channels.telegram_poll import Poller
from bot.channels.telegram_updates import Common, read_common, text_or, to_incoming
from bot.config import TelegramSettings
from bot.delivery.limiter import ChatLanes, SendLimiter
from bot.dispatcher import SORRY, Dispatcher
from bot.i18n import normalize_language
from bot.messages import Address, Ask, Attachment, Incoming, Reply

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # characters per message after entity parsing
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ASK_LABELS = {Ask.LOCATION: "📍", Ask.CONTACT: "📱"}
GONE = ("kicked", "left")  # my_chat_member statuses of a private chat whose user blocked us
MAX_RETRY_AFTER = 300.0  # seconds: a longer wait for one reply is not worth holding its chat

Reachability = Callable[[str, str, bool], Awaitable[None]]
Read = Common | Update  # an update read from the JSON, or by PTB


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
        self.request = AiohttpRequest()
        self.bot = Bot(
            settings.token, base_url=settings.base_url, base_file_url=settings.base_file_url,
            request=self.request,
        )
        self.files = _Files(self.bot)
        self.poller: Poller[Read] = Poller(self.bot, self._handle_isolated, read=self.read,
                                           retry_after=retry_seconds)
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
            update = self.read(await request.json())
        except Exception:
            log.warning("telegram webhook: unreadable update from %s", request.remote)
            return web.Response(status=400)
        await self.process(update)
        return web.Response(status=200)

    def read(self, raw: Any) -> Read:
        """A text, command or button press read from the JSON; any other update by PTB (which
        raises for what it cannot read)."""
        return read_common(raw) or Update.de_json(raw, self.bot)

    async def process(self, update: Read) -> None:
        """Handle one update and wait until its replies went out (webhook, tests)."""
        sending = await self._handle_isolated(update)
        if sending is not None:
            await sending

    async def _handle_isolated(self, update: Read) -> asyncio.Task[None] | None:
        """Handle one update; its replies go out in the background, in the chat's lane."""
        try:
            return await self._handle(update)
        except Exception:
            log.exception("telegram: update %s failed", update.update_id)
            return self._apologise(update)

    async def _handle(self, update: Read) -> asyncio.Task[None] | None:
        started = time.monotonic()
        if isinstance(update, Common):
            incoming, callback_id = update.to_incoming(self.username), update.callback_id
        else:
            change = update.my_chat_member
            if change is not None and change.chat.type == "private":
                if self.reachability is not None:
                    reachable = change.new_chat_member.status not in GONE
                    await self.reachability(self.name, str(change.from_user.id), reachable)
                return None
            found = to_incoming(update, self.username)
            if found is None:
                log.debug("telegram: update %s has nothing to answer", update.update_id)
                return None
            incoming = found
            query = update.callback_query
            callback_id = query.id if query is not None else None
        if callback_id is not None:
            _answering = self._spawn(self._answer_callback(update.update_id, callback_id))
        admission = self.buckets.admit(f"{self.name}:{incoming.user_id}")
        if admission is Admission.DROP:
            return None
        if admission is Admission.WARN:
            return self._reply_text(incoming.address, incoming.language_hint, SLOW_DOWN)
        replies = await self.dispatcher.handle(incoming, files=self.files)
        log.info("telegram update %s: %s in %.0f ms", incoming.update_id,
                 describe(incoming, replies), (time.monotonic() - started) * 1000)
        return self._spawn(self._deliver(incoming, replies))

    async def _deliver(self, incoming: Incoming, replies: list[Reply]) -> None:
        await self.outbound.deliver(incoming.address, replies)
        self.dispatcher.delivered(incoming)  # sent: not to be sent again after a restart

    async def _answer_callback(self, update_id: int, callback_id: str) -> None:
        try:
            await self._post("answerCallbackQuery", {"callback_query_id": callback_id})
        except TelegramError as exc:
            log.info("telegram: could not answer callback %s: %s", update_id, exc)

    def _apologise(self, update: Read) -> asyncio.Task[None] | None:
        """The polite apology to the chat of an update that could not be handled."""
        if isinstance(update, Common):
            return self._reply_text(Address(self.name, update.chat_id), update.language, SORRY)
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return None
        hint = text_or(user.language_code, None) if user is not None else None
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
            markup = markup_json(reply)
            for index, piece in enumerate(pieces):
                params: dict[str, Any] = {"chat_id": chat_id, "text": piece}
                if markup is not None and index == len(pieces) - 1:
                    params["reply_markup"] = markup
                await self._call(chat_id, partial(self._post, "sendMessage", params))
            if reply.file is not None:
                upload = InputFile(reply.file.data, filename=reply.file.name)
                if reply.file.as_photo:
                    send = partial(self.bot.send_photo, chat_id=chat_id, photo=upload)
                else:
                    send = partial(self.bot.send_document, chat_id=chat_id, document=upload)
                await self._call(chat_id, send)

    async def _post(self, method: str, params: dict[str, Any]) -> Any:
        """One Bot API call as a JSON body; PTB reads the answer and raises its errors."""
        return await self.request.post(f"{self.bot.base_url}/{method}", JsonRequest(params))

    async def _call(self, chat_id: str, send: Callable[[], Awaitable[object]]) -> None:
        """One Bot API call. A 429 waits the time Telegram asks for and tries once more; the
        wait holds only this chat's lane, not the bot-wide limiter or the poll."""
        try:
            await self._limited(send)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            log.info("telegram: chat %s must wait %.0f s (429)", chat_id, wait)
            if wait > MAX_RETRY_AFTER:
                raise
            await asyncio.sleep(wait)
            await self._limited(send)
        except Forbidden:
            log.info("telegram: chat %s blocked the bot", chat_id)
            raise

    async def _limited(self, send: Callable[[], Awaitable[object]]) -> None:
        if self.limiter is None:
            await send()
            return
        async with self.limiter.slot():
            await send()


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


def markup_json(reply: Reply) -> dict[str, Any] | None:
    """`_markup(reply)` as the JSON the Bot API takes, built without PTB's objects."""
    if reply.ask is not None:
        button = {"text": ASK_LABELS[reply.ask], "request_contact": reply.ask is Ask.CONTACT,
                  "request_location": reply.ask is Ask.LOCATION}
        return {"keyboard": [[button]], "resize_keyboard": True, "one_time_keyboard": True}
    if not reply.buttons:
        return None
    return {"inline_keyboard": [
        [{"text": b.label, "callback_data": b.payload} if b.payload is not None
         else {"text": b.label, "url": b.url} for b in row]
        for row in reply.buttons
    ]}


def webhook_route(channel: TelegramChannel, path: str) -> web.RouteDef:
    return web.post(path, channel.handle_webhook)


__all__ = ["Address", "TelegramChannel", "to_incoming", "webhook_route"]
