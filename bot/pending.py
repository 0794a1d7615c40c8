"""Direct replies kept with their update until sent, so a crash between the commit and the
send costs a member a duplicate at worst, never a lost answer.

The dispatcher records the replies in the transaction that marks the update handled; the
channel says when it sent them; the confirmations ride on the next update's transaction, are
written within a quarter of a second when no update comes, and on a clean stop. Whatever was
recorded in the last 15 minutes but never confirmed is sent again: the updates in flight when
a process died, and the last ones it sent just before (their confirmation was not written).

A process alone sends them when it starts. Several processes (sharing Redis) cannot tell a
dead process's replies from those a live one is sending, so the scheduler leader sends the
replies that stayed unconfirmed longer than any live process takes (`UnsentSweeper`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.channels.base import Outbound
from bot.messages import Address, Ask, Button, OutgoingFile, Reply
from models.base import utcnow
from models.db import Sessions
from models.dedupe import mark_sent, unsent_replies

log = logging.getLogger(__name__)

RESEND_WINDOW = timedelta(minutes=15)  # an older answer is no longer worth sending
# A live process sends and confirms well within this (a chat held by a 429, or by the slot of
# a request a killed process left in the shared limiter, waits up to 30 s); a reply left
# unconfirmed longer was recorded by a process that died.
SWEEP_GRACE = timedelta(seconds=60)
CONFIRM_SECONDS = 0.25  # confirmations no update carried are written after this
# A sweep looks again this far behind where the one before stopped: a row's time is taken when
# its transaction starts, it shows once committed, and the processes' clocks differ a little.
SWEEP_OVERLAP = timedelta(seconds=10)
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
        self._writer: asyncio.Task[None] | None = None
        self._in_background = False

    def start(self) -> None:
        """Write confirmations no update carries within CONFIRM_SECONDS, until `close`."""
        self._in_background = True

    def add(self, row_id: int) -> None:
        self._ids.add(row_id)
        if self._in_background and (self._writer is None or self._writer.done()):
            self._writer = asyncio.get_running_loop().create_task(self._write_soon())

    async def _write_soon(self) -> None:
        """Written even when no update follows: a reply left unconfirmed is sent again."""
        while self._ids:
            await asyncio.sleep(CONFIRM_SECONDS)
            await self.flush()

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
        self._in_background = False
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        await self.flush()


async def resend_unsent(
    sessions: Sessions, outbound: Outbound, *, now: datetime,
    since: datetime | None = None, before: datetime | None = None,
) -> int:
    """Send the replies recorded (since `since`, before `before`) but never confirmed, each
    marked sent once it went. Returns how many."""
    start = max(now - RESEND_WINDOW, since or now - RESEND_WINDOW)
    async with sessions.read() as session:
        rows = await unsent_replies(session, since=start, before=before)
    sent = 0
    for row_id, items in rows:
        replies = [reply_from_json(item) for item in items]
        await outbound.deliver(NOWHERE, replies)  # each carries its own address
        async with sessions.begin() as session:
            await mark_sent(session, {row_id})
        sent += len(replies)
    if sent:
        log.info("sent %d replies again that were recorded but never confirmed", sent)
    return sent


class UnsentSweeper:
    """Run by the scheduler leader: sends the replies a process recorded and then died
    without sending (or without confirming), once they are `grace` old. Each sweep looks at
    what came of age since the one before (and a little before that); the first looks back
    over the whole resend window."""

    def __init__(self, sessions: Sessions, outbound: Outbound, *,
                 clock: Callable[[], datetime] = utcnow, grace: timedelta = SWEEP_GRACE) -> None:
        self.sessions = sessions
        self.outbound = outbound
        self.clock = clock
        self.grace = grace
        self._swept_to: datetime | None = None

    async def sweep(self) -> int:
        now = self.clock()
        before = now - self.grace
        since = None if self._swept_to is None else self._swept_to - SWEEP_OVERLAP
        sent = await resend_unsent(self.sessions, self.outbound, now=now, since=since,
                                   before=before)
        self._swept_to = before
        return sent

    def forget(self) -> None:
        """Leadership lost: whoever leads next (this process again, later) looks back fully."""
        self._swept_to = None
