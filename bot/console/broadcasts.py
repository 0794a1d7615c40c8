"""Broadcasts: compose (text, optional image), choose the audience, preview, send now, at a
time or weekly; a delivery report that refreshes itself while it runs; cancel."""

from __future__ import annotations

import re

import aiohttp_jinja2
from aiohttp import web

from bot.console.auth import audit, staff_of
from bot.console.charts import curve as draw_curve
from bot.console.deps import deps_of
from bot.console.views import field, flash, int_arg, translator
from bot.delivery.plan_text import BROADCAST_STATUS as STATUS
from bot.delivery.recurrence import next_occurrence, parse_local_time
from handlers.broadcasts import AUDIENCES, PHOTO_LIMIT, TEXT_LIMIT
from models.broadcast import (
    cancel_broadcast,
    count_deliveries,
    create_broadcast,
    get_broadcast,
    list_broadcasts,
)
from models.console_views import (
    broadcast_recipients,
    delivery_counts,
    delivery_curve,
    event_rows,
)

TAG = re.compile(r"^(tag:[\w-]{1,40}|event:\d{1,9})$")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LIVE = ("scheduled", "running")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/broadcasts", show_list)
    router.add_post("/broadcasts/preview", preview)
    router.add_post("/broadcasts", send)
    router.add_get("/broadcasts/{id}", show_broadcast)
    router.add_get("/broadcasts/{id}/report", report)
    router.add_post("/broadcasts/{id}/cancel", cancel)


@aiohttp_jinja2.template("broadcasts.html")
async def show_list(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        found = await list_broadcasts(db, limit=30)
        counts = await delivery_counts(db, [b.id for b in found])
        events = await event_rows(db, since=deps.clock(), limit=30)
    return {"broadcasts": found, "counts": counts, "audiences": AUDIENCES, "events": events,
            "statuses": STATUS, "weekdays": WEEKDAYS}


@aiohttp_jinja2.template("broadcast_preview.html")
async def preview(request: web.Request) -> dict[str, object]:
    """How the text reads on Telegram and on WeChat (an htmx fragment)."""
    form = await request.post()
    return {"text": field(form, "text", TEXT_LIMIT)}


async def send(request: web.Request) -> web.StreamResponse:
    """Queues the broadcast: the scheduler starts it at its time, as from the chat."""
    staff = staff_of(request)
    deps = deps_of(request)
    t = await translator(request)
    form = await request.post()
    text, audience = field(form, "text", TEXT_LIMIT + 1), field(form, "audience", 45)
    photo = await _photo(form.get("photo"))
    now, zone = deps.clock(), deps.services.settings.zone
    when, rule = field(form, "when", 10), None
    send_at = None
    if when == "at":
        send_at = parse_local_time(field(form, "at", 20).replace("T", " "), zone)
    elif when == "weekly":
        day, at = field(form, "weekday", 1), field(form, "time", 5)
        if day.isdigit() and int(day) < 7 and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at):
            rule = f"weekly:{day}:{at}"
            send_at = next_occurrence(rule, now, zone)
    problem = _problem(text, audience, when, send_at, now, photo)
    if problem:
        await flash(request, t.gettext(problem))
        raise web.HTTPSeeOther("/console/broadcasts")
    async with deps.sessions.begin() as db:
        broadcast = await create_broadcast(
            db, created_by=staff.id, text=text, audience=audience, now=now, send_at=send_at,
            urgent=form.get("urgent") == "1", recurrence=rule, photo=photo or None)
        await audit(request, "broadcast.create", f"broadcast:{broadcast.id}", session=db,
                    detail=f"audience={audience} rule={rule} via console")
    raise web.HTTPSeeOther(f"/console/broadcasts/{broadcast.id}")


def _problem(text: str, audience: str, when: str, send_at: object, now: object,
             photo: bytes | None) -> str:
    if not 1 <= len(text) <= TEXT_LIMIT:
        return "Please write the text (1 to 4096 characters)."
    if audience not in {key for key, _label in AUDIENCES} and not TAG.match(audience):
        return "Choose who should receive it."
    if when != "now" and (send_at is None or send_at <= now):  # type: ignore[operator]
        return "Please give a future time like 2026-12-01 09:00."
    if photo is not None and not photo:
        return "The image must be a JPEG or PNG of at most 5 MB."
    return ""


async def _photo(upload: object) -> bytes | None:
    """None: no image chosen; b"": an image that is not a small JPEG or PNG."""
    if not isinstance(upload, web.FileField) or not upload.filename:
        return None
    data = upload.file.read(PHOTO_LIMIT + 1)
    if len(data) > PHOTO_LIMIT or not data.startswith((b"\xff\xd8\xff", b"\x89PNG")):
        return b""
    return bytes(data)


@aiohttp_jinja2.template("broadcast.html")
async def show_broadcast(request: web.Request) -> dict[str, object]:
    return await _report(request)


@aiohttp_jinja2.template("broadcast_report.html")
async def report(request: web.Request) -> dict[str, object]:
    """The live part of the page; htmx asks again every two seconds until it is final."""
    return await _report(request)


async def _report(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        broadcast = await get_broadcast(db, int_arg(request, "id"))
        if broadcast is None:
            raise web.HTTPNotFound()
        counts = await count_deliveries(db, broadcast.id)
        rows = await broadcast_recipients(db, broadcast.id)
        live = broadcast.status in LIVE
        # the curve is drawn once the broadcast is final, not on every poll while it runs
        curve = [] if live else await delivery_curve(db, broadcast.id, sent=counts["sent"])
    return {"broadcast": broadcast, "counts": counts, "rows": rows, "statuses": STATUS,
            "live": live, "curve": draw_curve(curve)}


async def cancel(request: web.Request) -> web.StreamResponse:
    deps = deps_of(request)
    broadcast_id = int_arg(request, "id")
    t = await translator(request)
    async with deps.sessions.begin() as db:
        done = await cancel_broadcast(db, broadcast_id, now=deps.clock())
        await audit(request, "broadcast.cancel", f"broadcast:{broadcast_id}", session=db,
                    detail=f"cancelled={done} via console")
    await flash(request, t.gettext("Broadcast #{id} is cancelled; nothing more of it is sent.")
                .format(id=broadcast_id) if done else
                t.gettext("Broadcast #{id} is not scheduled or sending.").format(id=broadcast_id))
    raise web.HTTPSeeOther(f"/console/broadcasts/{broadcast_id}")
