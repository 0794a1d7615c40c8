"""`unionbot staff passwd --channel telegram --user-id 12345 --username wangfang`: sets a
staff member's console password (read from the terminal, or one line of stdin), argon2."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import re
import sys

from argon2 import PasswordHasher

from bot.config import Settings
from models.audit import record_audit
from models.base import utcnow
from models.console import find_login, staff_login
from models.db import Sessions, make_engine
from models.member import find_member

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_LENGTH = 10


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("New console password: ")
        if first != getpass.getpass("Again: "):
            return ""
        return first
    return sys.stdin.readline().rstrip("\n")


def passwd_command(args: argparse.Namespace, settings: Settings) -> int:
    if not USERNAME.match(args.username or ""):
        print("--username must be 3-64 letters, digits, _ . -", file=sys.stderr)
        return 2
    password = _read_password()
    if len(password) < MIN_LENGTH:
        print(f"the password must have at least {MIN_LENGTH} characters (and match)",
              file=sys.stderr)
        return 2
    problem = asyncio.run(_store(settings, args.channel, str(args.user_id), args.username,
                                 PasswordHasher().hash(password)))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    print(f"console password set for {args.username}")
    return 0


async def _store(settings: Settings, channel: str, user_id: str, username: str,
                 hashed: str) -> str:
    sessions = Sessions(make_engine(settings.database.url))
    try:
        async with sessions.begin() as session:
            member = await find_member(session, channel=channel, external_id=user_id)
            if member is None or not member.is_staff:
                return f"{channel}:{user_id} is not staff (unionbot staff add first)"
            taken = await find_login(session, username)
            if taken is not None and taken.member_id != member.id:
                return f"the user name {username} is taken"
            login = await staff_login(session, member.id)
            login.username, login.password_hash = username, hashed
            await record_audit(session, at=utcnow(), actor_id=None, action="console.passwd",
                               target=f"{channel}:{user_id}", detail="via command line")
            return ""
    finally:
        await sessions.dispose()
