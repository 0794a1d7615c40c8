"""Talk to the dispatcher as a member would, and read its replies as text."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.context import FileFetcher
from bot.dispatcher import Dispatcher
from bot.messages import Incoming, Location, Reply


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
        incoming = Incoming(
            channel=self.channel, chat_id=self.user_id, user_id=self.user_id,
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
