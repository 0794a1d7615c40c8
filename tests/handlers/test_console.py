"""/console in the chat: staff get a one-time link in a private chat; members, groups and a
switched-off console get none; only the link's hash is stored."""

from __future__ import annotations

import base64
import os

from sqlalchemy import select

from bot.config import Settings, load_settings
from models.console import ConsoleLink
from models.db import Sessions
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import make_staff


def _console_on(settings: Settings) -> Settings:
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return load_settings(None, database={"url": settings.database.url},
                         bot={"data_dir": str(settings.bot.data_dir)},
                         console={"enabled": True, "secret_key": key,
                                  "public_url": "https://bot.example.org"})


async def test_staff_get_a_link_that_is_stored_only_as_a_hash(settings, sessions: Sessions
                                                              ) -> None:
    await make_staff(sessions, "2002", language="en")
    staff = Member(make_dispatcher(_console_on(settings), sessions), user_id="2002",
                   language="en")
    answer = await staff.command("/console")
    assert "It works once, for 10 minutes" in answer
    token = answer.rsplit("https://bot.example.org/console/link/", 1)[1]
    async with sessions.begin() as session:
        stored = list(await session.scalars(select(ConsoleLink)))
    assert len(stored) == 1 and token not in stored[0].token_hash


async def test_members_groups_and_a_switched_off_console_get_no_link(settings,
                                                                     sessions: Sessions) -> None:
    await make_staff(sessions, "2002", language="en")
    on = make_dispatcher(_console_on(settings), sessions)
    assert "only for union staff" in await Member(on, user_id="1001", language="en").command(
        "/console")
    group = Member(on, user_id="2002", language="en")
    group_reply = (await group.send(command="console", is_private=False))[0].text
    assert "write to me privately" in group_reply and "/console/link/" not in group_reply
    await make_staff(sessions, "2003", language="en")
    off = Member(make_dispatcher(settings, sessions), user_id="2003", language="en")
    assert await off.command("/console") == "The staff web console is not switched on."
    async with sessions.begin() as session:
        assert list(await session.scalars(select(ConsoleLink))) == []
