"""The dashboard: what waits for staff today, and small charts of the last week."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time

import aiohttp_jinja2
from aiohttp import web

from bot.console.charts import bars
from bot.console.deps import deps_of
from models.console_views import event_rows, intents_since, overview, per_day, week_ago
from models.dedupe import HandledUpdate
from models.mutual_aid import Claim


@aiohttp_jinja2.template("dashboard.html")
async def show(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    now = deps.clock()
    zone = deps.services.settings.zone
    day_start = datetime.combine(now.astimezone(zone).date(), time(), zone)
    async with deps.sessions.begin() as db:
        counts = await overview(db, day_start=day_start)
        upcoming = await event_rows(db, since=now, limit=5)
        messages = await per_day(db, HandledUpdate.at, since=week_ago(now),
                                 group=HandledUpdate.channel)
        claims = await per_day(db, Claim.submitted_at, since=week_ago(now), group=Claim.status)
        intents = await intents_since(db, since=week_ago(now))
    return {"counts": counts, "upcoming": upcoming, "now": now,
            "messages": _series(messages), "claims": _series(claims),
            "intents": bars(intents)}


def _series(rows: list[tuple[str, str, int]]) -> dict[str, list[object]]:
    """Per group, one bar per day."""
    days = sorted({day for day, _group, _n in rows})
    grouped: dict[str, dict[str, int]] = defaultdict(dict)
    for day, group, n in rows:
        grouped[group][day] = n
    return {group: list(bars([(day[5:], values.get(day, 0)) for day in days]))
            for group, values in sorted(grouped.items())}
