"""/myapplications: every claim and application of the member, each with its status and the date
it got there; more documents when staff ask for them."""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.i18n import Translator
from bot.messages import Button, Incoming, Reply, split_payload
from handlers.applications import answers
from handlers.applications.spec import find_spec
from handlers.binding import need_binding
from handlers.claims.common import claim_summary, status_label, yuan
from handlers.claims.uploads import new_draft
from models.applications import Application, member_applications
from models.mutual_aid import AidPlan, Claim, ClaimStatus, member_claims
from models.roster import find_binding


def stage(t: Translator, case: Claim | Application, zone: object) -> str:
    """'Status: Approved (2026-11-20)': where it is and since when."""
    when = case.updated_at.astimezone(zone)  # type: ignore[arg-type]
    return t.gettext("Status: {status} (since {date})").format(
        status=status_label(t, case.status), date=f"{when:%Y-%m-%d}")


def application_summary(t: Translator, application: Application, zone: object) -> str:
    """Number, kind, answers, status with its date, amounts and the union's note."""
    spec = find_spec(application.kind)
    name = spec.name.get(t.language) if spec else application.kind
    lines = [f"{application.number} · {name}"]
    if spec is not None:
        lines += answers.summary(t, spec, application.answers)
    lines.append(stage(t, application, zone))
    if application.decided_fen is not None:
        lines.append(t.gettext("Amount approved: {amount}").format(
            amount=yuan(application.decided_fen)))
    if application.paid_on is not None:
        lines.append(t.gettext("Paid: {amount} on {date}").format(
            amount=yuan(application.paid_fen or 0), date=application.paid_on.isoformat()))
    if application.reason:
        lines.append(t.gettext("Note from the union: {reason}").format(reason=application.reason))
    return "\n".join(lines)


async def show_my_applications(msg: Incoming, ctx: Context) -> Reply:
    """Claims and applications, newest first, with what the member can do next."""
    entry = await find_binding(ctx.session, ctx.member.id)
    if entry is None:
        return need_binding(ctx)
    cases: list[tuple[datetime, str]] = []
    buttons: list[tuple[Button, ...]] = []
    for claim in await member_claims(ctx.session, entry.id):
        plan = await ctx.session.get(AidPlan, claim.plan_id)
        assert plan is not None
        text = claim_summary(ctx.translator, claim, plan) + "\n" + stage(
            ctx.translator, claim, ctx.settings.zone)
        cases.append((claim.submitted_at, text))
    for application in await member_applications(ctx.session, entry.id):
        cases.append((application.submitted_at,
                      application_summary(ctx.translator, application, ctx.settings.zone)))
        if application.status == ClaimStatus.NEEDS_DOCUMENTS.value:
            buttons.append((Button(ctx._("Send documents for {number}").format(
                number=application.number), f"apply.more:{application.id}"),))
    buttons.append((Button(ctx._("Make an application"), "apply.menu"),))
    if not cases:
        return Reply(text=ctx._("You have no claims or applications here yet."),
                     buttons=tuple(buttons), intent="mutual_aid.claim_status")
    cases.sort(key=lambda case: case[0], reverse=True)
    return Reply(text="\n\n".join(text for _at, text in cases), buttons=tuple(buttons),
                 intent="mutual_aid.claim_status")


async def start_more_documents(msg: Incoming, ctx: Context) -> Reply:
    """Documents staff asked for, added to one of the member's applications."""
    arg = split_payload(msg.payload or "")[1]
    entry = await find_binding(ctx.session, ctx.member.id)
    application = await ctx.session.get(Application, int(arg)) if arg.isdigit() else None
    if (entry is None or application is None or application.roster_id != entry.id
            or application.status != ClaimStatus.NEEDS_DOCUMENTS.value):
        return Reply(text=ctx._("That application is not waiting for documents."))
    await ctx.start_flow("apply", "documents", {
        "kind": application.kind, "draft": new_draft(), "application_id": application.id,
        "answers": application.answers, "index": 0})
    return Reply(text=ctx._("Send the documents, one per message, then press Done."),
                 buttons=((Button(ctx._("Done"), "apply.answer:done"),),))
