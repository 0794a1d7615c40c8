"""WeChat Official Account: the callback endpoint in, passive replies and customer-service
messages out.

WeChat waits 5 s for the HTTP answer and then re-posts the same message (up to 3 times). We
answer within REPLY_BUDGET with the passive reply when the handler is done; otherwise we answer
`success` at once and send the reply through the customer-service API when it is ready. A
retry that arrives while the first is still running joins it (one answer); across processes,
the dispatcher's claim in `handled_updates` makes the later one a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.channels.base import Outbound, describe
from bot.channels.fairness import SLOW_DOWN, Admission, MemberBuckets
from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.endpoint import (
    MAX_BODY,
    REPLAY_WINDOW,
    CallbackVerifier,
    Envelope,
    Refused,
)
from bot.channels.wechat.inbound import (
    CHANNEL,
    is_mass_send_report,
    is_unsubscribe,
    to_incoming,
)
from bot.channels.wechat.render import option_number, render_replies
from bot.channels.wechat.xmlmsg import text_reply
from bot.config import WeChatSettings
from bot.dispatcher import SORRY, Dispatcher
from bot.messages import Attachment, Incoming, OutgoingFile, Reply
from models.member import find_member
from models.options import chosen_option, forget_chat, mark_reachable, offer_options
from models.outbox import release_waiting
from models.replay import first_use_of_nonce
from models.wechat_mass import finish_mass_job

log = logging.getLogger(__name__)

REPLY_BUDGET = 4.0  # seconds of WeChat's 5 we spend before answering `success`
STOP_GRACE = 15.0  # seconds to let running answers finish on shutdown
SUCCESS = "success"  # "no passive reply": anything else unexpected shows an error to the member


class _Job:
    """One message being handled; its texts go out once, passively or by the API."""

    def __init__(self, task: asyncio.Task[tuple[str, ...]]) -> None:
        self.task = task
        self.taken = False
        self.late = False

    def take(self) -> tuple[str, ...]:
        if self.taken or self.task.cancelled():
            return ()
        if self.task.exception() is not None:
            log.error("wechat: handling failed", exc_info=self.task.exception())
            return ()
        self.taken = True
        return self.task.result()


class WeChatChannel:
    name = CHANNEL

    def __init__(
        self,
        settings: WeChatSettings,
        dispatcher: Dispatcher,
        outbound: Outbound,
        api: WeChatApi,
        *,
        reply_budget: float = REPLY_BUDGET,
    ) -> None:
        self.settings = settings
        self.dispatcher = dispatcher
        self.sessions = dispatcher.sessions
        self.outbound = outbound
        self.api = api
        self.reply_budget = reply_budget
        self.verifier = CallbackVerifier(settings, lambda: dispatcher.clock().timestamp())
        self.buckets = MemberBuckets.from_settings(dispatcher.services.settings.inbound)
        self._jobs: dict[str, _Job] = {}
        self._background: set[asyncio.Task[Any]] = set()

    def routes(self) -> list[web.RouteDef]:
        return [web.get(self.settings.path, self.handle_get),
                web.post(self.settings.path, self.handle_post)]

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.drain(), STOP_GRACE)
        except TimeoutError:
            log.warning("wechat: %d answers still running at shutdown", len(self._background))
        await self.api.close()

    async def drain(self) -> None:
        """Wait for handling and late sends still running (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def handle_get(self, request: web.Request) -> web.Response:
        try:
            echostr = self.verifier.verify_url(request.query)
        except Refused as exc:
            log.warning("wechat: URL check refused from %s: %s", request.remote, exc.reason)
            return web.Response(status=exc.status)
        return web.Response(text=echostr, content_type="text/plain")

    async def handle_post(self, request: web.Request) -> web.Response:
        started = asyncio.get_running_loop().time()
        try:
            if (request.content_length or 0) > MAX_BODY:
                raise Refused(413, f"body of {request.content_length} bytes")
            body = await request.read()
            if len(body) > MAX_BODY:
                raise Refused(413, f"body of {len(body)} bytes")
            envelope = self.verifier.open(request.query, body)
            if not await self._first_use(envelope, body):
                raise Refused(403, "timestamp and nonce already used for another request")
        except web.HTTPRequestEntityTooLarge:
            log.warning("wechat: refused a body over 1 MB from %s", request.remote)
            return web.Response(status=413)
        except Refused as exc:
            log.warning("wechat: refused a callback from %s: %s", request.remote, exc.reason)
            return web.Response(status=exc.status)
        fields = envelope.fields
        if is_mass_send_report(fields):
            await self._mass_send_report(fields)
            return web.Response(text=SUCCESS)
        if is_unsubscribe(fields):
            await self._forget(fields.get("FromUserName", ""))
            return web.Response(text=SUCCESS)
        incoming = to_incoming(fields)
        if incoming is None:
            return web.Response(text=SUCCESS)
        admission = self.buckets.admit(f"{CHANNEL}:{incoming.user_id}")
        if admission is Admission.DROP:
            return web.Response(text=SUCCESS)
        remaining = self.reply_budget - (asyncio.get_running_loop().time() - started)
        if admission is Admission.WARN:
            texts: tuple[str, ...] = (await self._slow_down(incoming.user_id),)
        else:
            texts = await self._answer(incoming, remaining)
        if not texts:
            return web.Response(text=SUCCESS)
        now = int(self.dispatcher.clock().timestamp())
        xml = text_reply(to_user=fields.get("FromUserName", ""),
                         from_user=fields.get("ToUserName", ""), text=texts[0], now=now)
        self._spawn(self._send_texts(incoming.chat_id, texts[1:]))
        return web.Response(text=self.verifier.seal(envelope, xml),
                            content_type="application/xml")

    async def _answer(self, incoming: Incoming, budget: float) -> tuple[str, ...]:
        """The texts to answer passively, or () when they go out later (or went already)."""
        job = self._jobs.get(incoming.update_id)
        if job is None:
            job = _Job(self._track(self._handle(incoming)))
            self._jobs[incoming.update_id] = job
            job.task.add_done_callback(lambda _t: self._jobs.pop(incoming.update_id, None))
        else:
            log.info("wechat: retry of %s joins the running handling", incoming.update_id)
        done, _pending = await asyncio.wait({job.task}, timeout=max(budget, 0.0))
        if done:
            return job.take()
        if not job.late:
            job.late = True
            log.info("wechat: %s not ready in time; answering by the API", incoming.update_id)
            job.task.add_done_callback(lambda _t: self._spawn(self._send_late(job, incoming)))
        return ()

    async def _first_use(self, envelope: Envelope, body: bytes) -> bool:
        """The replay cache, in the database so that every process shares it. Only a plaintext
        body is unsigned: in the encrypted modes msg_signature covers the body, so a replayed
        signature cannot carry another message, and a replay of the same request is the
        dispatcher's duplicate (no write here, which would wait on a busy database)."""
        if envelope.key is not None:
            return True
        async with self.sessions.begin() as session:
            return await first_use_of_nonce(
                session, channel=CHANNEL, timestamp=envelope.timestamp, nonce=envelope.nonce,
                signed=envelope.signed, body=body, now=self.dispatcher.clock(),
                keep=timedelta(seconds=2 * REPLAY_WINDOW),
            )

    async def _slow_down(self, openid: str) -> str:
        """"Slow down" in the member's language (WeChat sends none with the message)."""
        async with self.sessions.begin() as session:
            member = await find_member(session, channel=CHANNEL, external_id=openid)
        services = self.dispatcher.services
        language = member.language if member else services.settings.bot.default_language
        return services.catalogs.get(language).gettext(SLOW_DOWN)

    async def _send_late(self, job: _Job, incoming: Incoming) -> None:
        await self._send_texts(incoming.chat_id, job.take())

    async def _handle(self, incoming: Incoming) -> tuple[str, ...]:
        """One update in isolation: whatever it raises is logged with its id and the member
        gets the apology (in the default language: the member's may be what failed)."""
        try:
            return await self._handle_unguarded(incoming)
        except Exception:
            log.exception("wechat: update %s failed", incoming.update_id)
            services = self.dispatcher.services
            language = services.settings.bot.default_language
            return (services.catalogs.get(language).gettext(SORRY),)

    async def _handle_unguarded(self, incoming: Incoming) -> tuple[str, ...]:
        """Dispatch; replies for other chats go their way, ours are rendered as texts."""
        started = time.monotonic()
        incoming = await self._resolve_option(incoming)
        replies = await self.dispatcher.handle(incoming, files=_Files(self.api))
        log.info("wechat update %s: %s in %.0f ms", incoming.update_id,
                 describe(incoming, replies), (time.monotonic() - started) * 1000)
        await self._release_waiting(incoming.user_id)
        mine = [r for r in replies if r.to is None or r.to == incoming.address]
        others = [r for r in replies if not (r.to is None or r.to == incoming.address)]
        if others:
            self._spawn(self.outbound.deliver(incoming.address, others))
        images = [r.file for r in mine if r.file is not None
                  and r.file.mime_type.startswith("image/")]
        if images:  # after the passive reply: a text reply cannot carry an image
            self._spawn(self._send_images(incoming.chat_id, images))
        texts = await self._render(incoming.chat_id, mine) if mine else ()
        self.dispatcher.delivered(incoming)  # passed to WeChat's answer or the late send
        return texts

    async def _send_images(self, chat_id: str, files: Sequence[OutgoingFile]) -> None:
        """Each photo uploaded as temporary media and sent as an image message."""
        for file in files:
            try:
                media_id = await self.api.upload_temporary_image(file.data, file.name,
                                                             file.mime_type)
                await self.api.send_image(chat_id, media_id)
            except WeChatApiError as exc:
                log.warning("wechat: image %s to %s failed: %s", file.name, chat_id, exc)

    async def _resolve_option(self, incoming: Incoming) -> Incoming:
        """A lone digit answers the numbered options we offered last; writing again makes a
        member who had unsubscribed reachable."""
        number = option_number(incoming.text)
        now = self.dispatcher.clock()
        async with self.sessions.begin() as session:
            await mark_reachable(session, channel=CHANNEL, external_id=incoming.user_id)
            if number is None:
                return incoming
            payload = await chosen_option(session, channel=CHANNEL, chat_id=incoming.chat_id,
                                          number=number, now=now)
        return incoming if payload is None else replace(incoming, text=None, payload=payload)

    async def _render(self, chat_id: str, replies: Sequence[Reply]) -> tuple[str, ...]:
        now = self.dispatcher.clock()
        async with self.sessions.begin() as session:
            member = await find_member(session, channel=CHANNEL, external_id=chat_id)
            services = self.dispatcher.services
            language = member.language if member else services.settings.bot.default_language
            rendered = render_replies(replies, services.catalogs.get(language))
            await offer_options(session, channel=CHANNEL, chat_id=chat_id,
                                payloads=list(rendered.options), now=now)
        return rendered.texts

    async def _send_texts(self, chat_id: str, texts: Sequence[str]) -> None:
        for text in texts:
            try:
                await self.api.send_text(chat_id, text)
            except WeChatApiError as exc:
                log.warning("wechat: customer-service message to %s failed: %s", chat_id, exc)
                return

    async def send(self, chat_id: str, reply: Reply) -> None:
        """A reply addressed to a WeChat member from elsewhere (staff relay, notices)."""
        for text in await self._render(chat_id, [reply]):
            await self.api.send_text(chat_id, text)

    async def _release_waiting(self, openid: str) -> None:
        """They wrote, so the 48-hour window is open: notices that waited go out now."""
        async with self.sessions.begin() as session:
            released = await release_waiting(session, channel=CHANNEL, external_id=openid,
                                             now=self.dispatcher.clock())
        if released:
            log.info("wechat: %d waiting notices released for %s", released, openid)

    async def _mass_send_report(self, fields: dict[str, str]) -> None:
        def count(name: str) -> int:
            value = fields.get(name, "")
            return int(value) if value.isdigit() else 0

        async with self.sessions.begin() as session:
            job = await finish_mass_job(
                session, msg_id=fields.get("MsgID", fields.get("MsgId", "")),
                status=fields.get("Status", ""), total=count("TotalCount"),
                filtered=count("FilterCount"), sent=count("SentCount"),
                errors=count("ErrorCount"), now=self.dispatcher.clock())
        log.info("wechat: mass send %s finished (%s)", fields.get("MsgID", ""),
                 "recorded" if job else "not ours")

    async def _forget(self, openid: str) -> None:
        """Unsubscribed: WeChat expects us to delete the member's WeChat data."""
        async with self.sessions.begin() as session:
            known = await forget_chat(session, channel=CHANNEL, external_id=openid,
                                      chat_id=openid)
        log.info("wechat: %s unsubscribed (%s)", openid, "forgotten" if known else "unknown")

    def _track(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        _task = self._track(coro)


class _Files:
    def __init__(self, api: WeChatApi) -> None:
        self.api = api

    async def fetch(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        return await self.api.get_media(attachment.file_ref, max_bytes=max_bytes)
