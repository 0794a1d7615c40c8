"""/applications for union staff: hardship aid, student grants and membership applications waiting
for a decision, their documents, approve (another amount needs a reason), reject, ask for more,
mark paid; the member hears at once, in the member's language."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Button, Incoming, Reply, split_payload
from handlers.applications.member import application_summary
from handlers.applications.spec import Spec, find_spec, load_specs
from handlers.claims.common import parse_amount, yuan
from handlers.claims.review import document_replies, own_case, refuse_own
from models.applications import (
    Application,
    application_documents,
    decide_application,
    mark_paid,
    pending_applications,
)
from models.member import Member, Role
from models.mutual_aid import PENDING, ClaimStatus
from models.roster import RosterEntry

FLOW = "apply_review"
REASON_LIMIT = 500
Buttons = tuple[tuple[Button, ...], ...]


def _reviewable(ctx: Context) -> tuple[str, ...]:
    """Kinds this staff member may decide: "admin" kinds only for admins."""
    return tuple(spec.kind for spec in load_specs() if not spec.handled_by and (
        spec.reviewer != "admin" or ctx.member.role == Role.ADMIN.value))


async def list_pending_applications(msg: Incoming, ctx: Context) -> Reply:
    """Applications waiting for a decision, oldest first, each a button."""
    waiting = await pending_applications(ctx.session, _reviewable(ctx))
    if not waiting:
        return Reply(text=ctx._("No applications are waiting for review."))
    buttons = tuple((Button(f"{a.number} · {_name(ctx, a)}", f"apply.open:{a.id}"),)
                    for a in waiting)
    return Reply(text=ctx._("Applications waiting for review: {count}").format(
        count=len(waiting)), buttons=buttons)


async def open_application(msg: Incoming, ctx: Context) -> list[Reply]:
    """One application: who, the answers, the documents, then the decision buttons."""
    application, spec = await _load(msg, ctx)
    if application is None or spec is None:
        return [Reply(text=ctx._("No such application."))]
    entry = await ctx.session.get(RosterEntry, application.roster_id)
    assert entry is not None
    docs = await application_documents(ctx.session, application.id)
    text = "\n".join([
        application_summary(ctx.translator, application, ctx.settings.zone),
        ctx._("Member: {name}, card ending {card}, {union}").format(
            name=entry.name, card=entry.card_number[-4:], union=entry.workplace_union or "-"),
        ctx._("Documents: {count}").format(count=len(docs)),
    ])
    files = await document_replies(ctx, str(application.number), application.member_id,
                                   docs)
    buttons = _buttons(ctx, application, spec)
    if not files or not buttons:
        return [Reply(text=text, buttons=buttons), *files]
    again = ctx._("Decide on {number}:").format(number=application.number)
    return [Reply(text=text), *files, Reply(text=again, buttons=buttons)]


def _buttons(ctx: Context, application: Application, spec: Spec) -> Buttons:
    number = application.id
    if application.status == ClaimStatus.APPROVED.value and spec.pays_out:
        return ((Button(ctx._("Mark {amount} paid today").format(
            amount=yuan(application.decided_fen or 0)), f"apply.paid:{number}"),),)
    if application.status not in PENDING:
        return ()
    offered = application.amount_fen or spec.default_fen
    approve = (Button(ctx._("Approve {amount}").format(amount=yuan(offered)),
                      f"apply.approve:{number}"),) if offered or not spec.pays_out else ()
    other = (Button(ctx._("Approve another amount"), f"apply.amount:{number}"),) \
        if spec.pays_out else ()
    if not spec.pays_out:
        approve = (Button(ctx._("Approve"), f"apply.approve:{number}"),)
    return ((*approve, *other), (Button(ctx._("Reject"), f"apply.reject:{number}"),
                                 Button(ctx._("Ask for documents"), f"apply.docs:{number}")))


async def approve_application(msg: Incoming, ctx: Context) -> list[Reply]:
    """Approves the amount asked for (or the kind's usual amount)."""
    application, spec = await _pending(msg, ctx)
    if application is None or spec is None:
        return [Reply(text=ctx._("That application is not waiting for a decision."))]
    if await own_case(ctx, application):
        return [await refuse_own(ctx, application)]
    amount = (application.amount_fen or spec.default_fen) if spec.pays_out else None
    return await _decide(ctx, application, ClaimStatus.APPROVED, amount=amount)


async def ask_application_detail(msg: Incoming, ctx: Context) -> Reply:
    """Asks staff for the amount, the reason or the documents to request."""
    action = split_payload(msg.payload or "")[0]
    application, _spec = await _pending(msg, ctx)
    if application is None:
        return Reply(text=ctx._("That application is not waiting for a decision."))
    if await own_case(ctx, application):
        return await refuse_own(ctx, application)
    step = {"apply.amount": "amount", "apply.reject": "reason", "apply.docs": "documents"}[action]
    await ctx.start_flow(FLOW, step, {"application_id": application.id})
    question = {
        "amount": ctx._("Type the amount to approve for {number}, in yuan."),
        "reason": ctx._("Type the reason for rejecting {number}; the member will read it."),
        "documents": ctx._("Type which documents {number} still needs; the member will read "
                           "it."),
    }[step]
    return Reply(text=question.format(number=application.number) + "\n" + ctx._("/cancel to "
                                                                                  "stop."))


async def continue_application_review(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """Staff's typed amount, reason or request, then the decision."""
    assert ctx.flow is not None
    step, data, text = ctx.flow.step, dict(ctx.flow.data), (msg.text or "").strip()
    application = await ctx.session.get(Application, int(data.get("application_id", 0)))
    if application is None or application.status not in PENDING:
        await ctx.end_flow()
        return Reply(text=ctx._("That application is not waiting for a decision."))
    if step == "amount":
        fen = parse_amount(text)
        if fen is None:
            return Reply(text=ctx._("Type an amount above zero, e.g. 3000."))
        await ctx.start_flow(FLOW, "amount_reason", {**data, "fen": fen})
        return Reply(text=ctx._("Why {amount}? The member will read it.").format(
            amount=yuan(fen)))
    if not 1 <= len(text) <= REASON_LIMIT:
        return Reply(text=ctx._("Please type it in at most {limit} characters.").format(
            limit=REASON_LIMIT))
    await ctx.end_flow()
    if step == "amount_reason":
        return await _decide(ctx, application, ClaimStatus.APPROVED, amount=int(data["fen"]),
                             reason=text)
    status = ClaimStatus.REJECTED if step == "reason" else ClaimStatus.NEEDS_DOCUMENTS
    return await _decide(ctx, application, status, reason=text)


async def mark_application_paid(msg: Incoming, ctx: Context) -> list[Reply]:
    """An approved application paid today: the member hears the amount and the date."""
    application, spec = await _load(msg, ctx)
    if application is None or spec is None or application.status != "approved":
        return [Reply(text=ctx._("That application is not approved and waiting for payment."))]
    if await own_case(ctx, application):
        return [await refuse_own(ctx, application)]
    await mark_paid(ctx.session, application, amount_fen=application.decided_fen or 0,
                    paid_on=ctx.local_now.date(), actor_id=ctx.member.id, now=ctx.now)
    return await _told(ctx, application)


async def _decide(ctx: Context, application: Application, status: ClaimStatus, *,
                  amount: int | None = None, reason: str = "") -> list[Reply]:
    await decide_application(ctx.session, application, status, actor_id=ctx.member.id,
                             now=ctx.now, decided_fen=amount, reason=reason)
    return await _told(ctx, application)


async def _told(ctx: Context, application: Application) -> list[Reply]:
    member = await ctx.session.get(Member, application.member_id)
    assert member is not None
    done = ctx._("{number}: done. The member has been told.").format(number=application.number)
    return [Reply(text=done), application_notice(ctx, member, application)]


def application_notice(ctx: Context, member: Member, application: Application) -> Reply:
    """The decision or the payout, in the member's language, sent to the member's chat."""
    t = ctx.services.catalogs.get(member.language)
    _ = t.gettext
    number, status = application.number, application.status
    buttons: Buttons = ()
    if status == ClaimStatus.PAID.value:
        text = _("Your application {number}: {amount} was paid to your Jingka card on "
                 "{date}.").format(number=number, amount=yuan(application.paid_fen or 0),
                                   date=application.paid_on.isoformat()
                                   if application.paid_on else "-")
    elif status == ClaimStatus.APPROVED.value and application.decided_fen:
        text = _("Good news: your application {number} is approved. {amount} will be paid to "
                 "your Jingka card.").format(number=number,
                                             amount=yuan(application.decided_fen))
    elif status == ClaimStatus.APPROVED.value:
        text = _("Good news: your application {number} is approved.").format(number=number)
    elif status == ClaimStatus.REJECTED.value:
        text = _("Your application {number} was not approved.").format(number=number)
    else:
        text = _("Your application {number} needs more documents.").format(number=number)
        buttons = ((Button(_("Send documents"), f"apply.more:{application.id}"),),)
    if application.reason:
        text += "\n" + _("Note from the union: {reason}").format(reason=application.reason)
    return Reply(text=text, buttons=buttons, to_member=member.id)


async def _load(msg: Incoming, ctx: Context) -> tuple[Application | None, Spec | None]:
    arg = split_payload(msg.payload or "")[1]
    application = await ctx.session.get(Application, int(arg)) if arg.isdigit() else None
    if application is None or application.kind not in _reviewable(ctx):
        return None, None
    return application, find_spec(application.kind)


async def _pending(msg: Incoming, ctx: Context) -> tuple[Application | None, Spec | None]:
    application, spec = await _load(msg, ctx)
    if application is None or application.status not in PENDING:
        return None, None
    return application, spec


def _name(ctx: Context, application: Application) -> str:
    spec = find_spec(application.kind)
    return spec.name.get(ctx.language) if spec else application.kind
