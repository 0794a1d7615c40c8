"""`unionbot kb check|review|reload`: check the knowledge base, review the questions the bot
missed (assign them to an intent or mark them off-topic), and make the running bot reload."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.answering.teach import Question, TeachError, add_phrasing, review_groups
from bot.config import Settings
from models.audit import record_audit
from models.base import utcnow
from models.db import Sessions, make_engine
from models.unanswered import UnansweredQuestion, assign_unanswered, list_open_unanswered

PID_FILE = "unionbot.pid"
OFF_TOPIC = "off-topic"


def add_arguments(kb: argparse.ArgumentParser) -> None:
    kb.add_argument("action", choices=("check", "review", "reload"))
    kb.add_argument("--assign", nargs=2, metavar=("IDS", "INTENT"),
                    help=f"review: questions 3,7,9 belong to INTENT (or {OFF_TOPIC})")
    kb.add_argument("--staff-id", type=int, default=None, help="member id of the staff deciding")
    kb.add_argument("--limit", type=int, default=200)


def pid_file(settings: Settings) -> Path:
    return settings.bot.data_dir / PID_FILE


def kb_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "check":
        errors = check(settings)
        for line in errors:
            print(line, file=sys.stderr)
        if not errors:
            print("knowledge base: ok")
        return 1 if errors else 0
    if args.action == "reload":
        return reload_running(settings)
    if args.assign:
        return asyncio.run(_assign(settings, args.assign[0], args.assign[1], args.staff_id))
    return asyncio.run(_review(settings, args.limit))


def check(settings: Settings) -> list[str]:
    from bot.answering import check_knowledge
    from handlers import all_routes

    actions = {route.action for route in all_routes() if route.action}
    return check_knowledge(settings.bot.knowledge_dir, actions)


def reload_running(settings: Settings) -> int:
    """Check the files, then ask the running bot (its pid file) to reload them (SIGHUP)."""
    errors = check(settings)
    if errors:
        print("knowledge base refused; the bot keeps the one it has:", file=sys.stderr)
        for line in errors:
            print(line, file=sys.stderr)
        return 1
    try:
        pid = int(pid_file(settings).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        print(f"no running bot to reload ({pid_file(settings)}: {exc})", file=sys.stderr)
        return 1
    print(f"asked the bot (pid {pid}) to reload the knowledge base")
    return 0


async def _review(settings: Settings, limit: int) -> int:
    from bot.answering.live import ReloadableAnswerer

    sessions = Sessions(make_engine(settings.database.url))
    try:
        async with sessions.begin() as session:
            rows = await list_open_unanswered(session, limit=limit)
    finally:
        await sessions.dispose()
    if not rows:
        print("no open questions")
        return 0
    answerer = ReloadableAnswerer(settings.bot.knowledge_dir, settings.bot.data_dir / "cache")
    questions = [Question(r.id, r.text, r.language) for r in rows]
    reasons = {r.id: r.reason for r in rows}
    for n, group in enumerate(review_groups(answerer, questions), start=1):
        guesses = ", ".join(f"{i} {p:.2f}" for i, p in group.guesses) or "-"
        print(f"group {n}: {len(group.questions)} question(s); best guesses: {guesses}")
        for q in group.questions:
            print(f"  #{q.id} [{reasons[q.id]}] {q.text}")
    print(f"assign: unionbot kb review --assign IDS INTENT|{OFF_TOPIC} --staff-id N; "
          "then: unionbot kb reload")
    return 0


async def _assign(settings: Settings, ids: str, intent: str, staff_id: int | None) -> int:
    if staff_id is None:
        print("--staff-id is required to assign", file=sys.stderr)
        return 2
    try:
        numbers = [int(x) for x in ids.split(",") if x.strip()]
    except ValueError:
        print(f"--assign: ids must be numbers separated by commas, not {ids!r}", file=sys.stderr)
        return 2
    sessions = Sessions(make_engine(settings.database.url))
    try:
        async with sessions.begin() as session:
            for number in numbers:
                message = await assign_question(session, settings.bot.knowledge_dir, number,
                                                intent=None if intent == OFF_TOPIC else intent,
                                                staff_id=staff_id)
                print(message)
    except TeachError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        await sessions.dispose()
    return 0


async def assign_question(
    session: AsyncSession, kb_dir: Path | None, question_id: int, *, intent: str | None,
    staff_id: int,
) -> str:
    """Staff's decision on one question: recorded, audited, and (for an intent) the phrasing
    appended to that intent's knowledge file. Returns a line for the staff member."""
    now = utcnow()
    found = await session.get(UnansweredQuestion, question_id)
    if found is None:
        return f"#{question_id}: no such question"
    where = ""
    if intent is not None:
        where = f" -> {add_phrasing(kb_dir, intent, found.text)}"
    await assign_unanswered(session, question_id, intent=intent, staff_id=staff_id, now=now)
    await record_audit(session, at=now, actor_id=staff_id, action="kb.assign",
                       target=f"unanswered:{question_id}", detail=intent or OFF_TOPIC)
    return f"#{question_id}: {intent or OFF_TOPIC}{where}"
