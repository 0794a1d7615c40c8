"""/claims for union staff: pending claims, their documents, approve, reject, ask for more;
the member hears at once, in the member's language."""

from __future__ import annotations

import logging

from bot import documents
from bot.context import Context
from bot.messages import Address, Button, Incoming, OutgoingFile, Reply, split_payload
from handlers.claims.common import claim_summary, parse_amount, status_label, yuan
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
from models.roster import RosterEntry

log = logging.getLogger(__name__)

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
    text = "\n".join([
        claim_summary(ctx.translator, claim, plan),
        ctx._("Member: {name}, card {card}, {union}").format(
            name=entry.name, card=entry.card_number, union=entry.workplace_union),
        ctx._("Description: {text}").format(text=claim.description or "-"),
        ctx._("Documents: {count}").format(count=len(docs)),
    ])
    buttons: tuple[tuple[Button, ...], ...] = ()
    if claim.status in PENDING:
        buttons = (
            (Button(ctx._("Approve {amount}").format(amount=yuan(claim.amount_fen)),
                    f"claims.approve:{claim.id}"),
             Button(ctx._("Approve another amount"), f"claims.amount:{claim.id}")),
            (Button(ctx._("Reject"), f"claims.reject:{claim.id}"),
             Button(ctx._("Ask for documents"), f"claims.docs:{claim.id}")),
        )
    return [Reply(text=text, buttons=buttons), *await _document_replies(ctx, claim, docs)]


async def _document_replies(ctx: Context, claim: Claim, docs: list[ClaimDocument]
                            ) -> list[Reply]:
    """Each document as a file, named after the claim, never after the member's file name."""
    replies = []
    for number, doc in enumerate(docs, start=1):
        try:
            data = await documents.load(doc.path, ctx.settings.bot.data_dir)
        except (OSError, ValueError):
            log.error("claim %s: document %s is missing from the store", claim.number, doc.path)
            replies.append(Reply(text=ctx._("Document {number} of {claim} is missing from the "
                                            "store.").format(number=number, claim=claim.number)))
            continue
        ext = documents.EXTENSIONS.get(doc.mime_type, "bin")
        replies.append(Reply(text=f"{claim.number} #{number}", file=OutgoingFile(
            name=f"{claim.number}-{number}.{ext}", data=data, mime_type=doc.mime_type,
            as_photo=doc.mime_type.startswith("image/"))))
    return replies


async def approve_claim(msg: Incoming, ctx: Context) -> list[Reply]:
    """Approves the amount the member claimed, and tells the member."""
    claim = await _claim(msg, ctx)
    if claim is None or claim.status not in PENDING:
        return [Reply(text=ctx._("That claim is not waiting for a decision."))]
    return await decide_claim(ctx, claim, ClaimStatus.APPROVED, amount=claim.amount_fen)


async def ask_decision_detail(msg: Incoming, ctx: Context) -> Reply:
    """Asks staff for the amount, the reason or the documents to request."""
    action, _arg = split_payload(msg.payload or "")
    claim = await _claim(msg, ctx)
    if claim is None or claim.status not in PENDING:
        return Reply(text=ctx._("That claim is not waiting for a decision."))
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
        await ctx.end_flow()
        return await decide_claim(ctx, claim, ClaimStatus.APPROVED, amount=fen)
    if not 1 <= len(text) <= REASON_LIMIT:
        return Reply(text=ctx._("Please type it in at most {limit} characters.").format(
            limit=REASON_LIMIT))
    step = ctx.flow.step
    await ctx.end_flow()
    status = ClaimStatus.REJECTED if step == "reason" else ClaimStatus.NEEDS_DOCUMENTS
    return await decide_claim(ctx, claim, status, reason=text)


async def decide_claim(ctx: Context, claim: Claim, status: ClaimStatus, *,
                       amount: int | None = None, reason: str = "") -> list[Reply]:
    """Records the decision and tells the member (the chat's and the console's one way)."""
    await set_status(ctx.session, claim, status, actor_id=ctx.member.id, now=ctx.now,
                     decided_fen=amount, reason=reason)
    member = await ctx.session.get(Member, claim.member_id)
    assert member is not None
    done = ctx._("Claim {number}: {status}. The member has been told.").format(
        number=claim.number, status=status_label(ctx.translator, claim.status))
    return [Reply(text=done), _notice(ctx, member, claim)]


def _notice(ctx: Context, member: Member, claim: Claim) -> Reply:
    """The decision, in the member's own language, sent to the member's chat."""
    t = ctx.services.catalogs.get(member.language)
    _ = t.gettext
    if claim.status == ClaimStatus.APPROVED.value:
        text = _("Good news: your claim {number} is approved. {amount} will be paid to your "
                 "Jingka card.").format(number=claim.number, amount=yuan(claim.decided_fen or 0))
        buttons: tuple[tuple[Button, ...], ...] = ()
    elif claim.status == ClaimStatus.REJECTED.value:
        text = _("Your claim {number} was not approved. Reason: {reason}\nYour workplace union "
                 "can tell you more.").format(number=claim.number, reason=claim.reason)
        buttons = ()
    else:
        text = _("Your claim {number} needs more documents: {reason}").format(
            number=claim.number, reason=claim.reason)
        buttons = ((Button(_("Send documents"), f"claim.more:{claim.id}"),),)
    return Reply(text=text, buttons=buttons, to=Address(member.channel, member.chat_id))


async def _claim(msg: Incoming, ctx: Context) -> Claim | None:
    arg = split_payload(msg.payload or "")[1]
    return await get_claim(ctx.session, int(arg)) if arg.isdigit() else None
