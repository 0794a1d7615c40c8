"""The delivery engine's `Sender` for WeChat: customer-service messages within 48 hours of the
member's last action; outside it, service notices go by template message where one is
configured, and otherwise wait until the member writes. Announcements go by mass send
(`broadcast.py`), never by template."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.channels.wechat.api import RATE_LIMITED, WeChatApi, WeChatApiError
from bot.channels.wechat.inbound import CHANNEL
from bot.channels.wechat.render import render_replies
from bot.config import WeChatSettings
from bot.delivery.sender import MessageKind, Outcome, SendResult
from bot.i18n import Catalogs
from bot.messages import Reply
from models.base import utcnow
from models.db import Sessions
from models.member import find_member
from models.options import offer_options

log = logging.getLogger(__name__)

# WeChat allows customer-service messages for 48 h after the member's last message, click,
# follow or scan; we stop 10 minutes short so a message queued at the edge is not refused.
SERVICE_WINDOW = timedelta(hours=48) - timedelta(minutes=10)
TEMPLATE_TEXT_LIMIT = 200  # characters of a template field WeChat shows in full

OUTCOMES = {
    45015: Outcome.OUT_OF_WINDOW,  # the member has not written in 48 hours
    45047: Outcome.OUT_OF_WINDOW,  # the customer-service quota after their message is used
    45028: Outcome.OUT_OF_WINDOW,  # no mass-send quota left
    43004: Outcome.BLOCKED,  # not (or no longer) following the account
    43019: Outcome.BLOCKED,  # the member blocked the account
    40003: Outcome.BLOCKED,  # an OpenID that is not ours (unsubscribed and data deleted)
    45009: Outcome.TRANSIENT,  # the daily API quota is used: tomorrow
    -1: Outcome.TRANSIENT,  # WeChat busy, or the network
}
RETRY_AFTER_RATE_LIMIT = 60.0  # WeChat counts calls per minute


def outcome_for(error: WeChatApiError) -> SendResult:
    if error.errcode == RATE_LIMITED:
        return SendResult(Outcome.RETRY_AFTER, RETRY_AFTER_RATE_LIMIT, str(error))
    return SendResult(OUTCOMES.get(error.errcode, Outcome.FAILED), None, str(error))


class WeChatSender:
    channel = CHANNEL

    def __init__(
        self,
        api: WeChatApi,
        sessions: Sessions,
        settings: WeChatSettings,
        *,
        catalogs: Catalogs | None = None,
        clock: Callable[[], datetime] = utcnow,
        default_language: str = "zh_CN",
    ) -> None:
        self.api = api
        self.sessions = sessions
        self.settings = settings
        self.catalogs = catalogs or Catalogs()
        self.clock = clock
        self.default_language = default_language

    async def deliver(self, chat_id: str, reply: Reply, *, kind: MessageKind) -> SendResult:
        now = self.clock()
        async with self.sessions.begin() as session:
            member = await find_member(session, channel=CHANNEL, external_id=chat_id)
        if member is None or member.unreachable:
            return SendResult(Outcome.BLOCKED, detail="not following the account")
        if now - member.last_seen_at < SERVICE_WINDOW:
            result = await self._customer_service(chat_id, reply, member.language, now)
            if result.outcome is not Outcome.OUT_OF_WINDOW:
                return result
        if kind is MessageKind.ANNOUNCEMENT:
            return SendResult(Outcome.OUT_OF_WINDOW, detail="outside the 48-hour window")
        if self.settings.template_id:
            return await self._template(chat_id, reply)
        # A service notice with no template to carry it: it goes the moment they write.
        return SendResult(Outcome.WAITING, detail="waiting for the member to write")

    async def _customer_service(
        self, chat_id: str, reply: Reply, language: str, now: datetime
    ) -> SendResult:
        rendered = render_replies([reply], self.catalogs.get(language))
        for index, text in enumerate(rendered.texts):
            try:
                await self.api.send_text(chat_id, text)
            except WeChatApiError as exc:
                if index:
                    log.warning("wechat: %s got %d of %d parts", chat_id, index,
                                len(rendered.texts))
                return outcome_for(exc)
        try:
            async with self.sessions.begin() as session:
                await offer_options(session, channel=CHANNEL, chat_id=chat_id,
                                    payloads=list(rendered.options), now=now)
        except Exception:
            # The member has the message: a failed note of its numbered options must not
            # make the engine send it again.
            log.exception("wechat: options for %s not saved; the message was sent", chat_id)
        return SendResult(Outcome.SENT)

    async def _template(self, chat_id: str, reply: Reply) -> SendResult:
        """The configured template must have a {{content.DATA}} field."""
        link = next((b.url for row in reply.buttons for b in row if b.url), None) or ""
        text = reply.text[:TEMPLATE_TEXT_LIMIT]
        try:
            await self.api.send_template(chat_id, self.settings.template_id,
                                         {"content": text}, url=link)
        except WeChatApiError as exc:
            return outcome_for(exc)
        return SendResult(Outcome.SENT, detail="template")
