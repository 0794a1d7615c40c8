"""Events: create and edit, registrations and the waitlist, move someone off it, cancel with
a notice to everyone registered, export the list (CSV, XLSX), check-in on the day."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web
from openpyxl import Workbook

from bot.console.auth import audit, staff_of
from bot.console.deps import act, deps_of
from bot.console.views import field, flash, int_arg, mask_phone, translator
from bot.context import Context
from bot.i18n import N_
from bot.importing.events import TEXT_LIMITS
from bot.importing.events import _event as event_from_row
from bot.importing.tabular import ImportReport, Row
from bot.messages import Address, Reply
from handlers.event_view import when
from handlers.events import promotion_notice
from models.console_views import event_attendees, event_rows
from models.events import Event, EventKind, Registration, Status, get_event, promote_registration

FIELDS = ("kind", "topic", "starts_at", "ends_at", "capacity", *TEXT_LIMITS)
MEMBERS_ONLY = {"": None, "yes": True, "no": False}  # "": as [limits] members_only_events says
CANCELLED = N_("Sorry: {title} ({when}) is cancelled. {reason}")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/events", show_list)
    router.add_get("/events/new", show_new)
    router.add_post("/events/new", create)
    router.add_get("/events/{id}", show_event)
    router.add_post("/events/{id}", update)
    router.add_post("/events/{id}/cancel", cancel)
    router.add_post("/events/{id}/promote/{reg}", promote)
    router.add_post("/events/{id}/checkin/{reg}", check_in)
    router.add_get("/events/{id}/export.{fmt:csv|xlsx}", export)


@aiohttp_jinja2.template("events.html")
async def show_list(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        rows = await event_rows(db, since=deps.clock() - timedelta(days=1))
    return {"rows": rows}


@aiohttp_jinja2.template("event_form.html")
async def show_new(request: web.Request) -> dict[str, object]:
    return {"event": None, "values": {**dict.fromkeys(FIELDS, ""), "kind": "lecture",
                                      "members_only": ""},
            "errors": [],
            "kinds": [kind.value for kind in EventKind]}


def _form_event(values: dict[str, str], zone: object) -> tuple[Event | None, list[str]]:
    """The form checked by the same rules as a sheet import."""
    report = ImportReport()
    event = event_from_row(Row(1, values), report, zone)  # type: ignore[arg-type]
    errors = [error.removeprefix("row 1, ") for error in report.errors]
    if values.get("members_only", "") not in MEMBERS_ONLY:
        errors.append("members_only: choose one of the offered answers")
        return None, errors
    if event is not None:
        event.members_only = MEMBERS_ONLY[values.get("members_only", "")]
    return event, errors


async def create(request: web.Request) -> web.StreamResponse:
    deps = deps_of(request)
    form = await request.post()
    values = {name: field(form, name) for name in (*FIELDS, "members_only")}
    event, errors = _form_event(values, deps.services.settings.zone)
    if event is None:
        return _form_again(request, None, values, errors)
    async with deps.sessions.begin() as db:
        db.add(event)
        await db.flush()
        await audit(request, "console.event.create", f"event:{event.id}", session=db)
    raise web.HTTPSeeOther(f"/console/events/{event.id}")


def _form_again(request: web.Request, event: Event | None, values: dict[str, str],
                errors: list[str]) -> web.Response:
    response = aiohttp_jinja2.render_template("event_form.html", request, {
        "event": event, "values": values, "errors": errors,
        "kinds": [kind.value for kind in EventKind]})
    response.set_status(422)
    return response


@aiohttp_jinja2.template("event.html")
async def show_event(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        event = await get_event(db, int_arg(request, "id"))
        if event is None:
            raise web.HTTPNotFound()
        attendees = await event_attendees(db, event.id)
    zone = deps.services.settings.zone
    values = {"kind": event.kind, "topic": event.topic or "",
              "starts_at": event.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
              "ends_at": event.ends_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
              "capacity": "" if event.capacity is None else str(event.capacity),
              "members_only": {True: "yes", False: "no", None: ""}[event.members_only],
              **{name: getattr(event, name) or "" for name in TEXT_LIMITS}}
    return {"event": event, "attendees": attendees, "values": values, "errors": [],
            "kinds": [kind.value for kind in EventKind]}


async def update(request: web.Request) -> web.StreamResponse:
    deps = deps_of(request)
    form = await request.post()
    values = {name: field(form, name) for name in (*FIELDS, "members_only")}
    checked, errors = _form_event(values, deps.services.settings.zone)
    async with deps.sessions.begin() as db:
        event = await get_event(db, int_arg(request, "id"))
        if event is None:
            raise web.HTTPNotFound()
        if checked is not None and checked.capacity is not None \
                and checked.capacity < event.taken:
            errors.append("capacity: below the seats already taken")
        if errors or checked is None:
            return _form_again(request, event, values, errors)
        for name in ("kind", "topic", "starts_at", "ends_at", "capacity", "members_only",
                     *TEXT_LIMITS):
            setattr(event, name, getattr(checked, name))
        await audit(request, "console.event.edit", f"event:{event.id}", session=db)
    raise web.HTTPSeeOther(f"/console/events/{event.id}")


async def cancel(request: web.Request) -> web.StreamResponse:
    """Calls the event off; everyone registered or waiting hears it in their language."""
    staff = staff_of(request)
    event_id = int_arg(request, "id")
    reason = field(await request.post(), "reason", 300)

    async def work(ctx: Context) -> list[Reply]:
        event = await get_event(ctx.session, event_id)
        if event is None or event.cancelled_at is not None:
            return []
        event.cancelled_at = ctx.now
        notices = []
        for person in await event_attendees(ctx.session, event.id):
            if person.registration.status == Status.CANCELLED.value:
                continue
            t = ctx.services.catalogs.get(person.member.language)
            text = t.gettext(CANCELLED).format(
                title=event.title(t.language), reason=reason,
                when=when(event, t.language, ctx.settings.zone))
            notices.append(Reply(text=text.strip(), to=Address(person.member.channel,
                                                               person.member.chat_id)))
        return notices

    replies = await act(deps_of(request), staff.id, work)
    await audit(request, "console.event.cancel", f"event:{event_id}", detail=reason)
    t = await translator(request)
    await flash(request, t.gettext("Event cancelled; {count} members were told.").format(
        count=len(replies)))
    raise web.HTTPSeeOther(f"/console/events/{event_id}")


async def promote(request: web.Request) -> web.StreamResponse:
    """Moves one member off the waitlist; they get the same message as for a freed seat."""
    staff = staff_of(request)
    event_id, registration_id = int_arg(request, "id"), int_arg(request, "reg")

    async def work(ctx: Context) -> list[Reply]:
        event = await get_event(ctx.session, event_id)
        member = None if event is None else \
            await promote_registration(ctx.session, event, registration_id)
        return [] if event is None or member is None else \
            [promotion_notice(ctx, event, member)]

    await act(deps_of(request), staff.id, work)
    await audit(request, "console.event.promote", f"event:{event_id}",
                detail=f"registration {registration_id}")
    raise web.HTTPSeeOther(f"/console/events/{event_id}")


async def check_in(request: web.Request) -> web.StreamResponse:
    """Marks (or unmarks) a registered member as arrived."""
    deps = deps_of(request)
    event_id, registration_id = int_arg(request, "id"), int_arg(request, "reg")
    async with deps.sessions.begin() as db:
        registration = await db.get(Registration, registration_id)
        if registration is None or registration.event_id != event_id:
            raise web.HTTPNotFound()
        registration.checked_in_at = None if registration.checked_in_at else deps.clock()
        await audit(request, "console.event.checkin", f"event:{event_id}",
                    detail=f"registration {registration_id}", session=db)
    raise web.HTTPSeeOther(f"/console/events/{event_id}#reg-{registration_id}")


HEADER = ("status", "name", "card_number", "phone", "channel", "registered_at", "checked_in_at")


async def export(request: web.Request) -> web.Response:
    """The registration list as a spreadsheet (phones masked); the export is audited."""
    deps = deps_of(request)
    event_id, fmt = int_arg(request, "id"), request.match_info["fmt"]
    zone = deps.services.settings.zone
    async with deps.sessions.begin() as db:
        event = await get_event(db, event_id)
        if event is None:
            raise web.HTTPNotFound()
        attendees = await event_attendees(db, event_id)
        await audit(request, "console.event.export", f"event:{event_id}", detail=fmt,
                    session=db)
    rows = [(a.registration.status,
             a.roster.name if a.roster else a.member.display_name,
             a.roster.card_number if a.roster else "",
             mask_phone(a.roster.phone) if a.roster else "", a.member.channel,
             a.registration.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
             a.registration.checked_in_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
             if a.registration.checked_in_at else "") for a in attendees]
    name = f"event-{event_id}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(_safe(row) for row in rows)
        return web.Response(body=("\ufeff" + out.getvalue()).encode("utf-8"),
                            content_type="text/csv", charset="utf-8", headers=headers)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(_safe(row))
    data = io.BytesIO()
    book.save(data)
    return web.Response(body=data.getvalue(), headers=headers, content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


def _safe(row: tuple[str, ...]) -> list[str]:
    """A cell a member typed never starts a spreadsheet formula."""
    return ["'" + cell if cell[:1] in ("=", "+", "-", "@") else cell for cell in row]
