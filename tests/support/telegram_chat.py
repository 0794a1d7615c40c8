"""The whole bot on the fake Bot API, and one person's Telegram chat with it: send, wait for
answers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import App
from bot.config import Settings, load_settings
from tests.support.fakes.telegram_api import FakeTelegram, Sent

STAFF_GROUP = -100777


class Chat:
    """A member's private chat, or (with `group`) their messages in a group chat."""

    def __init__(self, server: FakeTelegram, user_id: int, language: str,
                 group: int | None = None) -> None:
        self.server, self.user_id, self.language, self.group = server, user_id, language, group

    @property
    def chat_id(self) -> int:
        return self.group if self.group is not None else self.user_id

    def update(self, **content: Any) -> dict[str, Any]:
        where: dict[str, Any] = {} if self.group is None else {
            "chat_type": "group", "chat_id": self.group}
        return self.server.message(self.user_id, language=self.language, **where, **content)

    async def _push(self, update: dict[str, Any], answers: int) -> list[Sent]:
        before = len(self.server.to(self.chat_id))
        self.server.push(update)
        sent = await self.server.wait_for(self.chat_id, before + answers)
        return sent[before:]

    async def says(self, text: str, answers: int = 1) -> str:
        sent = await self._push(self.update(text=text), answers)
        return "\n".join(s.text for s in sent)

    async def presses(self, data: str, answers: int = 1) -> list[Sent]:
        return await self._push(self.server.callback(self.user_id, data,
                                                     language=self.language), answers)

    async def sends(self, answers: int = 1, **content: Any) -> list[Sent]:
        return await self._push(self.update(**content), answers)


class RunningClock:
    """Starts at a pinned time and runs with the real clock, so retries come due."""

    def __init__(self, start: datetime) -> None:
        self.start, self.t0 = start, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


def app_settings(database_url: str, data_dir: Path, fake: FakeTelegram, **sections: Any
                 ) -> Settings:
    """The whole bot on the fake Bot API: no quiet hours, no per-chat pause, staff chat set."""
    return load_settings(
        None, database={"url": database_url}, bot={"data_dir": str(data_dir)},
        telegram={"token": fake.token, "base_url": fake.base_url,
                  "base_file_url": fake.base_file_url},
        broadcast={"quiet_hours": "", "per_chat_interval": 0},
        # A scripted member answers faster than a person types.
        # Port 0: a bot already on 8080 (`make run`, another test run) fails no test here.
        **{"handoff": {"staff_chat": f"telegram:{STAFF_GROUP}"},
           "inbound": {"member_burst": 1000}, "http": {"port": 0}, **sections},
    )


@asynccontextmanager
async def running(settings: Settings, start: datetime) -> AsyncIterator[App]:
    app = App(settings, clock=RunningClock(start))
    await app.start()
    try:
        yield app
    finally:
        await app.stop()
