"""The `unionbot` command: run, chat, ask, db upgrade, kb check/review/reload, import, wechat,
i18n compile."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings, find_config, load_settings
from bot.importing.tabular import ImportReport
from bot.logs import configure_logging
from bot.logsafe import install_redaction, quiet_libraries
from bot.masking import install_masking

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App
    from bot.importing.tabular import ImportReport, Row

Importer = Callable[["AsyncSession", Any], Awaitable[ImportReport]]
Command = Callable[[argparse.Namespace, Settings], int]
IMPORT_KINDS = ("merchants", "roster", "events", "payouts")
SEALED_DATA = frozenset({"demo", "import", "staff", "broadcast"})  # commands reading members


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unionbot", description=__doc__)
    parser.add_argument("--config", help="config file (default: $UNIONBOT_CONFIG, ./config.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="serve the configured channels (terminal chat if none)")
    commands.add_parser("chat", help="chat with the bot in this terminal")

    ask = commands.add_parser("ask", help="answer one question and exit")
    ask.add_argument("--json", action="store_true", help="print intent, confidence and reply")
    ask.add_argument("--lang", choices=("zh", "en", "zh_CN"), default=None)
    ask.add_argument("--batch", type=Path, help="JSON lines with id, lang, text")
    ask.add_argument("text", nargs="*")

    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=("upgrade",))

    from bot.cli_kb import add_arguments

    add_arguments(commands.add_parser("kb", help="knowledge base: check, review, reload"))

    demo = commands.add_parser("demo", help="demo data for trying the bot")
    demo.add_argument("action", choices=("load",))

    staff_import = commands.add_parser("import", help="import a staff spreadsheet (CSV, .xlsx)")
    staff_import.add_argument("kind", choices=IMPORT_KINDS)
    staff_import.add_argument("file", type=Path)
    wechat = commands.add_parser("wechat", help="WeChat Official Account")
    wechat.add_argument("action", choices=("menu",), help="create the custom menu from config")
    wechat.add_argument("--dry-run", action="store_true", help="print the menu JSON only")

    i18n = commands.add_parser("i18n", help="translation catalogs")
    i18n.add_argument("action", choices=("compile",))

    from bot.cli_broadcast import add_parsers
    from bot.privacy.cli import add_parsers as add_privacy_parsers

    add_parsers(commands)
    add_privacy_parsers(commands)
    for sub in commands.choices.values():  # `unionbot chat --config X` as well as before it
        sub.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


PRIVATE_UMASK = 0o077  # logs, the model cache, locks and exports hold members' data


def main(argv: Sequence[str] | None = None) -> int:
    """Every file and folder the bot creates is its own user's alone (0600/0700): chat.log,
    the model cache, the SQLite lock and pid files, exports."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        return _main(argv)
    finally:
        os.umask(previous)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    quiet_libraries()
    install_masking()
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    install_redaction()
    from bot.answering import KnowledgeBaseError

    try:
        settings = load_settings(find_config(args.config))
        configure_logging(settings.log, verbose=args.verbose)
        if args.command in SEALED_DATA:
            from bot.privacy.keys import activate

            activate(settings)  # sealed columns need the key; a wrong one stops here
        return COMMANDS[args.command](args, settings)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KnowledgeBaseError as exc:
        more = f" (and {len(exc.errors) - 1} more: unionbot kb check)" if exc.errors[1:] else ""
        print(f"knowledge base error: {exc.errors[0]}{more}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int:
    app = _build_app(settings)
    if app.serves_platforms:
        asyncio.run(app.serve())
    else:
        _log_to_file(settings)
        asyncio.run(app.chat())
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    app = _build_app(settings)
    _log_to_file(settings)
    asyncio.run(app.chat())
    return 0


def _log_to_file(settings: Settings) -> None:
    """The terminal is the conversation: log lines go to data/chat.log instead."""
    path = settings.bot.data_dir / "chat.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answering import load_answerer
    from bot.answering.batch import answer_lines, answer_one

    answerer = load_answerer(settings.bot.knowledge_dir, settings.bot.data_dir / "cache",
                             train_apart=True)
    language = {"zh": "zh_CN", "zh_CN": "zh_CN", "en": "en"}.get(args.lang or "", "")
    if args.batch is not None:
        with args.batch.open(encoding="utf-8") as lines:
            for row in answer_lines(answerer, lines, default_lang=language or "zh_CN"):
                print(json.dumps(row, ensure_ascii=False), flush=True)
        return 0
    text = " ".join(args.text)
    row = answer_one(answerer, text, lang=language or settings.bot.default_language)
    print(json.dumps(row, ensure_ascii=False) if args.json else row["reply"])
    return 0


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from models.migrate import upgrade

    upgrade(settings.database.url)
    return 0


def _kb(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_kb import kb_command

    return kb_command(args, settings)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.bot.demo_data:
        print("demo data: off ([bot] demo_data = false)")
        return 0
    print(f"demo data: {asyncio.run(_load_demo(settings))} rows added")
    return 0


async def _load_demo(settings: Settings) -> int:
    from bot.demo import load_demo
    from models.base import utcnow
    from models.db import Sessions, make_engine

    sessions = Sessions(make_engine(settings.database.url))
    try:
        async with sessions.begin() as session:
            return await load_demo(session, utcnow())
    finally:
        await sessions.dispose()


def _import(args: argparse.Namespace, settings: Settings) -> int:
    """All rows or none: exit 1 with every error (by row number) when any row is bad. The
    roster is streamed (it may have 100,000 rows); the other kinds are read whole."""
    from bot.importing.tabular import TableError, count_rows, iter_table, read_table
    from bot.progress import Progress

    try:
        if args.kind == "roster":
            progress = Progress(f"import {args.kind}", count_rows(args.file))
            rows: Iterable[Row] = progress.wrap(iter_table(args.file))
        else:
            rows = read_table(args.file)
        report = asyncio.run(_import_rows(settings, args.kind, rows))
    except (TableError, OSError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    for line in report.errors:
        print(f"{args.file}: {line}", file=sys.stderr)
    if not report.ok:
        print(f"{args.file}: nothing imported ({len(report.errors)} errors)", file=sys.stderr)
        return 1
    print(f"{args.kind}: {report.imported} rows imported")
    return 0


async def _import_rows(settings: Settings, kind: str, rows: Iterable[Row]) -> ImportReport:
    from models.db import Sessions, make_engine

    importer = _importer(settings, kind)
    sessions = Sessions(make_engine(settings.database.url))
    try:
        async with sessions.begin() as session:
            report = await importer(session, rows)
            if not report.ok:
                raise _Rejected(report)
            return report
    except _Rejected as rejected:  # rolled back: rows written before the first bad one too
        return rejected.report
    finally:
        await sessions.dispose()


def _importer(settings: Settings, kind: str) -> Importer:
    """Loads only the importer asked for: the payouts one loads the handlers, a third of a
    second of CPU that a roster import does not need."""
    from functools import partial

    if kind == "roster":
        from bot.importing.roster import import_roster

        return import_roster
    if kind == "merchants":
        from bot.importing.merchants import import_merchants

        return import_merchants
    if kind == "events":
        from bot.importing.events import import_event_rows

        return partial(import_event_rows, zone=settings.zone)
    from bot.i18n import Catalogs
    from bot.importing.payouts import import_payouts
    from models.base import utcnow

    return partial(import_payouts, catalogs=Catalogs(), now=utcnow())


class _Rejected(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("import rejected")
        self.report = report


def _i18n(args: argparse.Namespace, settings: Settings) -> int:
    from bot.i18n import compile_catalogs

    for path in compile_catalogs(settings.bot.locales_dir):
        print(path)
    return 0


def _wechat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.wechat.cli import create_menu

    return create_menu(settings.wechat, dry_run=args.dry_run)


def _build_app(settings: Settings) -> App:
    from bot.app import App

    return App(settings)


COMMANDS: dict[str, Command] = {
    "run": _run,
    "chat": _chat,
    "ask": _ask,
    "db": _db,
    "kb": _kb,
    "demo": _demo,
    "import": _import,
    "wechat": _wechat,
    "i18n": _i18n,
    "staff": lambda args, settings: _staff(args, settings),
    "broadcast": lambda args, settings: _broadcast(args, settings),
    "keys": lambda args, settings: _privacy("keys", args, settings),
    "audit": lambda args, settings: _privacy("audit", args, settings),
}


def _privacy(command: str, args: argparse.Namespace, settings: Settings) -> int:
    from bot.privacy.cli import audit_command, keys_command

    return (keys_command if command == "keys" else audit_command)(args, settings)


def _staff(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_broadcast import staff_command

    return staff_command(args, settings)


def _broadcast(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_broadcast import broadcast_command

    return broadcast_command(args, settings)

if __name__ == "__main__":
    raise SystemExit(main())
