"""`unionbot keys new|rotate` and `unionbot audit --member X | --staff Y`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.privacy.keys import activate
from bot.privacy.rotation import rotate
from models.audit import AuditEntry
from models.crypto import new_master_key
from models.db import Sessions, make_engine
from models.member import find_member
from models.privacy import audit_entries


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="encryption keys of members' data")
    keys.add_argument("action", choices=("new", "rotate"),
                      help="new: print a fresh master key; rotate: seal everything under "
                           "[privacy] master_key (resumable)")
    audit = commands.add_parser("audit", help="who viewed, exported or changed what")
    who = audit.add_mutually_exclusive_group(required=True)
    who.add_argument("--member", help="member id, or channel:user_id (e.g. telegram:1001)")
    who.add_argument("--staff", help="staff member id, or channel:user_id")
    audit.add_argument("--limit", type=int, default=500)


def keys_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "new":
        print(new_master_key())
        return 0
    keyring = activate(settings)
    sessions = Sessions(make_engine(settings.database.url))

    async def run() -> None:
        try:
            report = await rotate(sessions, keyring, settings.bot.data_dir)
        finally:
            await sessions.dispose()
        print(f"keys rotate: {report.values} rows and {report.files} documents moved to key "
              f"{keyring.current.id}; everything is under it now")
        if report.unreadable:
            print(f"keys rotate: {report.unreadable} documents do not verify and were left as "
                  "they are", file=sys.stderr)

    asyncio.run(run())
    return 0


def audit_command(args: argparse.Namespace, settings: Settings) -> int:
    activate(settings)
    sessions = Sessions(make_engine(settings.database.url))

    async def run() -> list[AuditEntry] | None:
        try:
            async with sessions.begin() as session:
                member_id = await _member_id(session, args.member or args.staff)
                if member_id is None:
                    return None
                if args.member:
                    return await audit_entries(session, member_id=member_id, limit=args.limit)
                return await audit_entries(session, staff_id=member_id, limit=args.limit)
        finally:
            await sessions.dispose()

    entries = asyncio.run(run())
    if entries is None:
        print(f"audit: no member {args.member or args.staff}", file=sys.stderr)
        return 1
    for entry in entries:
        local = entry.at.astimezone(settings.zone)
        refused = "" if entry.allowed else "  REFUSED"
        actor = "system" if entry.actor_id is None else f"#{entry.actor_id}"
        print(f"{local:%Y-%m-%d %H:%M:%S}  {actor:>8}  {entry.action:<20} {entry.target:<20} "
              f"{entry.detail}{refused}")
    return 0


async def _member_id(session: AsyncSession, text: str) -> int | None:
    if text.isdigit():
        return int(text)
    channel, _sep, user_id = text.partition(":")
    member = await find_member(session, channel=channel, external_id=user_id)
    return None if member is None else member.id
