"""Broadcast rows that one platform call delivers together (a WeChat mass send to a tag):
leased all at once, sent through the channel's BulkSender, one outcome for every row."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.delivery.content import broadcast_reply
from bot.delivery.sender import BulkMessage, BulkSender, MessageKind, Outcome, SendResult
from models.broadcast import BroadcastStatus, RowStatus, get_broadcast
from models.db import Sessions
from models.outbox import Claimed, Result, claim_broadcast_rows

log = logging.getLogger(__name__)

# A bulk send first brings the platform's group in step (WeChat tags 50 followers a call):
# its rows are held long enough for that.
BULK_LEASE = timedelta(minutes=10)
CANCELLED = SendResult(Outcome.FAILED, detail="cancelled")


async def lease_bulk(
    sessions: Sessions, *, channel: str, owner: str, now: datetime, lease: timedelta,
    urgent_only: bool,
) -> tuple[list[Claimed], BulkMessage | None]:
    """The rows of the oldest due broadcast on `channel`, and its message (None when the
    broadcast was cancelled meanwhile)."""
    async with sessions.begin() as session:
        rows = await claim_broadcast_rows(
            session, channel=channel, kind=MessageKind.ANNOUNCEMENT.value, owner=owner,
            now=now, lease=max(lease, BULK_LEASE), urgent_only=urgent_only)
        broadcast = await get_broadcast(session, rows[0].broadcast_id or 0) if rows else None
    if broadcast is None or broadcast.status == BroadcastStatus.CANCELLED.value:
        return rows, None
    return rows, BulkMessage(broadcast.id, broadcast.audience,
                             broadcast_reply(broadcast.text, broadcast.photo),
                             tuple(row.chat_id for row in rows))


async def send_bulk(sender: BulkSender, message: BulkMessage | None) -> SendResult:
    if message is None:
        return CANCELLED
    try:
        return await sender.deliver_bulk(message)
    except Exception as exc:  # a BulkSender should not raise; treat it as transient
        log.exception("bulk sender %s raised for broadcast %s", sender.channel,
                      message.broadcast_id)
        return SendResult(Outcome.TRANSIENT, detail=type(exc).__name__)


def bulk_result(row: Claimed, sent: SendResult, single: Result) -> Result:
    """A row's result: as for a message of its own (`single`), but delivered by the bulk send
    (MASS) rather than SENT, and cancelled when the broadcast was."""
    if sent is CANCELLED:
        return Result(row.id, RowStatus.CANCELLED, "cancelled", counts_attempt=False)
    if single.status is RowStatus.SENT:
        return Result(row.id, RowStatus.MASS, sent.detail)
    return single
