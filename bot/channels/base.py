"""What every channel offers the core: a name, and a way to send a reply to one of its chats."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from bot.messages import Address, Incoming, Reply, split_payload

log = logging.getLogger(__name__)


class Channel(Protocol):
    name: str

    async def send(self, chat_id: str, reply: Reply) -> None: ...


class Outbound:
    """Sends replies addressed to other chats (a staff relay, a notice) through their channel."""

    def __init__(self, channels: Mapping[str, Channel] | None = None) -> None:
        self.channels: dict[str, Channel] = dict(channels or {})

    def add(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    async def deliver(self, origin: Address, replies: Iterable[Reply]) -> None:
        for reply in replies:
            target = reply.to or origin
            channel = self.channels.get(target.channel)
            if channel is None:
                log.error("no channel %r to deliver a reply to %s", target.channel, target.chat_id)
                continue
            try:
                await channel.send(target.chat_id, reply)
            except Exception:
                log.exception("could not deliver a reply to %s:%s", target.channel, target.chat_id)


def split_text(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most `limit` characters, at line breaks where possible."""
    if not text:
        return [""]
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut <= limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip("\n"))
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return [piece for piece in pieces if piece] or [""]


def describe(incoming: Incoming, replies: Sequence[Reply]) -> str:
    """What an update was, for the one INFO line per update: a command, a button's action, or
    the intent its answer carried (never the member's text)."""
    if incoming.command is not None:
        return "/" + incoming.command[:32]
    if incoming.payload is not None:
        return "button " + split_payload(incoming.payload)[0][:48]
    intents = [reply.intent for reply in replies if reply.intent]
    if intents:
        return "intent " + intents[0]
    return "text" if incoming.text is not None else "other"
