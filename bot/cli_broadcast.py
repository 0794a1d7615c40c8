"""`unionbot staff ...` and `unionbot broadcast ...`: roles and broadcasts from a shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.delivery.recurrence import parse_local_time
from bot.progress import Progress
from models.audit import record_audit
from models.base import utcnow
from models.broadcast import cancel_broadcast, count_deliveries, create_broadcast, get_broadcast
from models.db import Sessions, make_engine
from models.member import Role
from models.staff import grant_role, list_staff
from models.subscription import TOPICS

T = TypeVar("T")
AUDIENCE = re.compile(rf"^(all|topic:({'|'.join(TOPICS)})|lang:(zh_CN|en)|tag:[\w-]{{1,40}})$")


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = commands.add_parser("staff", help="grant or remove staff roles")
    staff.add_argument("action", choices=("add", "remove", "list"))
    staff.add_argument("--channel", default="telegram")
    staff.add_argument("--user-id", default="")
    staff.add_argument("--role", choices=("staff", "admin"), default="staff")

    broadcast = commands.add_parser("broadcast", help="send, inspect or cancel broadcasts")
    actions = broadcast.add_subparsers(dest="action", required=True)
    send = actions.add_parser("send", help="queue a broadcast; prints its id")
    send.add_argument("--text", required=True)
    send.add_argument("--audience", default="all", help="all | topic:NAME | lang:xx | tag:NAME")
    send.add_argument("--at", help="ISO 8601 time; without an offset, Beijing time")
    send.add_argument("--urgent", action="store_true", help="ignore quiet hours")
    send.add_argument("--wait", action="store_true",
                      help="show progress until the running bot has sent it")
    status = actions.add_parser("status", help="queued/sent/failed/blocked counts")
    status.add_argument("id", type=int)
    status.add_argument("--json", action="store_true")
    cancel = actions.add_parser("cancel", help="stop a scheduled or running broadcast")
    cancel.add_argument("id", type=int)


def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        sessions = Sessions(make_engine(settings.database.url))
        try:
            async with sessions.begin() as session:
                return await work(session)
        finally:
            await sessions.dispose()

    return asyncio.run(run())


def staff_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "list":
        for member in _with_session(settings, list_staff):
            print(f"{member.channel}\t{member.external_id}\t{member.role}\t{member.display_name}")
        return 0
    if not args.user_id or not str(args.user_id).isalnum():
        print("--user-id is required (the account's numeric id)", file=sys.stderr)
        return 2
    role = Role(args.role) if args.action == "add" else Role.MEMBER

    async def work(session: AsyncSession) -> None:
        now = utcnow()
        await grant_role(session, channel=args.channel, external_id=args.user_id, role=role,
                         now=now)
        await record_audit(session, at=now, actor_id=None, action=f"staff.{args.action}",
                           target=f"{args.channel}:{args.user_id}",
                           detail=f"role={role.value} via command line")

    _with_session(settings, work)
    print(f"{args.channel}:{args.user_id} is now {role.value}")
    return 0


def broadcast_command(args: argparse.Namespace, settings: Settings) -> int:
    handler = {"send": _send, "status": _status, "cancel": _cancel}[args.action]
    return handler(args, settings)


def _send(args: argparse.Namespace, settings: Settings) -> int:
    if not AUDIENCE.match(args.audience):
        print("--audience must be all, topic:NAME, lang:zh_CN|en or tag:NAME", file=sys.stderr)
        return 2
    if not 1 <= len(args.text) <= 4096:
        print("--text must be 1 to 4096 characters", file=sys.stderr)
        return 2
    at = parse_local_time(args.at, settings.zone) if args.at else None
    if args.at and at is None:
        print("--at must be an ISO 8601 time, e.g. 2026-12-01T09:00", file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> int:
        now = utcnow()
        broadcast = await create_broadcast(session, created_by=None, text=args.text,
                                           audience=args.audience, now=now, send_at=at,
                                           urgent=args.urgent)
        await record_audit(session, at=now, actor_id=None, action="broadcast.create",
                           target=f"broadcast:{broadcast.id}", detail="via command line")
        return broadcast.id

    broadcast_id = _with_session(settings, work)
    print(broadcast_id)
    if args.wait:
        sys.stdout.flush()
        asyncio.run(_wait(settings, broadcast_id))
    return 0


WAIT_POLL = 1.0  # seconds between looks at the outbox while waiting
FINISHED = frozenset({"done", "cancelled", "missed"})


async def _wait(settings: Settings, broadcast_id: int) -> None:
    """A progress bar over the broadcast's outbox rows until `unionbot run` has sent them."""
    sessions = Sessions(make_engine(settings.database.url))
    progress = Progress(f"broadcast {broadcast_id}", None, unit="messages")
    try:
        while True:
            async with sessions.read() as session:
                broadcast = await get_broadcast(session, broadcast_id)
                counts = await count_deliveries(session, broadcast_id)
            progress.total = sum(counts.values()) or None
            progress.set(progress.total - counts["queued"] if progress.total else 0)
            if broadcast is None or broadcast.status in FINISHED:
                break
            await asyncio.sleep(WAIT_POLL)
    finally:
        progress.finish()
        await sessions.dispose()


def _status(args: argparse.Namespace, settings: Settings) -> int:
    async def work(session: AsyncSession) -> dict[str, object] | None:
        broadcast = await get_broadcast(session, args.id)
        if broadcast is None:
            return None
        return {"id": broadcast.id, "status": broadcast.status,
                **await count_deliveries(session, broadcast.id)}

    found = _with_session(settings, work)
    if found is None:
        print(f"no broadcast {args.id}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(found))
    else:
        print(" ".join(f"{key}={value}" for key, value in found.items()))
    return 0


def _cancel(args: argparse.Namespace, settings: Settings) -> int:
    async def work(session: AsyncSession) -> bool:
        now = utcnow()
        done = await cancel_broadcast(session, args.id, now=now)
        await record_audit(session, at=now, actor_id=None, action="broadcast.cancel",
                           target=f"broadcast:{args.id}", detail=f"cancelled={done}")
        return done

    if not _with_session(settings, work):
        print(f"broadcast {args.id} is not scheduled or sending", file=sys.stderr)
        return 1
    print(f"broadcast {args.id} cancelled")
    return 0
