"""Direct replies kept with their update until sent, so a crash between the commit and the
send costs a member a duplicate at worst, never a lost answer.

The dispatcher records the replies in the transaction that marks the update handled; the
channel says when it sent them; the confirmations ride on the next update's transaction, and
on a clean stop. On start, whatever was recorded in the last 15 minutes but never confirmed is
sent again: the updates in flight when the process died, and the last ones it sent before (no
later update carried their confirmation), at most as many as were in flight then.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.channels.base import Outbound
from bot.messages import Address, Ask, Button, OutgoingFile, Reply
from models.db import Sessions
from models.dedupe import mark_sent, unsent_replies

log = logging.getLogger(__name__)

RESEND_WINDOW = timedelta(minutes=15)  # an older answer is no longer worth sending
FILE_LIMIT = 256 * 1024  # bytes of a file kept for a resend; a larger one is sent as text only
NOWHERE = Address("", "")


def replies_to_json(origin: Address, replies: Sequence[Reply]) -> list[dict[str, Any]]:
    return [_reply_to_json(reply.to or origin, reply) for reply in replies]


def _reply_to_json(target: Address, reply: Reply) -> dict[str, Any]:
    item: dict[str, Any] = {"channel": target.channel, "chat_id": target.chat_id,
                            "text": reply.text, "intent": reply.intent}
    if reply.buttons:
        item["buttons"] = [[[b.label, b.payload, b.url] for b in row] for row in reply.buttons]
    if reply.ask is not None:
        item["ask"] = reply.ask.value
    if reply.file is not None and len(reply.file.data) <= FILE_LIMIT:
        item["file"] = [reply.file.name, reply.file.mime_type, reply.file.as_photo,
                        base64.b64encode(reply.file.data).decode()]
    return item


def reply_from_json(item: dict[str, Any]) -> Reply:
    file = None
    if "file" in item:
        name, mime, as_photo, data = item["file"]
        file = OutgoingFile(name, base64.b64decode(data), mime, as_photo)
    return Reply(
        text=item["text"],
        buttons=tuple(tuple(Button(label, payload, url) for label, payload, url in row)
                      for row in item.get("buttons", ())),
        file=file, ask=Ask(item["ask"]) if "ask" in item else None, intent=item.get("intent"),
        to=Address(item["channel"], item["chat_id"]),
    )


class Confirmations:
    """Row ids of updates whose replies were sent, waiting to be written."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self._ids: set[int] = set()

    def add(self, row_id: int) -> None:
        self._ids.add(row_id)

    def take(self) -> set[int]:
        ids, self._ids = self._ids, set()
        return ids

    def give_back(self, ids: set[int]) -> None:
        self._ids |= ids

    async def flush(self) -> None:
        ids = self.take()
        if not ids:
            return
        try:
            async with self.sessions.begin() as session:
                await mark_sent(session, ids)
        except Exception:
            self.give_back(ids)
            log.exception("could not record %d sent replies; they may be sent again", len(ids))

    async def close(self) -> None:
        await self.flush()


async def resend_unsent(sessions: Sessions, outbound: Outbound, *, now: datetime) -> int:
    """Send the replies a crashed process recorded but never confirmed. Returns how many."""
    async with sessions.read() as session:
        rows = await unsent_replies(session, since=now - RESEND_WINDOW)
    sent = 0
    for row_id, items in rows:
        replies = [reply_from_json(item) for item in items]
        await outbound.deliver(NOWHERE, replies)  # each carries its own address
        async with sessions.begin() as session:
            await mark_sent(session, {row_id})
        sent += len(replies)
    if sent:
        log.info("sent %d replies again that were recorded but not confirmed before a restart",
                 sent)
    return sent
