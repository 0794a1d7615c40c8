"""The access token kept in the database, so the processes of one account share it."""

from __future__ import annotations

from datetime import UTC, datetime

from models.db import Sessions
from models.tokens import find_token, save_token


class DbTokenStore:
    def __init__(self, sessions: Sessions, app_id: str) -> None:
        self.sessions = sessions
        self.name = f"wechat:{app_id}"

    async def load(self) -> tuple[str, float] | None:
        async with self.sessions.begin() as session:
            row = await find_token(session, self.name)
            return None if row is None else (row.token, row.expires_at.timestamp())

    async def save(self, token: str, expires: float) -> None:
        async with self.sessions.begin() as session:
            await save_token(session, self.name, token=token,
                             expires_at=datetime.fromtimestamp(expires, UTC))
