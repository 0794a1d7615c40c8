"""Talk to the dispatcher as a member would, and read its replies as text."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from bot.context import FileFetcher
from bot.dispatcher import Dispatcher
from bot.messages import Address, Incoming, Location, Reply
from bot.notices import buttons_from_rows
from models.broadcast import OutboxMessage


@dataclass
class Member:
    """One member's chat with the bot, without a channel in between."""

    dispatcher: Dispatcher
    user_id: str = "1001"
    channel: str = "telegram"
    language: str = "zh-hans"
    name: str = "王芳"
    last: list[Reply] = field(default_factory=list)
    files: FileFetcher | None = None
    _count: int = 0

    async def send(self, **content: object) -> list[Reply]:
        self._count += 1
        chat_id = str(content.pop("chat_id", self.user_id))
        incoming = Incoming(
            channel=self.channel, chat_id=chat_id, user_id=self.user_id,
            display_name=self.name, language_hint=self.language,
            update_id=f"{self.user_id}-{self._count}", **content,  # type: ignore[arg-type]
        )
        self.last = await self.dispatcher.handle(incoming, files=self.files)
        return self.last

    async def says(self, text: str) -> str:
        return _text(await self.send(text=text))

    async def command(self, line: str) -> str:
        name, *args = line.lstrip("/").split()
        return _text(await self.send(command=name, args=tuple(args)))

    async def presses(self, payload: str) -> str:
        return _text(await self.send(payload=payload))

    async def shares_location(self, latitude: float, longitude: float) -> str:
        return _text(await self.send(location=Location(latitude, longitude)))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return [(b.label, b.payload or b.url or "") for r in self.last for row in r.buttons
                for b in row]

    @property
    def intents(self) -> list[str | None]:
        return [r.intent for r in self.last]


def _text(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


@dataclass(frozen=True)
class Notice:
    """A message queued in the outbox for another chat, as the delivery engine will send it."""

    to: Address
    text: str
    payloads: tuple[str, ...]
    status: str


async def notices(dispatcher: Dispatcher, to: Address | None = None) -> list[Notice]:
    """Every notice queued so far (oldest first), or those for one chat."""
    async with dispatcher.sessions.begin() as session:
        rows = await session.scalars(select(OutboxMessage).where(
            OutboxMessage.broadcast_id.is_(None)).order_by(OutboxMessage.id))
        found = [Notice(Address(row.channel, row.chat_id), row.text or "",
                        tuple(b.payload or "" for line in buttons_from_rows(row.buttons)
                              for b in line), row.status) for row in rows]
    return [n for n in found if to is None or n.to == to]
