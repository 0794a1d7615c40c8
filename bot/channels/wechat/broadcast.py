"""Announcements to WeChat followers by mass send (群发) to a tag, within the account's
monthly quota.

Each of our audiences (everyone, a topic's subscribers, a language, a staff tag) has a WeChat
tag of its own. Before a send, the tag is brought in step with exactly the broadcast's
recipients (members who opted out come off it), so one `sendall` reaches them all, outside
the 48-hour window too. A photo is uploaded once and sent again by its media_id.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.inbound import CHANNEL
from bot.channels.wechat.sender import outcome_for
from bot.delivery.sender import BulkMessage, Outcome, SendResult
from models.base import utcnow
from models.db import Sessions
from models.media import find_media, save_media
from models.outbox import set_reachable
from models.wechat_mass import (
    WeChatMassJob,
    find_tag,
    mass_jobs_of,
    mass_sends_in_month,
    note_tagging,
    record_mass_job,
    save_tag,
    tagged_openids,
)

log = logging.getLogger(__name__)

TAG_BATCH = 50  # followers per batchtagging call
TAG_NAME_LIMIT = 30  # characters WeChat allows in a tag name
NAME_TAKEN = 45157
DUPLICATE_CLIENT_ID = 45065  # this clientmsgid was sent already: the first send stands
NO_QUOTA = "mass_quota: no WeChat mass send left this month"
TITLE_LIMIT = 64
GONE = frozenset({40003, 43004})  # not one of our followers (any more)


class WeChatMassBroadcaster:
    channel = CHANNEL

    def __init__(
        self, api: WeChatApi, sessions: Sessions, *, per_month: int, zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.api = api
        self.sessions = sessions
        self.per_month = per_month
        self.zone = zone
        self.clock = clock

    async def deliver_bulk(self, message: BulkMessage) -> SendResult:
        month = self.clock().astimezone(self.zone).strftime("%Y-%m")
        async with self.sessions.begin() as session:
            if await mass_jobs_of(session, message.broadcast_id):
                return SendResult(Outcome.SENT, detail="mass send already made")
            used = await mass_sends_in_month(session, month)
        if used >= self.per_month:
            return SendResult(Outcome.FAILED, detail=NO_QUOTA)
        try:
            tag_id = await self._tag(message.audience)
            await self._sync(tag_id, message.recipients)
            body = await self._body(message)
            msg_id = await self.api.mass_send_to_tag(
                tag_id, body, client_id=f"unionbot-{message.broadcast_id}")
        except WeChatApiError as exc:
            if exc.errcode == DUPLICATE_CLIENT_ID:
                return SendResult(Outcome.SENT, detail="mass send already made")
            log.warning("wechat: mass send of broadcast %s failed: %s", message.broadcast_id, exc)
            return outcome_for(exc)
        async with self.sessions.begin() as session:
            await record_mass_job(session, WeChatMassJob(
                broadcast_id=message.broadcast_id, month=month, msg_id=msg_id, tag_id=tag_id,
                recipients=len(message.recipients), created_at=self.clock(), status=""))
        log.info("wechat: broadcast %s mass-sent to tag %s (%d followers), msg_id %s",
                 message.broadcast_id, tag_id, len(message.recipients), msg_id)
        return SendResult(Outcome.SENT, detail=f"mass msg_id {msg_id}")

    async def _tag(self, audience: str) -> int:
        """Our tag for this audience, created on first use."""
        async with self.sessions.begin() as session:
            known = await find_tag(session, audience)
        if known is not None:
            return known
        name = tag_name(audience)
        try:
            tag_id = await self.api.create_tag(name)
        except WeChatApiError as exc:
            if exc.errcode != NAME_TAKEN:
                raise
            tag_id = (await self.api.list_tags())[name]  # made by us before the note was lost
        async with self.sessions.begin() as session:
            await save_tag(session, audience, tag_id)
        return tag_id

    async def _sync(self, tag_id: int, recipients: Sequence[str]) -> None:
        """The tag carries exactly the recipients: the others (opted out since) come off."""
        async with self.sessions.begin() as session:
            current = await tagged_openids(session, tag_id)
        wanted = set(recipients)
        for on, openids in ((True, sorted(wanted - current)), (False, sorted(current - wanted))):
            for start in range(0, len(openids), TAG_BATCH):
                batch = openids[start:start + TAG_BATCH]
                done = await self._tag_batch(tag_id, batch, on=on)
                async with self.sessions.begin() as session:
                    await note_tagging(session, tag_id, added=done if on else (),
                                       removed=() if on else batch)

    async def _tag_batch(self, tag_id: int, batch: list[str], *, on: bool) -> list[str]:
        """Tag (or untag) a batch; followers WeChat no longer knows (unfollowed: 40003, 43004)
        are left out and marked unreachable (their rows: blocked) rather than failing the whole
        send. Returns those tagged."""
        try:
            await self.api.tag_followers(tag_id, batch, on=on)
            return batch
        except WeChatApiError as exc:
            if exc.errcode not in GONE:
                raise
            if not on:
                return batch  # an unfollowed openid is off every tag already
        done = []
        for openid in batch:
            try:
                await self.api.tag_followers(tag_id, [openid], on=True)
                done.append(openid)
            except WeChatApiError as exc:
                if exc.errcode not in GONE:
                    raise
                log.info("wechat: %s is no longer a follower; marked unreachable", openid)
                async with self.sessions.begin() as session:
                    await set_reachable(session, channel=CHANNEL, external_id=openid,
                                        reachable=False)
        return done

    async def _body(self, message: BulkMessage) -> dict[str, Any]:
        reply = message.reply
        if reply.file is None or not reply.file.as_photo:
            return {"msgtype": "text", "text": {"content": reply.text}}
        thumb = await self._media_id(reply.file.data)
        title = reply.text.splitlines()[0][:TITLE_LIMIT] if reply.text else "📷"
        news = await self.api.upload_news([{
            "thumb_media_id": thumb, "title": title, "content": _html(reply.text),
            "show_cover_pic": 1,
        }])
        return {"msgtype": "mpnews", "mpnews": {"media_id": news}}

    async def _media_id(self, data: bytes) -> str:
        """Uploaded once per image: later sends reuse WeChat's media_id."""
        digest = hashlib.sha256(data).hexdigest()
        async with self.sessions.begin() as session:
            known = await find_media(session, channel=CHANNEL, digest=digest)
        if known is not None:
            return known
        media_id = await self.api.upload_image(data)
        async with self.sessions.begin() as session:
            await save_media(session, channel=CHANNEL, digest=digest, media_id=media_id,
                             now=self.clock())
        return media_id


def tag_name(audience: str) -> str:
    """A stable tag name of at most 30 characters for one of our audiences."""
    name = f"unionbot {audience}"
    if len(name) <= TAG_NAME_LIMIT:
        return name
    return f"unionbot {hashlib.sha1(audience.encode()).hexdigest()[:16]}"


def _html(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
