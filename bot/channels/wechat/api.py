"""The WeChat Official Account API over aiohttp: access token, customer-service and template
messages, custom menu, media download, mass send."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import aiohttp

log = logging.getLogger(__name__)

TOKEN_MARGIN = 300.0  # refresh 5 minutes before WeChat says the token expires
STALE_TOKEN = frozenset({40001, 40014, 42001})  # invalid, not latest, expired: refresh once
RATE_LIMITED = 45011  # "API 调用太频繁": called too often this minute
TIMEOUT = aiohttp.ClientTimeout(total=10)


class WeChatApiError(Exception):
    """WeChat answered with a non-zero errcode (or not at all: errcode -1)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TokenStore(Protocol):
    """Where processes of one account share the token (expiry in epoch seconds)."""

    async def load(self) -> tuple[str, float] | None: ...

    async def save(self, token: str, expires: float) -> None: ...


class WeChatApi:
    """One client per process; the token refresh runs under a lock, one at a time, and
    a token another process saved in the store is used rather than fetching a new one."""

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        base_url: str = "https://api.weixin.qq.com",
        clock: Callable[[], float] = time.time,
        store: TokenStore | None = None,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.store = store
        self._token = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self._http: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def access_token(self, *, stale: str = "") -> str:
        """A valid token; `stale` is one WeChat refused, so a fresher one is fetched unless
        another task already replaced it."""
        async with self._lock:
            if self._token and self._token != stale and self.clock() < self._expires:
                return self._token
            if await self._adopt_saved(stale):
                return self._token
            data = await self._get_json("/cgi-bin/token", {
                "grant_type": "client_credential", "appid": self.app_id,
                "secret": self.app_secret,
            })
            lifetime = float(data.get("expires_in", 7200))
            self._token = str(data["access_token"])
            self._expires = self.clock() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
            log.info("wechat: access token refreshed")
            if self.store is not None:
                try:
                    await self.store.save(self._token, self._expires)
                except Exception:
                    log.exception("wechat: could not share the new access token")
            return self._token

    async def _adopt_saved(self, stale: str) -> bool:
        if self.store is None:
            return False
        try:
            saved = await self.store.load()
        except Exception:
            log.exception("wechat: could not read the shared access token")
            return False
        if saved is None or saved[0] == stale or self.clock() >= saved[1]:
            return False
        self._token, self._expires = saved
        return True

    async def call(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST JSON (UTF-8, unescaped: WeChat rejects \\uXXXX in menus) with the token;
        a stale token is refreshed and the call tried once more."""
        token = await self.access_token()
        try:
            return await self._post_json(path, token, body)
        except WeChatApiError as exc:
            if exc.errcode not in STALE_TOKEN:
                raise
            log.info("wechat: token refused (%s); refreshing", exc.errcode)
        token = await self.access_token(stale=token)
        return await self._post_json(path, token, body)

    async def send_text(self, openid: str, text: str) -> None:
        """A customer-service (客服) text message: only within 48 h of the member's action."""
        await self.call("/cgi-bin/message/custom/send", {
            "touser": openid, "msgtype": "text", "text": {"content": text},
        })

    async def send_template(
        self, openid: str, template_id: str, data: Mapping[str, str], url: str = ""
    ) -> None:
        """A template message (service notices only, never marketing)."""
        body: dict[str, Any] = {
            "touser": openid, "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if url:
            body["url"] = url
        await self.call("/cgi-bin/message/template/send", body)

    async def create_menu(self, menu: Mapping[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu)

    async def mass_send_text(self, openids: Sequence[str], text: str) -> str:
        """群发 by OpenID list (2-10000 followers); returns msg_id. Each follower receives at
        most 4 a month on a service account (45028 when the quota is spent)."""
        data = await self.call("/cgi-bin/message/mass/send", {
            "touser": list(openids), "msgtype": "text", "text": {"content": text},
        })
        return str(data.get("msg_id", ""))

    async def create_tag(self, name: str) -> int:
        """A new follower tag (an account has at most 100); 45157 if the name is taken."""
        data = await self.call("/cgi-bin/tags/create", {"tag": {"name": name}})
        return int(data["tag"]["id"])

    async def list_tags(self) -> dict[str, int]:
        data = await self.call("/cgi-bin/tags/get", {})
        return {str(tag["name"]): int(tag["id"]) for tag in data.get("tags", [])}

    async def tag_followers(self, tag_id: int, openids: Sequence[str], *, on: bool) -> None:
        """Put followers under a tag or take them off it (at most 50 a call)."""
        path = "batchtagging" if on else "batchuntagging"
        await self.call(f"/cgi-bin/tags/members/{path}",
                        {"openid_list": list(openids), "tagid": tag_id})

    async def mass_send_to_tag(
        self, tag_id: int, message: Mapping[str, Any], *, client_id: str
    ) -> str:
        """群发 (`sendall`) to every follower under a tag; `client_id` makes a retried request
        a duplicate WeChat refuses (45065) rather than a second send. Returns msg_id."""
        data = await self.call("/cgi-bin/message/mass/sendall", {
            "filter": {"is_to_all": False, "tag_id": tag_id}, **message,
            "send_ignore_reprint": 0, "clientmsgid": client_id,
        })
        return str(data.get("msg_id", ""))

    async def upload_image(self, data: bytes, filename: str = "photo.jpg") -> str:
        """An image kept by WeChat (permanent material): sent again by its media_id."""
        form = aiohttp.FormData()
        form.add_field("media", data, filename=filename, content_type="image/jpeg")
        return str((await self._upload("/cgi-bin/material/add_material", "image", form))
                   ["media_id"])

    async def upload_news(self, articles: Sequence[Mapping[str, Any]]) -> str:
        """An article message (图文) for a mass send; returns its media_id."""
        data = await self.call("/cgi-bin/media/uploadnews", {"articles": list(articles)})
        return str(data["media_id"])

    async def _upload(self, path: str, kind: str, form: aiohttp.FormData) -> dict[str, Any]:
        token = await self.access_token()
        try:
            async with self.http.post(self.base_url + path,
                                      params={"access_token": token, "type": kind},
                                      data=form) as response:
                return _check(await response.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise WeChatApiError(-1, f"network: {exc!r}") from exc

    async def upload_temporary_image(self, data: bytes, filename: str, mime_type: str) -> str:
        """Temporary media (kept 3 days by WeChat) for an image message; returns media_id."""
        stale = ""
        for attempt in range(2):
            token = await self.access_token(stale=stale)
            form = aiohttp.FormData()
            form.add_field("media", data, filename=filename, content_type=mime_type)
            try:
                async with self.http.post(f"{self.base_url}/cgi-bin/media/upload",
                                          params={"access_token": token, "type": "image"},
                                          data=form) as response:
                    answer = await response.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise WeChatApiError(-1, f"network: {exc!r}") from exc
            try:
                return str(_check(answer)["media_id"])
            except WeChatApiError as exc:
                if exc.errcode not in STALE_TOKEN or attempt:
                    raise
                stale = token
        raise WeChatApiError(-1, "upload failed")

    async def send_image(self, openid: str, media_id: str) -> None:
        """A customer-service image message (within 48 h of the member's action)."""
        await self.call("/cgi-bin/message/custom/send", {
            "touser": openid, "msgtype": "image", "image": {"media_id": media_id},
        })

    async def get_media(self, media_id: str, *, max_bytes: int) -> bytes:
        """Download a member's image or voice (temporary media, kept 3 days by WeChat)."""
        stale = ""
        for attempt in range(2):
            token = await self.access_token(stale=stale)
            url = f"{self.base_url}/cgi-bin/media/get"
            params = {"access_token": token, "media_id": media_id}
            async with self.http.get(url, params=params) as response:
                if response.content_type not in ("application/json", "text/plain"):
                    if (response.content_length or 0) > max_bytes:
                        raise ValueError("file too large")
                    data = await response.content.read(max_bytes + 1)
                    if len(data) > max_bytes:
                        raise ValueError("file too large")
                    return data
                try:
                    _check(await response.json(content_type=None))
                except WeChatApiError as exc:
                    if exc.errcode not in STALE_TOKEN or attempt:
                        raise
                    stale = token
        raise WeChatApiError(-1, "media not available")

    async def _get_json(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        try:
            async with self.http.get(self.base_url + path, params=dict(params)) as response:
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise _network_error(exc) from None
        return _check(data)

    async def _post_json(
        self, path: str, token: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            async with self.http.post(
                self.base_url + path, params={"access_token": token}, data=payload,
                headers={"Content-Type": "application/json; charset=utf-8"},
            ) as response:
                if response.status == 429 or response.status >= 500:
                    code = RATE_LIMITED if response.status == 429 else -1
                    raise WeChatApiError(code, f"http {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise _network_error(exc) from None
        return _check(data)


def _network_error(exc: Exception) -> WeChatApiError:
    """The error without its URL: aiohttp's exceptions carry the query string, which holds the
    AppSecret (token endpoint) or the access token (every other call)."""
    status = getattr(exc, "status", None)
    detail = type(exc).__name__ + (f" {status}" if status else "")
    return WeChatApiError(-1, f"network: {detail}")


def _check(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise WeChatApiError(-1, "answer is not a JSON object")
    errcode = int(data.get("errcode") or 0)
    if errcode:
        raise WeChatApiError(errcode, str(data.get("errmsg", "")))
    return data
