"""A fake Telegram Bot API on 127.0.0.1, spoken to over real HTTP by python-telegram-bot.

It keeps Telegram's rules that matter to us: text of 1-4096 characters, callback_data of
1-64 bytes, 403 for a member who blocked the bot, 429 with retry_after past a per-second limit
counted in every 1-second window, getUpdates long polling with offset confirmation, and
setWebhook. Tests push updates in and read what the bot sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.fakes.loopback import LoopbackServer

BOT_ID = 777000
BOT_USERNAME = "unionbot_test_bot"


@dataclass
class Sent:
    method: str
    chat_id: str
    text: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Inline buttons as (label, callback_data or url), row by row."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data") or b.get("url", ""))
                for row in rows for b in row]

    @property
    def keyboard(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("keyboard", []) for b in row]


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.blocked: set[str] = set()
        self.rate_limit: int | None = None  # messages per any 1-second window, across chats
        self.too_many: int = 0
        self.per_chat_interval: float | None = None  # seconds a chat must wait between messages
        self.hold: dict[str, int] = {}  # chat -> retry_after of a one-time 429 for that chat
        self.updates_down = False  # getUpdates answers 502 Bad Gateway
        self._chat_times: dict[str, float] = {}
        self.webhook: dict[str, Any] = {}
        self.files: dict[str, bytes] = {}
        self.fail_every: int | None = None  # one send in every N answers 502 Bad Gateway ...
        self.fail_phase = 0  # ... the one whose count leaves this remainder
        self.failed = 0
        self._sends = 0
        self.slow_files: dict[str, asyncio.Event] = {}  # a download waits until the event is set
        self.downloads_started: set[str] = set()
        self.uploads = 0  # photos sent as bytes (not by a file_id Telegram already holds)
        self._updates: list[dict[str, Any]] = []
        self._next_update = 1
        self._next_message = 1000
        self._send_times: deque[float] = deque()
        self._new_update = asyncio.Event()
        self._new_sent = asyncio.Event()
        self._server = LoopbackServer()
        self.port = 0

    # ----- server -----
    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self.port = await self._server.serve(app)

    async def stop(self) -> None:
        await self._server.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ----- what tests push in -----
    def push(self, update: dict[str, Any]) -> int:
        update_id = self._next_update
        self._next_update += 1
        self._updates.append({"update_id": update_id, **update})
        self._new_update.set()
        return update_id

    def make_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """An update with an id, for posting to a webhook instead of queueing it."""
        update_id = self._next_update
        self._next_update += 1
        return {"update_id": update_id, **update}

    def message(self, user_id: int, text: str | None = None, *, language: str = "zh-hans",
                name: str = "王芳", chat_type: str = "private", **extra: Any) -> dict[str, Any]:
        self._next_message += 1
        chat_id = user_id if chat_type == "private" else extra.pop("chat_id")
        body: dict[str, Any] = {
            "message_id": self._next_message,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, "first_name": name},
            "from": {"id": user_id, "is_bot": False, "first_name": name,
                     "language_code": language},
            **extra,
        }
        if text is not None:
            body["text"] = text
        return {"message": body}

    def callback(self, user_id: int, data: str, *, language: str = "zh-hans",
                 name: str = "王芳") -> dict[str, Any]:
        self._next_message += 1
        return {"callback_query": {
            "id": f"cb{self._next_message}",
            "from": {"id": user_id, "is_bot": False, "first_name": name,
                     "language_code": language},
            "chat_instance": "1",
            "data": data,
            "message": {"message_id": self._next_message, "date": int(time.time()),
                        "chat": {"id": user_id, "type": "private", "first_name": name},
                        "text": "menu"},
        }}

    def add_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    # ----- what tests read -----
    def to(self, chat_id: int | str) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == str(chat_id)]

    async def wait_for(self, chat_id: int | str, count: int, within: float = 10.0) -> list[Sent]:
        """Wait until `count` messages reached the chat; fail the test after `within` s."""
        deadline = time.monotonic() + within
        while len(self.to(chat_id)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = [s.text[:60] for s in self.to(chat_id)]
                raise AssertionError(f"chat {chat_id}: wanted {count} messages, got {got}")
            self._new_sent.clear()
            try:
                await asyncio.wait_for(self._new_sent.wait(), remaining)
            except TimeoutError:
                pass
        return self.to(chat_id)

    def pending_updates(self) -> int:
        return len(self._updates)

    # ----- the API -----
    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = _METHODS.get(request.match_info["method"].lower(), "")
        params = await _params(request)
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self.downloads_started.add(path)
        if path in self.slow_files:
            await self.slow_files[path].wait()
        data = self.files.get(path)
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Union", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]] | web.Response:
        if self.updates_down:
            return _error(502, "Bad Gateway")
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), min(timeout, 1.0))
            except TimeoutError:
                pass
        return list(self._updates[: int(params.get("limit") or 100)])

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        self.webhook = {}
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool | web.Response:
        if not str(params.get("url", "")).startswith("https://"):
            return _error(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = params
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        size = len(self.files[file_id])
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": size,
                "file_path": file_id}

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        text = str(params.get("text", ""))
        if not 1 <= len(text) <= 4096:
            return _error(400, "Bad Request: message is too long" if text
                          else "Bad Request: message text is empty")
        return self._deliver("sendMessage", params, text)

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        return self._deliver("sendDocument", params, str(params.get("caption", "")))

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        photo = params.get("photo")
        if isinstance(photo, str) and photo not in self.files:
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        answer = self._deliver("sendPhoto", params, str(params.get("caption", "")))
        if not isinstance(answer, dict):
            return answer
        file_id = photo if isinstance(photo, str) else f"PHOTO-{len(self.files) + 1}"
        if isinstance(photo, dict):
            self.uploads += 1
            self.files[file_id] = photo["data"]
        return {**answer, "photo": [{"file_id": file_id, "file_unique_id": file_id,
                                     "width": 800, "height": 600}]}

    def _deliver(self, method: str, params: dict[str, Any], text: str) -> Any:
        chat_id = str(params.get("chat_id"))
        refusal = self._refuse(chat_id, params)
        if refusal is not None:
            return refusal
        self._next_message += 1
        self.sent.append(Sent(method, chat_id, text, params))
        self._new_sent.set()
        return {"message_id": self._next_message, "date": int(time.time()),
                "chat": {"id": int(chat_id), "type": "private"}, "text": text}

    def _refuse(self, chat_id: str, params: dict[str, Any]) -> web.Response | None:
        self._sends += 1
        if self.fail_every and self._sends % self.fail_every == self.fail_phase:
            self.failed += 1
            return _error(502, "Bad Gateway")
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.hold:
            wait = self.hold.pop(chat_id)
            self.too_many += 1
            return _too_many(wait)
        for _label, data in _callback_data(params):
            if not 1 <= len(data.encode("utf-8")) <= 64:
                return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        if self.rate_limit is not None:
            now = time.monotonic()
            while self._send_times and now - self._send_times[0] >= 1.0:
                self._send_times.popleft()
            if len(self._send_times) >= self.rate_limit:
                self.too_many += 1
                return _too_many(max(1, int(1.0 - (now - self._send_times[0])) + 1))
            self._send_times.append(now)
        if self.per_chat_interval is not None:
            now = time.monotonic()
            last = self._chat_times.get(chat_id)
            if last is not None and now - last < self.per_chat_interval:
                self.too_many += 1
                return _too_many(1)
            self._chat_times[chat_id] = now
        return None


# Bot API method names are case-insensitive: "getupdates" is "getUpdates".
_METHODS = {name[3:].lower(): name[3:] for name in dir(FakeTelegram) if name.startswith("_m_")}


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, str):
            try:
                params[key] = json.loads(value) if value[:1] in "{[" else value
            except ValueError:
                params[key] = value
        else:
            params[key] = {"filename": value.filename, "data": value.file.read()}
    return params


def _callback_data(params: dict[str, Any]) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    if not isinstance(markup, dict):
        return []
    return [(b.get("text", ""), b["callback_data"])
            for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description},
                             status=status)


def _too_many(wait: int) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {wait}",
         "parameters": {"retry_after": wait}}, status=429)
