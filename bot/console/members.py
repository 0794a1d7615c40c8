"""Members: search the roster by card, name or phone (shown masked), a member's chat
accounts and roles, and a roster import that previews every error before writing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from bot.console.auth import audit, require_admin, staff_of
from bot.console.deps import deps_of
from bot.console.views import field, flash, int_arg, translator
from bot.importing.roster import check_roster, import_roster
from bot.importing.tabular import ImportReport, Row, TableError, read_table
from models.console_views import bound_members, search_roster
from models.member import Member, Role
from models.roster import RosterEntry
from models.staff import list_staff

UPLOAD_LIMIT = 8 * 1024 * 1024
PREVIEW_ROWS = 50


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/members", show_search)
    router.add_get("/members/{id}", show_member)
    router.add_post("/members/account/{id}/role", set_role)
    router.add_get("/roster-import", show_import)
    router.add_post("/roster-import", run_import)


@aiohttp_jinja2.template("members.html")
async def show_search(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    query = request.query.get("q", "")[:64]
    admin = staff_of(request).is_admin
    async with deps.sessions.begin() as db:
        rows = await search_roster(db, query)
        staff = await list_staff(db) if admin else []
        if query:
            await audit(request, "console.member.search", detail=f"{len(rows)} found",
                        session=db)
    return {"q": query, "rows": rows, "staff_list": staff, "roles": [r.value for r in Role]}


@aiohttp_jinja2.template("member.html")
async def show_member(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        entry = await db.get(RosterEntry, int_arg(request, "id"))
        if entry is None:
            raise web.HTTPNotFound()
        accounts = await bound_members(db, entry.id)
        await audit(request, "console.member.view", f"roster:{entry.id}", session=db)
    return {"entry": entry, "accounts": accounts, "roles": [role.value for role in Role]}


async def set_role(request: web.Request) -> web.StreamResponse:
    """Admins only: a chat account becomes member, staff or admin (never their own)."""
    admin = require_admin(request)
    deps = deps_of(request)
    form = await request.post()
    role, back = field(form, "role", 8), field(form, "back", 20)
    if role not in {r.value for r in Role}:
        raise web.HTTPBadRequest(text="unknown role")
    async with deps.sessions.begin() as db:
        member = await db.get(Member, int_arg(request, "id"))
        if member is None or member.id == admin.id:
            raise web.HTTPBadRequest(text="not that account")
        member.role = role
        await audit(request, "grant", f"{member.channel}:{member.external_id}",
                    detail=f"role={role} via console", session=db)
    raise web.HTTPSeeOther(f"/console/members/{back}" if back.isdigit() else "/console/members")


@aiohttp_jinja2.template("roster_import.html")
async def show_import(request: web.Request) -> dict[str, object]:
    require_admin(request)
    return {"report": None, "rows": [], "dry_run": True}


async def run_import(request: web.Request) -> web.StreamResponse:
    """A dry run shows each row and each error; only an import of a clean file writes."""
    require_admin(request)
    deps = deps_of(request)
    form = await request.post()
    dry_run = form.get("apply") != "1"
    rows = await _rows(form.get("file"))
    report = ImportReport()
    if isinstance(rows, str):
        report.errors.append(rows)
        rows = []
    elif dry_run:
        check_roster(rows, report)
    else:
        async with deps.sessions.begin() as db:
            report = await import_roster(db, rows)
            await audit(request, "console.roster.import", session=db,
                        detail=f"{report.imported} rows, {len(report.errors)} errors")
        if report.ok:
            t = await translator(request)
            await flash(request, t.gettext("{count} roster rows imported.").format(
                count=report.imported))
            raise web.HTTPSeeOther("/console/roster-import")
    return aiohttp_jinja2.render_template("roster_import.html", request, {
        "report": report, "rows": rows[:PREVIEW_ROWS], "dry_run": dry_run,
        "total": len(rows)})


async def _rows(upload: object) -> list[Row] | str:
    if not isinstance(upload, web.FileField) or not upload.filename:
        return "choose a .csv or .xlsx file"
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return "expected a .csv or .xlsx file"
    data = upload.file.read(UPLOAD_LIMIT + 1)
    if len(data) > UPLOAD_LIMIT:
        return "the file is larger than 8 MB"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"roster{suffix}"  # never the uploaded name
        path.write_bytes(data)
        try:
            return read_table(path)
        except (TableError, OSError, ValueError) as exc:
            return str(exc)
