"""Helpers for the member-services tests: a dispatcher on a fixed clock, demo data, staff."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.answering import load_answerer
from bot.config import Settings
from bot.context import Services
from bot.demo import load_demo
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from handlers import all_routes
from models.db import Sessions
from models.member import Member, Role, get_or_create_member

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, Friday 20 November 2026
DEMO_CARD = "6200000000000001"


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_dispatcher(settings: Settings, sessions: Sessions, clock: Clock | None = None
                    ) -> Dispatcher:
    services = Services(settings=settings, catalogs=Catalogs(), answerer=load_answerer())
    return Dispatcher(all_routes(), services, sessions, clock=clock or Clock())


async def load_demo_data(sessions: Sessions, now: datetime = NOW) -> None:
    async with sessions.begin() as session:
        await load_demo(session, now)


async def make_staff(sessions: Sessions, user_id: str, *, language: str = "zh_CN") -> Member:
    async with sessions.begin() as session:
        member, _created = await get_or_create_member(
            session, channel="telegram", external_id=user_id, chat_id=user_id,
            display_name="Staff", language=language, now=NOW)
        member.role = Role.STAFF.value
        return member
