"""Notices to other chats (a claim decision, a staff relay, a waitlist seat, a binding
question): written to the durable outbox in the same transaction as the change they report,
then sent by the delivery engine with retries, 429 pauses and blocked-member handling.

Only the direct reply to a member's own message travels back through the channel at once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.sender import MessageKind
from bot.messages import Address, Button, Reply
from models.broadcast import RowStatus
from models.member import Member
from models.outbox import enqueue_chat_message, enqueue_message

log = logging.getLogger(__name__)

ButtonRows = list[list[dict[str, str]]]


def split_notices(origin: Address, replies: Sequence[Reply]) -> tuple[list[Reply], list[Reply]]:
    """(direct replies to the chat the message came from, notices for the outbox)."""
    direct: list[Reply] = []
    notices: list[Reply] = []
    for reply in replies:
        mine = reply.to_member is None and (reply.to is None or reply.to == origin)
        (direct if mine else notices).append(reply)
    return direct, notices


async def queue_notices(session: AsyncSession, notices: Sequence[Reply], *,
                        now: datetime) -> int:
    """One outbox row per notice; returns how many will be sent."""
    queued = 0
    for notice in notices:
        if notice.file is not None:
            log.warning("a notice cannot carry a file; its text alone is queued")
        buttons = buttons_to_rows(notice.buttons) or None
        kind = MessageKind.SERVICE_NOTICE.value
        if notice.to_member is not None:
            member = await session.get(Member, notice.to_member)
            if member is None:
                log.error("notice to unknown member %s dropped", notice.to_member)
                continue
            row = await enqueue_message(session, member, notice.text, now=now, kind=kind,
                                        buttons=buttons)
            if row.status != RowStatus.QUEUED.value:
                log.warning("notice to member %s not sent: %s", member.id, row.detail)
                continue
        elif notice.to is not None:
            await enqueue_chat_message(session, channel=notice.to.channel,
                                       chat_id=notice.to.chat_id, text=notice.text, now=now,
                                       kind=kind, buttons=buttons)
        queued += 1
    return queued


def buttons_to_rows(buttons: tuple[tuple[Button, ...], ...]) -> ButtonRows:
    return [[_button_dict(button) for button in row] for row in buttons]


def buttons_from_rows(rows: ButtonRows | None) -> tuple[tuple[Button, ...], ...]:
    """The stored buttons back; a malformed one is left out rather than failing the send."""
    result: list[tuple[Button, ...]] = []
    for row in rows or []:
        built = []
        for item in row:
            try:
                built.append(Button(item["label"], item.get("payload"), item.get("url")))
            except (KeyError, ValueError, TypeError):
                log.warning("outbox: a stored button is malformed and left out")
        if built:
            result.append(tuple(built))
    return tuple(result)


def _button_dict(button: Button) -> dict[str, str]:
    if button.payload is not None:
        return {"label": button.label, "payload": button.payload}
    return {"label": button.label, "url": button.url or ""}
