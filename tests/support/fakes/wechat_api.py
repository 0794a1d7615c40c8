"""A fake WeChat Official Account API on 127.0.0.1, spoken to over real HTTP.

It keeps WeChat's rules that matter to us: access tokens that go stale (40001) or expire
(42001), customer-service messages refused outside the 48-hour window (45015), to members who
unfollowed (43004) or past the quota (45047), menus of 3 x 5 buttons sent as UTF-8 (a \\uXXXX
escape is refused with 40033), template messages, temporary media; follower tags (50 openids a
call), mass sends to a tag within a monthly quota (45028 when spent; a repeated clientmsgid is
refused with 45065), permanent images and articles. Tests read what was sent.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.fakes.loopback import LoopbackServer

APP_ID = "wx2c2769f8efd9abc2"
APP_SECRET = "test-secret"


@dataclass(frozen=True)
class Sent:
    kind: str  # "text" | "template" | "mass"
    openid: str
    text: str
    body: dict[str, Any]


class FakeWeChat:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.menus: list[dict[str, Any]] = []
        self.media: dict[str, bytes] = {}
        self.uploaded: dict[str, bytes] = {}  # media_id -> what the bot uploaded
        self.token_fetches = 0
        self.errors: dict[str, int] = {}  # openid -> errcode for customer-service messages
        self.rejected: list[int] = []
        self.tags: dict[int, str] = {}
        self.tagged: dict[int, set[str]] = {}
        self.tag_calls = 0
        self.gone: set[str] = set()  # openids that unfollowed: tagging them answers 40003
        self.mass_quota = 4  # sendall calls this account may still make this month
        self.mass_jobs: list[dict[str, Any]] = []  # one per sendall: tag_id, msgtype, count
        self.images: dict[str, bytes] = {}  # permanent material by media_id
        self.news: dict[str, list[dict[str, Any]]] = {}
        self._client_ids: set[str] = set()
        self._token = ""
        self._expire_next = False
        self._new_sent = asyncio.Event()
        self._server = LoopbackServer()
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token_endpoint)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self._template_send)
        app.router.add_post("/cgi-bin/message/mass/send", self._mass_send)
        app.router.add_post("/cgi-bin/message/mass/sendall", self._mass_sendall)
        app.router.add_post("/cgi-bin/tags/create", self._tag_create)
        app.router.add_post("/cgi-bin/tags/get", self._tag_list)
        app.router.add_post("/cgi-bin/tags/members/batchtagging", self._batch_tag)
        app.router.add_post("/cgi-bin/tags/members/batchuntagging", self._batch_untag)
        app.router.add_post("/cgi-bin/material/add_material", self._add_material)
        app.router.add_post("/cgi-bin/media/uploadnews", self._upload_news)
        app.router.add_post("/cgi-bin/menu/create", self._menu_create)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        app.router.add_post("/cgi-bin/media/upload", self._media_upload)
        self.port = await self._server.serve(app)

    async def stop(self) -> None:
        await self._server.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ----- what tests change -----
    def invalidate_token(self) -> None:
        """Another process fetched a new token: ours answers 40001 from now on."""
        self._token = "replaced-elsewhere"

    def expire_token(self) -> None:
        """The token's 2 hours are up: the next call answers 42001."""
        self._expire_next = True

    # ----- what tests read -----
    def to(self, openid: str) -> list[Sent]:
        return [s for s in self.sent if s.openid == openid]

    async def wait_for(self, openid: str, count: int, within: float = 10.0) -> list[Sent]:
        deadline = time.monotonic() + within
        while len(self.to(openid)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{openid} got {len(self.to(openid))} of {count}")
            self._new_sent.clear()
            try:
                await asyncio.wait_for(self._new_sent.wait(), remaining)
            except TimeoutError:
                pass
        return self.to(openid)

    # ----- the API -----
    async def _token_endpoint(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("appid") != APP_ID or query.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        self.token_fetches += 1
        self._token = f"TOKEN-{self.token_fetches}"
        self._expire_next = False
        return web.json_response({"access_token": self._token, "expires_in": 7200})

    async def _body(self, request: web.Request) -> tuple[dict[str, Any] | None, int]:
        """The JSON body, or an errcode: the token first, then WeChat's encoding rule."""
        if request.query.get("access_token") != self._token or not self._token:
            return None, 40001
        if self._expire_next:
            self._expire_next = False
            return None, 42001
        raw = await request.read()
        if b"\\u" in raw:
            return None, 40033  # WeChat wants UTF-8, not \uXXXX escapes
        return json.loads(raw.decode("utf-8")), 0

    def _error(self, errcode: int) -> web.Response:
        self.rejected.append(errcode)
        return web.json_response({"errcode": errcode, "errmsg": f"fake error {errcode}"})

    def _record(self, sent: Sent) -> web.Response:
        self.sent.append(sent)
        self._new_sent.set()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _custom_send(self, request: web.Request) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        openid = body["touser"]
        if openid in self.errors:
            return self._error(self.errors[openid])
        if body.get("msgtype") == "image":
            media_id = body["image"]["media_id"]
            if media_id not in self.uploaded:
                return self._error(40007)
            return self._record(Sent("image", openid, media_id, body))
        if body.get("msgtype") != "text" or len(body["text"]["content"].encode()) > 2048:
            return self._error(45002)
        return self._record(Sent("text", openid, body["text"]["content"], body))

    async def _template_send(self, request: web.Request) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        text = "\n".join(field["value"] for field in body["data"].values())
        return self._record(Sent("template", body["touser"], text, body))

    async def _mass_send(self, request: web.Request) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        if "*mass" in self.errors:
            return self._error(self.errors["*mass"])  # e.g. 45028: no mass-send quota left
        if not 2 <= len(body["touser"]) <= 10000:
            return self._error(40130)
        for openid in body["touser"]:
            self.sent.append(Sent("mass", openid, body["text"]["content"], body))
        self._new_sent.set()
        return web.json_response({"errcode": 0, "errmsg": "ok", "msg_id": 1000})

    async def _mass_sendall(self, request: web.Request) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        if body.get("clientmsgid") in self._client_ids:
            return self._error(45065)  # this clientmsgid was sent already
        tag_id = body["filter"]["tag_id"]
        if tag_id not in self.tags:
            return self._error(40050)  # invalid tag
        if self.mass_quota <= 0:
            return self._error(45028)  # no mass-send quota left
        kind = body["msgtype"]
        if kind == "mpnews" and body["mpnews"]["media_id"] not in self.news:
            return self._error(40007)
        text = body["text"]["content"] if kind == "text" else body["mpnews"]["media_id"]
        self.mass_quota -= 1
        self._client_ids.add(body.get("clientmsgid", ""))
        msg_id = 2000 + len(self.mass_jobs)
        recipients = sorted(self.tagged.get(tag_id, set()))
        self.mass_jobs.append({"msg_id": msg_id, "tag_id": tag_id, "msgtype": kind,
                               "count": len(recipients)})
        self.sent.extend(Sent("mass", openid, text, body) for openid in recipients)
        self._new_sent.set()
        return web.json_response({"errcode": 0, "errmsg": "send job submission success",
                                  "msg_id": msg_id, "msg_data_id": msg_id * 10})

    async def _tag_create(self, request: web.Request) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        name = body["tag"]["name"]
        if name in self.tags.values():
            return self._error(45157)  # the name is taken
        if len(self.tags) >= 100 or len(name) > 30:
            return self._error(45056 if len(self.tags) >= 100 else 45158)
        tag_id = 100 + len(self.tags)
        self.tags[tag_id] = name
        return web.json_response({"tag": {"id": tag_id, "name": name}})

    async def _tag_list(self, request: web.Request) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        return web.json_response({"tags": [
            {"id": i, "name": n, "count": len(self.tagged.get(i, ()))}
            for i, n in self.tags.items()]})

    async def _batch_tag(self, request: web.Request) -> web.Response:
        return await self._tagging(request, on=True)

    async def _batch_untag(self, request: web.Request) -> web.Response:
        return await self._tagging(request, on=False)

    async def _tagging(self, request: web.Request, *, on: bool) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        openids, tag_id = body["openid_list"], body["tagid"]
        if tag_id not in self.tags:
            return self._error(45159)  # invalid tag
        if not 1 <= len(openids) <= 50:
            return self._error(40032)  # at most 50 openids a call
        self.tag_calls += 1
        if on and self.gone.intersection(openids):
            return self._error(40003)  # invalid openid: the whole call is refused
        members = self.tagged.setdefault(tag_id, set())
        if on:
            members.update(openids)
        else:
            members.difference_update(openids)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _add_material(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != self._token:
            return self._error(40001)
        form = await request.post()
        media = form.get("media")
        if request.query.get("type") != "image" or not hasattr(media, "file"):
            return self._error(40004)
        media_id = f"IMAGE-{len(self.images) + 1}"
        self.images[media_id] = media.file.read()  # type: ignore[union-attr]
        return web.json_response({"media_id": media_id, "url": f"http://mmbiz/{media_id}"})

    async def _upload_news(self, request: web.Request) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        articles = body["articles"]
        if any(a.get("thumb_media_id") not in self.images for a in articles):
            return self._error(40007)
        media_id = f"NEWS-{len(self.news) + 1}"
        self.news[media_id] = articles
        return web.json_response({"type": "news", "media_id": media_id})

    async def _menu_create(self, request: web.Request) -> web.Response:
        body, errcode = await self._body(request)
        if body is None:
            return self._error(errcode)
        buttons = body.get("button", [])
        if not 1 <= len(buttons) <= 3 or any(len(b.get("sub_button", [])) > 5 for b in buttons):
            return self._error(40017)
        self.menus.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _media_upload(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != self._token or request.query.get(
                "type") != "image":
            return self._error(40001 if request.query.get("access_token") != self._token
                               else 40004)
        form = await request.post()
        upload = form.get("media")
        if not isinstance(upload, web.FileField):
            return self._error(41005)
        media_id = f"up{len(self.uploaded) + 1}"
        self.uploaded[media_id] = upload.file.read()
        return web.json_response({"type": "image", "media_id": media_id, "created_at": 0})

    async def _media_get(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != self._token:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        data = self.media.get(request.query.get("media_id", ""))
        if data is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        return web.Response(body=data, content_type="image/jpeg")


# ----- WeChat's side of the callback: a follower whose messages WeChat posts to our URL -----

TOKEN = "spamtest"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_10f6c3c3ac5a"
_msg_ids = iter(range(6054768590064713728, 6054768590064713728 + 10**9))


@dataclass(frozen=True)
class Answer:
    """What our endpoint answered WeChat: the HTTP status, raw body and the reply's fields."""

    status: int
    body: str
    fields: dict[str, str] | None

    @property
    def text(self) -> str:
        """The passive reply's text, or "" when the answer was `success` or empty."""
        return (self.fields or {}).get("Content", "")


class Follower:
    """A member who follows the account; posts messages as WeChat would, signed and (in
    compatible or safe mode) encrypted, and opens our answers."""

    def __init__(self, url: str, openid: str = "oyORnuP8q7ou2gfYjqLzSIWZf0rs", *,
                 mode: str = "safe", token: str = TOKEN, aes_key: str = AES_KEY,
                 app_id: str = APP_ID) -> None:
        from bot.channels.wechat.crypto import MessageKey

        self.url = url
        self.openid = openid
        self.mode = mode
        self.token = token
        self.key = MessageKey.from_encoding_key(aes_key, app_id)

    def fields(self, msg_type: str, **extra: str | int) -> dict[str, str | int]:
        return {"ToUserName": ACCOUNT, "FromUserName": self.openid,
                "CreateTime": int(time.time()), "MsgType": msg_type, **extra}

    async def says(self, text: str, msg_id: int | None = None) -> Answer:
        return await self.post(self.fields("text", Content=text,
                                           MsgId=msg_id or next(_msg_ids)))

    async def clicks(self, key: str) -> Answer:
        return await self.post(self.fields("event", Event="CLICK", EventKey=key))

    async def subscribes(self, scene: str = "") -> Answer:
        extra = {"EventKey": f"qrscene_{scene}"} if scene else {}
        return await self.post(self.fields("event", Event="subscribe", **extra))

    async def unsubscribes(self) -> Answer:
        return await self.post(self.fields("event", Event="unsubscribe"))

    async def shares_location(self, latitude: float, longitude: float) -> Answer:
        return await self.post(self.fields(
            "location", Location_X=str(latitude), Location_Y=str(longitude), Scale=15,
            Label="西城区", MsgId=next(_msg_ids),
        ))

    async def sends_image(self, media_id: str) -> Answer:
        return await self.post(self.fields("image", PicUrl="http://127.0.0.1/x.jpg",
                                           MediaId=media_id, MsgId=next(_msg_ids)))

    async def sends_voice(self, media_id: str) -> Answer:
        return await self.post(self.fields("voice", MediaId=media_id, Format="amr",
                                           MsgId=next(_msg_ids)))

    async def post(self, fields: dict[str, str | int], *, timestamp: int | None = None,
                   ) -> Answer:
        from bot.channels.wechat.xmlmsg import render_fields

        query, body = self.seal(render_fields(fields), timestamp=timestamp)
        return await self.post_raw(query, body)

    def seal(self, xml: str, *, timestamp: int | None = None) -> tuple[dict[str, str], bytes]:
        """The query string and body WeChat sends for `xml` in this follower's mode."""
        from bot.channels.wechat.crypto import signature
        from bot.channels.wechat.xmlmsg import parse_xml, render_fields

        # WeChat picks a new random nonce for each request (a retry repeats the request).
        stamp, nonce = str(timestamp or int(time.time())), str(random.randrange(10**9, 10**10))
        query = {"timestamp": stamp, "nonce": nonce, "openid": self.openid,
                 "signature": signature(self.token, stamp, nonce)}
        if self.mode == "plaintext":
            return query, xml.encode("utf-8")
        encrypted = self.key.encrypt(xml)
        query |= {"encrypt_type": "aes",
                  "msg_signature": signature(self.token, stamp, nonce, encrypted)}
        outer: dict[str, str | int] = {"ToUserName": ACCOUNT}
        if self.mode == "compatible":
            outer = dict(parse_xml(xml))
        outer["Encrypt"] = encrypted
        return query, render_fields(outer).encode("utf-8")

    async def post_raw(self, query: dict[str, str], body: bytes) -> Answer:
        import io

        import aiohttp

        from bot.channels.wechat.xmlmsg import parse_xml

        async with aiohttp.ClientSession() as http:
            async with http.post(self.url, params=query, data=io.BytesIO(body),
                                 headers={"Content-Type": "text/xml"}) as response:
                text = await response.text()
        if response.status != 200 or text in ("success", ""):
            return Answer(response.status, text, None)
        fields = parse_xml(text.encode("utf-8"))
        if "Encrypt" in fields:
            fields = parse_xml(self.key.decrypt(fields["Encrypt"]).encode("utf-8"))
        return Answer(response.status, text, fields)
