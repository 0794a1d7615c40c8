"""Benchmark: every console page, server-rendered, on a large union's data.

    python bench/console.py                    # 100,000 roster members, 20,000 claims, 200 events
    python bench/console.py --roster 10000 --claims 2000 --runs 5

Seeds a fresh SQLite database (built by the migrations) and times each page as a signed-in
staff member's browser would fetch it over loopback HTTP: median, 95th percentile and worst,
in milliseconds. Budget: 200 ms per page.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering import load_answerer
from bot.config import load_settings
from bot.console import console_app
from bot.console.deps import ConsoleDeps
from bot.context import Services
from bot.i18n import Catalogs
from bot.messages import Reply
from models.base import utcnow
from models.broadcast import Broadcast, OutboxMessage
from models.console import issue_link
from models.db import Sessions, make_engine
from models.events import Event, Registration
from models.handoff import HandoffMessage, HandoffTicket
from models.member import Member
from models.migrate import upgrade_async
from models.mutual_aid import AidPlan, Claim
from models.roster import Binding, RosterEntry
from models.unanswered import UnansweredQuestion

BUDGET_MS = 200
BATCH = 5000


async def _insert(sessions: Sessions, table: object, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        async with sessions.begin() as session:
            await session.execute(insert(table), rows[start:start + BATCH])  # type: ignore[arg-type]


async def seed(sessions: Sessions, roster: int, claims: int, events: int) -> None:
    now = utcnow()
    await _insert(sessions, RosterEntry, [
        {"card_number": f"62{n:014d}", "name": f"会员{n}", "phone": f"138{n:08d}",
         "workplace_union": f"基层工会{n % 400}"} for n in range(1, roster + 1)])
    members = roster // 5
    await _insert(sessions, Member, [
        {"channel": "telegram", "external_id": str(n), "chat_id": str(n),
         "display_name": f"会员{n}", "language": "zh_CN" if n % 4 else "en", "role": "member",
         "unreachable": False, "created_at": now, "last_seen_at": now - timedelta(hours=n % 300),
         "last_intent": ("job_fairs", "jingka.discounts", "mutual_aid.claim")[n % 3],
         "last_intent_at": now - timedelta(hours=n % 200)} for n in range(1, members + 1)])
    await _insert(sessions, Member, [{
        "channel": "telegram", "external_id": "999999999", "chat_id": "999999999",
        "display_name": "李干事", "language": "zh_CN", "role": "admin", "unreachable": False,
        "created_at": now, "last_seen_at": now}])
    await _insert(sessions, Binding, [{"member_id": n, "roster_id": n, "bound_at": now}
                                      for n in range(1, members + 1)])
    await _insert(sessions, AidPlan, [{
        "name_zh": "在职职工医疗互助", "name_en": "Medical mutual aid", "coverage_zh": "住院",
        "coverage_en": "", "cap_fen": 1_000_000, "claim_window_days": 180,
        "incident_types": ["hospitalisation"], "active": True, "demo": False}])
    statuses = ("submitted", "approved", "rejected", "needs_documents", "approved")
    await _insert(sessions, Claim, [{
        "number": f"HZ{n:010d}", "member_id": n % members + 1, "roster_id": n % members + 1,
        "plan_id": 1, "incident_type": "hospitalisation", "incident_date": date(2026, 11, 1),
        "amount_fen": 100_000 + n, "description": "住院", "status": statuses[n % 5],
        "reason": "", "submitted_at": now - timedelta(minutes=n), "updated_at": now,
        "version": 1} for n in range(1, claims + 1)])
    await _insert(sessions, Event, [{
        "kind": "lecture", "topic": "legal", "title_zh": f"讲座{n}", "title_en": f"Lecture {n}",
        "description_zh": "", "description_en": "", "venue_zh": "职工之家", "venue_en": "",
        "organiser": "", "employers": "", "starts_at": now + timedelta(days=n % 60, hours=n),
        "ends_at": now + timedelta(days=n % 60, hours=n + 2), "capacity": 100, "taken": 100,
        "demo": False} for n in range(1, events + 1)])
    await _insert(sessions, Registration, [{
        "event_id": e, "member_id": m, "status": "confirmed" if m <= 100 else "waitlisted",
        "created_at": now} for e in range(1, events + 1) for m in range(1, 121)])
    await _insert(sessions, HandoffTicket, [{"member_id": n, "status": "open", "opened_at": now}
                                            for n in range(1, 101)])
    await _insert(sessions, HandoffMessage, [{
        "ticket_id": n % 100 + 1, "author_id": n % 100 + 1, "direction": "to_staff",
        "text": "我的工资被拖欠了两个月", "at": now} for n in range(2000)])
    await _insert(sessions, UnansweredQuestion, [{
        "created_at": now, "channel": "telegram", "language": "zh_CN", "text": f"问题{n}",
        "best_intent": ("job_fairs", None)[n % 2], "confidence": 0.3, "reason": "unknown",
        "status": "open"} for n in range(1000)])
    await _insert(sessions, Broadcast, [{
        "created_at": now, "text": f"通知{n}", "topic": "announcements", "audience": "all",
        "urgent": False, "status": "done", "send_at": now} for n in range(30)])
    await _insert(sessions, OutboxMessage, [{
        "broadcast_id": 1, "member_id": n, "channel": "telegram", "chat_id": str(n),
        "status": "sent", "available_at": now, "sent_at": now + timedelta(seconds=n / 30),
        "attempts": 1, "kind": "announcement", "urgent": False, "detail": ""}
        for n in range(1, members + 1)])


PAGES = ("/console/", "/console/claims", "/console/claims?status=approved", "/console/claims/1",
         "/console/events", "/console/events/1", "/console/events/1/export.csv",
         "/console/events/1/export.xlsx", "/console/broadcasts", "/console/broadcasts/1",
         "/console/broadcasts/1/report", "/console/conversations", "/console/conversations/1",
         "/console/unanswered", "/console/members?q=6200000000077777",
         "/console/members?q=会员1234", "/console/members?q=13800077777", "/console/members/77",
         "/console/roster-import")


async def measure(folder: Path, roster: int, claims: int, events: int, runs: int) -> None:
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await upgrade_async(url)
    sessions = Sessions(make_engine(url))
    started = time.perf_counter()
    await seed(sessions, roster, claims, events)
    print(f"seeded {roster:,} roster members, {claims:,} claims, {events} events "
          f"in {time.perf_counter() - started:.0f} s (SQLite)")
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings = load_settings(None, database={"url": url}, bot={"data_dir": str(folder)},
                             console={"enabled": True, "secret_key": key,
                                      "public_url": "http://127.0.0.1"})
    services = Services(settings, Catalogs(), load_answerer(None))

    async def deliver(_replies: list[Reply]) -> None:
        return None

    app = web.Application()
    app.add_subapp("/console", console_app(ConsoleDeps(sessions, services, deliver, utcnow)))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with sessions.begin() as session:
        token = await issue_link(session, member_id=roster // 5 + 1, now=utcnow(),
                                 valid=timedelta(minutes=10))
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        page = await (await http.get(f"{base}/console/link/{token}")).text()
        csrf = re.findall(r'name="csrf" value="([^"]+)"', page)[0]
        await http.post(f"{base}/console/link/{token}", data={"csrf": csrf})
        worst = 0.0
        print(f"{'page':44} {'median':>8} {'p95':>8} {'max':>8}  (ms, {runs} runs)")
        for path in PAGES:
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                answer = await http.get(base + path)
                await answer.read()
                times.append((time.perf_counter() - began) * 1000)
                assert answer.status == 200 and answer.url.path != "/console/login", path
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            worst = max(worst, statistics.median(times))
            print(f"{path:44} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}")
    print(f"slowest page median: {worst:.1f} ms (budget {BUDGET_MS} ms): "
          f"{'within' if worst < BUDGET_MS else 'OVER'} budget")
    await runner.cleanup()
    await sessions.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roster", type=int, default=100_000)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(measure(Path(folder), args.roster, args.claims, args.events, args.runs))


if __name__ == "__main__":
    main()
