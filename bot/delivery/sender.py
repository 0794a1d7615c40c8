"""The port each channel implements so the delivery engine can send to its members."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.messages import Reply


class MessageKind(StrEnum):
    """Why we write: platforms allow different means for each (WeChat templates are for
    service notices only, never announcements)."""

    ANNOUNCEMENT = "announcement"  # staff broadcasts
    SERVICE_NOTICE = "service_notice"  # reminders, claim status, waitlist promotion


class Outcome(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # the platform asked us to wait `retry_after` seconds
    TRANSIENT = "transient"  # network or 5xx: try again later with backoff
    BLOCKED = "blocked"  # the member blocked the bot or unsubscribed: mark unreachable
    OUT_OF_WINDOW = "out_of_window"  # a platform rule forbids this message now (WeChat 48 h)
    WAITING = "waiting"  # held until the member writes (WeChat's 48 h window), then sent
    FAILED = "failed"  # permanent for this message (bad request): do not retry


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    retry_after: float | None = None
    detail: str = ""


class Sender(Protocol):
    """Sends one message to one chat and says how it went; never raises for platform errors."""

    channel: str

    async def deliver(self, chat_id: str, reply: Reply, *, kind: MessageKind) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class BulkMessage:
    """One broadcast's message to many members of a channel at once."""

    broadcast_id: int
    audience: str  # all | topic:X | lang:xx | tag:T: the platform-side group to address
    reply: Reply
    recipients: tuple[str, ...]  # chat ids: exactly who must get it


class BulkSender(Protocol):
    """Sends a broadcast's announcement to all its recipients on a channel in one go (WeChat's
    mass send to a tag); the outcome holds for every recipient."""

    channel: str

    async def deliver_bulk(self, message: BulkMessage) -> SendResult: ...
