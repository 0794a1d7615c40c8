"""Claims: the queue by status and age, one claim with its documents inline, and the
decisions; the member is told exactly as when staff decide in the chat."""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web

from bot import documents
from bot.console.auth import audit, staff_of
from bot.console.deps import act, deps_of
from bot.console.views import field, flash, int_arg, translator
from bot.context import Context
from bot.messages import Reply
from handlers.claims.common import STATUSES, incident_label, parse_amount
from handlers.claims.review import REASON_LIMIT, decide_claim
from models.console_views import claim_queue
from models.mutual_aid import PENDING, AidPlan, ClaimStatus, claim_documents, get_claim
from models.roster import RosterEntry

log = logging.getLogger(__name__)
INLINE = ("image/jpeg", "image/png", "application/pdf")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/claims", show_queue)
    router.add_get("/claims/{id}", show_claim)
    router.add_get("/claims/{id}/documents/{doc}", show_document)
    router.add_post("/claims/{id}/decide", decide)


@aiohttp_jinja2.template("claims.html")
async def show_queue(request: web.Request) -> dict[str, object]:
    status = request.query.get("status", "pending")
    if status not in (*STATUSES, "pending"):
        status = "pending"
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        rows = await claim_queue(db, statuses=PENDING if status == "pending" else (status,))
    return {"rows": rows, "status": status, "statuses": ["pending", *STATUSES],
            "now": deps.clock()}


@aiohttp_jinja2.template("claim.html")
async def show_claim(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    t = await translator(request)
    async with deps.sessions.begin() as db:
        claim = await get_claim(db, int_arg(request, "id"))
        if claim is None:
            raise web.HTTPNotFound()
        plan = await db.get(AidPlan, claim.plan_id)
        entry = await db.get(RosterEntry, claim.roster_id)
        docs = await claim_documents(db, claim.id)
        await audit(request, "console.claim.view", f"claim:{claim.number}", session=db)
    return {"claim": claim, "plan": plan, "entry": entry, "docs": docs,
            "incident": incident_label(t, claim.incident_type),
            "status_label": t.gettext(STATUSES.get(claim.status, claim.status)),
            "pending": claim.status in PENDING}


async def show_document(request: web.Request) -> web.Response:
    """One document, shown inline in the page; each view is an audit entry."""
    deps = deps_of(request)
    claim_id, doc_id = int_arg(request, "id"), int_arg(request, "doc")
    async with deps.sessions.begin() as db:
        claim = await get_claim(db, claim_id)
        docs = {doc.id: doc for doc in await claim_documents(db, claim_id)}
        doc = docs.get(doc_id)
        if claim is None or doc is None:
            raise web.HTTPNotFound()
        await audit(request, "console.document.view", f"claim:{claim.number}",
                    detail=f"document {doc.id}", session=db)
    try:
        data = await documents.load(doc.path, deps.services.settings.bot.data_dir)
    except (OSError, ValueError):
        log.error("claim %s: document %s is missing from the store", claim.number, doc.id)
        raise web.HTTPNotFound() from None
    mime = doc.mime_type if doc.mime_type in INLINE else "application/octet-stream"
    headers = {"Content-Disposition": "inline" if mime in INLINE else "attachment",
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if mime != "application/pdf":  # the browser's PDF viewer does not run in a sandbox
        headers["Content-Security-Policy"] = "sandbox"
    return web.Response(body=data, content_type=mime, headers=headers)


async def decide(request: web.Request) -> web.StreamResponse:
    """approve (optionally another amount), reject with a reason, or ask for documents."""
    staff = staff_of(request)
    claim_id = int_arg(request, "id")
    form = await request.post()
    action, reason = field(form, "action", 16), field(form, "reason", REASON_LIMIT + 1)
    amount_text = field(form, "amount", 20)

    async def work(ctx: Context) -> list[Reply]:
        claim = await get_claim(ctx.session, claim_id)
        if claim is None or claim.status not in PENDING:
            return [Reply(text=ctx._("That claim is not waiting for a decision."))]
        if action == "approve":
            fen = parse_amount(amount_text) if amount_text else claim.amount_fen
            plan = await ctx.session.get(AidPlan, claim.plan_id)
            if fen is None or fen <= 0 or plan is None or fen > plan.cap_fen:
                return [Reply(text=ctx._("Type an amount above zero and at most {cap}.").format(
                    cap=f"¥{(plan.cap_fen if plan else 0) // 100:,}"))]
            return await decide_claim(ctx, claim, ClaimStatus.APPROVED, amount=fen)
        if action in ("reject", "documents") and 1 <= len(reason) <= REASON_LIMIT:
            status = ClaimStatus.REJECTED if action == "reject" else ClaimStatus.NEEDS_DOCUMENTS
            return await decide_claim(ctx, claim, status, reason=reason)
        return [Reply(text=ctx._("Please type it in at most {limit} characters.").format(
            limit=REASON_LIMIT))]

    replies = await act(deps_of(request), staff.id, work)
    await audit(request, f"console.claim.{action}"[:64], f"claim:{claim_id}")
    await flash(request, replies[0].text if replies else "")
    raise web.HTTPSeeOther(f"/console/claims/{claim_id}")
