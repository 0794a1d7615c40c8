"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

Bulk sends at hundreds of messages a second are CPU-bound in the client; aiohttp's client
costs a fraction of httpx's per request, so one process gets closer to the paid-broadcast
limit. PTB's Bot stays the API for most calls: only the transport underneath changes. The calls a
member's message costs (sendMessage, answerCallbackQuery) are posted as one ready JSON body
(`JsonRequest`) through `BaseRequest.post`, so PTB still reads the answer and raises its errors
(RetryAfter, Forbidden, BadRequest...) but builds no request objects and parses no Message.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_HEADERS = {"User-Agent": BaseRequest.USER_AGENT, "Content-Type": "application/json"}


class JsonRequest(RequestData):  # type: ignore[misc]  # final for typing only
    """A Bot API call's parameters as one JSON body, encoded once. PTB's `post` hands it
    untouched to `do_request` (ours); to anything else it is a call without parameters."""

    __slots__ = ("body",)

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__()
        self.body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()


class AiohttpRequest(BaseRequest):
    def __init__(self, connection_limit: int = 256, read_timeout: float = 5.0,
                 connect_timeout: float = 5.0, media_timeout: float = 20.0) -> None:
        self.connection_limit = connection_limit
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._media_timeout = media_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.connection_limit)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        if isinstance(request_data, JsonRequest):
            return await self._send(method, url, request_data.body, JSON_HEADERS,
                                    self._timeout(read_timeout, connect_timeout))
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else {}
        timeout = self._timeout(read_timeout, connect_timeout, media=bool(files))
        body: aiohttp.FormData | dict[str, str] = fields
        if files:
            form = aiohttp.FormData()
            for name, value in fields.items():
                form.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            body = form
        return await self._send(method, url, body, {"User-Agent": self.USER_AGENT}, timeout)

    def _timeout(self, read_timeout: ODVInput[float], connect_timeout: ODVInput[float], *,
                 media: bool = False) -> aiohttp.ClientTimeout:
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        if media:
            read = max(read or 0, self._media_timeout)
        connect = (self._connect_timeout if isinstance(connect_timeout, DefaultValue)
                   else connect_timeout)
        return aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)

    async def _send(self, method: str, url: str, body: Any, headers: dict[str, str],
                    limits: aiohttp.ClientTimeout) -> tuple[int, bytes]:
        assert self._session is not None
        try:
            async with self._session.request(method, url, data=body, timeout=limits,
                                             headers=headers) as res:
                return res.status, await res.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
