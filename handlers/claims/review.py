"""/claims for union staff: pending claims, their documents, approve, reject, ask for more;
the member hears at once, in the member's language."""

from __future__ import annotations

from bot import documents
from bot.context import Context
from bot.messages import Button, Incoming, OutgoingFile, Reply, split_payload
from bot.parsing import parse_id
from bot.privacy.access import read_for_staff
from handlers.claims.common import claim_summary, parse_amount, status_label, yuan
from models.applications import Case, mark_paid
from models.audit import record_audit
from models.member import Member
from models.mutual_aid import (
    PENDING,
    AidPlan,
    Claim,
    ClaimDocument,
    ClaimStatus,
    claim_documents,
    get_claim,
    pending_claims,
    set_status,
)
from models.roster import RosterEntry, find_binding

FLOW = "claim_review"
REASON_LIMIT = 500


async def list_pending(msg: Incoming, ctx: Context) -> Reply:
    """Claims waiting for a decision, oldest first, each a button."""
    claims = await pending_claims(ctx.session)
    if not claims:
        return Reply(text=ctx._("No claims are waiting for review."))
    buttons = tuple((Button(f"{c.number} · {yuan(c.amount_fen)}", f"claims.open:{c.id}"),)
                    for c in claims)
    return Reply(text=ctx._("Claims waiting for review: {count}").format(count=len(claims)),
                 buttons=buttons)


async def open_claim(msg: Incoming, ctx: Context) -> list[Reply]:
    """One claim: who, what, how much, its documents, and the decisions."""
    claim = await _claim(msg, ctx)
    if claim is None:
        return [Reply(text=ctx._("No such claim."))]
    plan = await ctx.session.get(AidPlan, claim.plan_id)
    entry = await ctx.session.get(RosterEntry, claim.roster_id)
    assert plan is not None and entry is not None
    docs = await claim_documents(ctx.session, claim.id)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="claim.view",
                       target=f"member:{claim.member_id}", detail=f"claim {claim.number}")
    text = "\n".join([
        claim_summary(ctx.translator, claim, plan),
        ctx._("Member: {name}, card {card}, {union}").format(
            name=entry.name, card=entry.card_number, union=entry.workplace_union),
        ctx._("Description: {text}").format(text=claim.description or "-"),
        ctx._("Documents: {count}").format(count=len(docs)),
    ])
    buttons = _decision_buttons(ctx, claim)
    files = await document_replies(ctx, str(claim.number), claim.member_id, docs)
    if not files or not buttons:
        return [Reply(text=text, buttons=buttons), *files]
    # a file message below the buttons would hide them (and WeChat shows no buttons on files)
    again = ctx._("Decide on {number}:").format(number=claim.number)
    return [Reply(text=text), *files, Reply(text=again, buttons=buttons)]


def _decision_buttons(ctx: Context, claim: Claim) -> tuple[tuple[Button, ...], ...]:
    if claim.status == ClaimStatus.APPROVED.value:
        return ((Button(ctx._("Mark {amount} paid today").format(
            amount=yuan(claim.decided_fen or 0)), f"claims.paid:{claim.id}"),),)
    if claim.status not in PENDING:
        return ()
    return (
        (Button(ctx._("Approve {amount}").format(amount=yuan(claim.amount_fen)),
                f"claims.approve:{claim.id}"),
         Button(ctx._("Approve another amount"), f"claims.amount:{claim.id}")),
        (Button(ctx._("Reject"), f"claims.reject:{claim.id}"),
         Button(ctx._("Ask for documents"), f"claims.docs:{claim.id}")),
    )


async def document_replies(ctx: Context, number: str, member_id: int,
                           docs: list[ClaimDocument]) -> list[Reply]:
    """Each document as a file, named after the claim or application, never after the member's
    file name."""
    replies = []
    for count, doc in enumerate(docs, start=1):
        try:
            data = await read_for_staff(ctx.session, number, member_id, doc, count,
                                        staff_id=ctx.member.id, now=ctx.now,
                                        data_dir=ctx.settings.bot.data_dir)
        except documents.DocumentUnreadable:
            replies.append(Reply(text=ctx._("Document {number} of {claim} failed its integrity "
                                            "check and is not shown.").format(
                number=count, claim=number)))
            continue
        except (OSError, ValueError):
            replies.append(Reply(text=ctx._("Document {number} of {claim} is missing from the "
                                            "store.").format(number=count, claim=number)))
            continue
        ext = documents.EXTENSIONS.get(doc.mime_type, "bin")
        replies.append(Reply(text=f"{number} #{count}", file=OutgoingFile(
            name=f"{number}-{count}.{ext}", data=data, mime_type=doc.mime_type,
            as_photo=doc.mime_type.startswith("image/"))))
    return replies


async def approve_claim(msg: Incoming, ctx: Context) -> list[Reply]:
    """Approves the amount the member claimed, and tells the member."""
    claim = await _claim(msg, ctx)
    if claim is None or claim.status not in PENDING:
        return [Reply(text=ctx._("That claim is not waiting for a decision."))]
    if await own_case(ctx, claim):
        return [await refuse_own(ctx, claim)]
    return await decide_claim(ctx, claim, ClaimStatus.APPROVED, amount=claim.amount_fen)


async def mark_claim_paid(msg: Incoming, ctx: Context) -> list[Reply]:
    """An approved claim paid today: the member hears the amount and the date."""
    claim = await _claim(msg, ctx)
    if claim is None or claim.status != ClaimStatus.APPROVED.value:
        return [Reply(text=ctx._("That claim is not approved and waiting for payment."))]
    if await own_case(ctx, claim):
        return [await refuse_own(ctx, claim)]
    await mark_paid(ctx.session, claim, amount_fen=claim.decided_fen or claim.amount_fen,
                    paid_on=ctx.local_now.date(), actor_id=ctx.member.id, now=ctx.now)
    return await _told(ctx, claim)


async def own_case(ctx: Context, case: Case) -> bool:
    """Staff never decide a claim or application of their own (by chat or by roster entry)."""
    if case.member_id == ctx.member.id:
        return True
    entry = await find_binding(ctx.session, ctx.member.id)
    return entry is not None and entry.id == case.roster_id


async def refuse_own(ctx: Context, case: Case) -> Reply:
    """Audited refusal to decide one's own case."""
    kind = "claim" if isinstance(case, Claim) else "application"
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, allowed=False,
                       action=f"{kind}.decide", target=f"{kind}:{case.number}",
                       detail=f"refused: own {kind}")
    if isinstance(case, Claim):
        return Reply(text=ctx._("You cannot decide your own claim; another staff member must."))
    return Reply(text=ctx._("You cannot decide your own application; another staff member "
                            "must."))


async def ask_decision_detail(msg: Incoming, ctx: Context) -> Reply:
    """Asks staff for the amount, the reason or the documents to request."""
    action, _arg = split_payload(msg.payload or "")
    claim = await _claim(msg, ctx)
    if claim is None or claim.status not in PENDING:
        return Reply(text=ctx._("That claim is not waiting for a decision."))
    if await own_case(ctx, claim):
        return await refuse_own(ctx, claim)
    step = {"claims.amount": "amount", "claims.reject": "reason", "claims.docs": "documents"}
    await ctx.start_flow(FLOW, step[action], {"claim_id": claim.id})
    question = {
        "amount": ctx._("Type the amount to approve for {number}, in yuan."),
        "reason": ctx._("Type the reason for rejecting {number}; the member will read it."),
        "documents": ctx._("Type which documents {number} still needs; the member will read "
                           "it."),
    }[step[action]]
    return Reply(text=question.format(number=claim.number) + "\n" + ctx._("/cancel to stop."))


async def continue_review(msg: Incoming, ctx: Context) -> list[Reply] | Reply:
    """Staff's typed amount, reason or document request, then the decision."""
    assert ctx.flow is not None
    claim = await get_claim(ctx.session, int(ctx.flow.data.get("claim_id", 0)))
    text = (msg.text or "").strip()
    if claim is None or claim.status not in PENDING:
        await ctx.end_flow()
        return Reply(text=ctx._("That claim is not waiting for a decision."))
    if ctx.flow.step == "amount":
        plan = await ctx.session.get(AidPlan, claim.plan_id)
        fen = parse_amount(text)
        if fen is None or fen <= 0 or plan is None or fen > plan.cap_fen:
            cap = yuan(plan.cap_fen) if plan else "-"
            return Reply(text=ctx._("Type an amount above zero and at most {cap}.").format(
                cap=cap))
        if fen != claim.amount_fen:
            await ctx.start_flow(FLOW, "amount_reason", {"claim_id": claim.id, "fen": fen})
            return Reply(text=ctx._("Why {amount} rather than the {claimed} claimed? The member "
                                    "will read it.").format(amount=yuan(fen),
                                                            claimed=yuan(claim.amount_fen)))
        await ctx.end_flow()
        return await decide_claim(ctx, claim, ClaimStatus.APPROVED, amount=fen)
    if not 1 <= len(text) <= REASON_LIMIT:
        return Reply(text=ctx._("Please type it in at most {limit} characters.").format(
            limit=REASON_LIMIT))
    step, fen = ctx.flow.step, ctx.flow.data.get("fen")
    await ctx.end_flow()
    if step == "amount_reason" and isinstance(fen, int):
        return await decide_claim(ctx, claim, ClaimStatus.APPROVED, amount=fen, reason=text)
    status = ClaimStatus.REJECTED if step == "reason" else ClaimStatus.NEEDS_DOCUMENTS
    return await decide_claim(ctx, claim, status, reason=text)


async def decide_claim(ctx: Context, claim: Claim, status: ClaimStatus, *,
                       amount: int | None = None, reason: str = "") -> list[Reply]:
    """Records the decision and tells the member (the chat's and the console's one way)."""
    await set_status(ctx.session, claim, status, actor_id=ctx.member.id, now=ctx.now,
                     decided_fen=amount, reason=reason)
    return await _told(ctx, claim)


async def _told(ctx: Context, claim: Claim) -> list[Reply]:
    member = await ctx.session.get(Member, claim.member_id)
    assert member is not None
    done = ctx._("Claim {number}: {status}. The notice to the member is queued; /notices "
                 "shows whether it was delivered.").format(
        number=claim.number, status=status_label(ctx.translator, claim.status))
    return [Reply(text=done), claim_notice(ctx, member, claim)]


def claim_notice(ctx: Context, member: Member, claim: Claim) -> Reply:
    """The decision or the payout, in the member's own language, sent to the member's chat."""
    t = ctx.services.catalogs.get(member.language)
    _ = t.gettext
    buttons: tuple[tuple[Button, ...], ...] = ()
    if claim.status == ClaimStatus.PAID.value:
        text = _("Your claim {number}: {amount} was paid to your Jingka card on {date}.").format(
            number=claim.number, amount=yuan(claim.paid_fen or 0),
            date=claim.paid_on.isoformat() if claim.paid_on else "-")
    elif claim.status == ClaimStatus.APPROVED.value:
        text = _("Good news: your claim {number} is approved. {amount} will be paid to your "
                 "Jingka card.").format(number=claim.number, amount=yuan(claim.decided_fen or 0))
        if claim.reason:
            text += "\n" + _("Note from the union: {reason}").format(reason=claim.reason)
    elif claim.status == ClaimStatus.REJECTED.value:
        text = _("Your claim {number} was not approved. Reason: {reason}\nYour workplace union "
                 "can tell you more.").format(number=claim.number, reason=claim.reason)
    else:
        text = _("Your claim {number} needs more documents: {reason}").format(
            number=claim.number, reason=claim.reason)
        buttons = ((Button(_("Send documents"), f"claim.more:{claim.id}"),),)
    return Reply(text=text, buttons=buttons, to_member=member.id)


async def _claim(msg: Incoming, ctx: Context) -> Claim | None:
    arg = split_payload(msg.payload or "")[1]
    claim_id = parse_id(arg)
    return await get_claim(ctx.session, claim_id) if claim_id is not None else None
