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
from bot.delivery.plan import BroadcastPlan, plan_broadcast
from bot.delivery.plan_text import audience_label, describe_plan, reasons
from bot.delivery.when import parse_when
from bot.i18n import Catalogs, Translator
from bot.parsing import valid_account_id
from bot.progress import Progress
from models.audit import record_audit
from models.base import utcnow
from models.broadcast import (
    cancel_broadcast,
    count_deliveries,
    create_broadcast,
    failure_details,
    get_broadcast,
)
from models.db import Sessions, make_engine
from models.member import Role
from models.staff import grant_role, list_staff, remove_role
from models.subscription import TOPICS

T = TypeVar("T")
AUDIENCE = re.compile(rf"^(all|topic:({'|'.join(TOPICS)})|lang:(zh_CN|en)|tag:[\w-]{{1,40}})$")


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = commands.add_parser("staff", help="grant or remove staff roles; console passwords")
    staff.add_argument("action", choices=("add", "remove", "list", "passwd"))
    staff.add_argument("--username", default="", help="passwd: the console sign-in name")
    staff.add_argument("--channel", default="telegram", choices=("telegram", "wechat", "terminal"))
    staff.add_argument("--user-id", default="")
    staff.add_argument("--role", choices=("staff", "admin"), default="staff")

    broadcast = commands.add_parser("broadcast", help="send, inspect or cancel broadcasts")
    actions = broadcast.add_subparsers(dest="action", required=True)
    send = actions.add_parser("send", help="queue a broadcast; prints its id")
    send.add_argument("--text", required=True)
    send.add_argument("--audience", default="all", help="all | topic:NAME | lang:xx | tag:NAME")
    send.add_argument("--at", help='a time in the union\'s zone: "2026-12-01 09:00", '
                      '"明天上午9点", "tomorrow 9am", "in 2 hours"')
    send.add_argument("--urgent", action="store_true", help="ignore quiet hours")
    send.add_argument("--dry-run", action="store_true",
                      help="print the plan (who, on which channel, how long); send nothing")
    plan = actions.add_parser("plan", help="who an audience reaches, per channel, and how")
    plan.add_argument("--audience", default="all", help="all | topic:NAME | lang:xx | tag:NAME")
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
    if args.action == "passwd":
        from bot.console.passwd import passwd_command

        return passwd_command(args, settings)
    if args.action == "list":
        for member in _with_session(settings, list_staff):
            print(f"{member.channel}\t{member.external_id}\t{member.role}\t{member.display_name}")
        return 0
    if not valid_account_id(args.channel, str(args.user_id)):
        print(f"--user-id: not a {args.channel} account id (Telegram: digits; WeChat: the "
              "openid, letters, digits, - and _)", file=sys.stderr)
        return 2
    role = Role(args.role) if args.action == "add" else Role.MEMBER

    async def work(session: AsyncSession) -> bool:
        now = utcnow()
        if role is Role.MEMBER:  # removing never creates an account that would get broadcasts
            if await remove_role(session, channel=args.channel, external_id=args.user_id) is None:
                return False
        else:
            await grant_role(session, channel=args.channel, external_id=args.user_id, role=role,
                             now=now)
        await record_audit(session, at=now, actor_id=None, action=f"staff.{args.action}",
                           target=f"{args.channel}:{args.user_id}",
                           detail=f"role={role.value} via command line")
        return True

    if not _with_session(settings, work):
        print(f"{args.channel}:{args.user_id} is not a known account; nothing changed",
              file=sys.stderr)
        return 1
    print(f"{args.channel}:{args.user_id} is now {role.value}")
    return 0


def broadcast_command(args: argparse.Namespace, settings: Settings) -> int:
    handler = {"send": _send, "plan": _plan, "status": _status, "cancel": _cancel}[args.action]
    return handler(args, settings)


def _staff_text(settings: Settings) -> Translator:
    """Staff at the shell read the union's default language."""
    return Catalogs(settings.bot.locales_dir).get(settings.bot.default_language)


def _bad_audience(audience: str) -> bool:
    if AUDIENCE.match(audience):
        return False
    print("--audience must be all, topic:NAME, lang:zh_CN|en or tag:NAME", file=sys.stderr)
    return True


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    if _bad_audience(args.audience):
        return 2
    text = _staff_text(settings)

    async def work(session: AsyncSession) -> BroadcastPlan:
        return await plan_broadcast(session, audience=args.audience, settings=settings,
                                    now=utcnow())

    print(describe_plan(_with_session(settings, work), text.gettext, text.language))
    return 0


def _send(args: argparse.Namespace, settings: Settings) -> int:
    if _bad_audience(args.audience):
        return 2
    if not 1 <= len(args.text) <= 4096:
        print("--text must be 1 to 4096 characters", file=sys.stderr)
        return 2
    text, now = _staff_text(settings), utcnow()
    at = parse_when(args.at, now=now, zone=settings.zone) if args.at else None
    if args.at and at is None:
        print('--at: not a time I can read; e.g. "2026-12-01 09:00", "明天上午9点", '
              '"tomorrow 9am", "in 2 hours"', file=sys.stderr)
        return 2
    if at is not None and at <= now:
        print(text.gettext("{when} has already passed. Please type a future time.").format(
            when=at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")), file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> tuple[BroadcastPlan, int | None]:
        plan = await plan_broadcast(session, audience=args.audience, settings=settings, now=now)
        if args.dry_run or plan.matches_nobody:
            return plan, None
        broadcast = await create_broadcast(session, created_by=None, text=args.text,
                                           audience=args.audience, now=now, send_at=at,
                                           urgent=args.urgent)
        await record_audit(session, at=now, actor_id=None, action="broadcast.create",
                           target=f"broadcast:{broadcast.id}", detail="via command line")
        return plan, broadcast.id

    plan, broadcast_id = _with_session(settings, work)
    described = describe_plan(plan, text.gettext, text.language)
    if plan.matches_nobody:
        print(text.gettext("{audience} matches 0 members who would receive it, so there is "
                           "nothing to send. Choose another audience.").format(
            audience=audience_label(args.audience, text.gettext)), file=sys.stderr)
        return 2
    if broadcast_id is None:  # --dry-run
        print(described)
        return 0
    print(described, file=sys.stderr)
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
    text = _staff_text(settings)

    async def work(session: AsyncSession) -> dict[str, object] | None:
        broadcast = await get_broadcast(session, args.id)
        if broadcast is None:
            return None
        why = reasons(await failure_details(session, broadcast.id), text.gettext,
                      text.language)
        return {"id": broadcast.id, "status": broadcast.status,
                **await count_deliveries(session, broadcast.id), "why": why}

    found = _with_session(settings, work)
    if found is None:
        print(f"no broadcast {args.id}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(found, ensure_ascii=False))
    else:
        why = found.pop("why")
        print(" ".join(f"{key}={value}" for key, value in found.items()))
        if why:
            print(why)
    return 0


def _cancel(args: argparse.Namespace, settings: Settings) -> int:
    async def work(session: AsyncSession) -> bool:
        now = utcnow()
        done = await cancel_broadcast(session, args.id, now=now)
        await record_audit(session, at=now, actor_id=None, action="broadcast.cancel",
                           target=f"broadcast:{args.id}", detail=f"cancelled={done}")
        return done

    async def exists(session: AsyncSession) -> bool:
        return await get_broadcast(session, args.id) is not None

    if not _with_session(settings, exists):
        print(f"no such broadcast: {args.id}", file=sys.stderr)
        return 1
    if not _with_session(settings, work):
        print(f"broadcast {args.id} is not scheduled or sending", file=sys.stderr)
        return 1
    print(f"broadcast {args.id} cancelled")
    return 0
