"""A chat in the terminal, for trying the bot locally: numbered buttons, /commands, free text.

Type a number to press a button, `/start` for the menu, `@39.91,116.37` to share a location,
`/quit` or Ctrl-D to leave.
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.channels.base import Outbound
from bot.dispatcher import Dispatcher
from bot.documents import write_private
from bot.messages import Button, Incoming, Location, OutgoingFile, Reply

LOCATION = re.compile(r"^@\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)$")


class TerminalChannel:
    name = "terminal"

    def __init__(
        self,
        dispatcher: Dispatcher,
        outbound: Outbound,
        *,
        language: str,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        save_dir: Path | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.outbound = outbound
        self.language = language
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.save_dir = save_dir  # files the bot sends are saved here (0600)
        self.buttons: list[Button] = []
        self._count = 0

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.buttons = [button for row in reply.buttons for button in row]
        lines = [reply.text]
        lines += [f"  [{n}] {b.label}" for n, b in enumerate(self.buttons, start=1)]
        if reply.file is not None:
            lines.append(f"  (file: {await self._keep(reply.file)}, "
                         f"{len(reply.file.data)} bytes)")
        self.stdout.write("\n".join(lines) + "\n\n")
        self.stdout.flush()

    async def _keep(self, file: OutgoingFile) -> str:
        if self.save_dir is None:
            return file.name
        path = self.save_dir / Path(file.name).name
        await asyncio.to_thread(write_private, path, file.data, self.save_dir)
        return str(path)

    def to_incoming(self, line: str) -> Incoming:
        self._count += 1
        base = Incoming(
            channel=self.name, chat_id="local", user_id="local", display_name="",
            language_hint=self.language, update_id="",
        )
        text = line.strip()
        fields: dict[str, object] = {}
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            button = self.buttons[int(text) - 1]
            fields = {"payload": button.payload} if button.payload else {"text": button.url}
        elif text.startswith("/") and len(text) > 1:
            command, *args = text[1:].split()
            fields = {"command": command, "args": tuple(args)}
        elif match := LOCATION.match(text):
            fields = {"location": Location(float(match[1]), float(match[2]))}
        else:
            fields = {"text": line}
        return replace(base, **fields)  # type: ignore[arg-type]

    async def run(self) -> None:
        """Read lines until end of input; answer each one."""
        self.stdout.write("unionbot: type a question, /start for the menu, Ctrl-D to leave.\n\n")
        await self._say(Incoming(channel=self.name, chat_id="local", user_id="local",
                                 language_hint=self.language, command="start"))
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                return
            await self._say(self.to_incoming(line.rstrip("\n")))

    async def _say(self, incoming: Incoming) -> None:
        replies = await self.dispatcher.handle(incoming)
        await self.outbound.deliver(incoming.address, replies)
