"""Mutual-aid plans anyone can read, and a bound member's own claims with their status."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Button, Incoming, Reply, split_payload
from bot.parsing import parse_id
from handlers.binding import need_binding
from handlers.claims.common import claim_summary, incident_label, yuan
from models.mutual_aid import (
    PENDING,
    AidPlan,
    ClaimStatus,
    find_own_claim,
    list_plans,
    member_claims,
    set_status,
)
from models.roster import find_binding


async def show_plans(msg: Incoming, ctx: Context) -> Reply:
    """Each plan: what it covers, the most one claim pays, the claim window."""
    plans = await list_plans(ctx.session)
    if not plans:
        return Reply(text=ctx._("No mutual-aid plan is listed yet. Please ask your workplace "
                                "union."), intent="mutual_aid.plans")
    parts = [ctx._("Mutual-aid plans:")]
    for plan in plans:
        incidents = ", ".join(incident_label(ctx.translator, code)
                              for code in plan.incident_types)
        parts.append(ctx._("{name}\n{coverage}\nCovers: {incidents}\nUp to {cap} per claim; "
                           "file within {days} days.").format(
            name=plan.name(ctx.language), coverage=plan.coverage(ctx.language),
            incidents=incidents, cap=yuan(plan.cap_fen), days=plan.claim_window_days))
    buttons = ((Button(ctx._("File a claim"), "claim.start"),
                Button(ctx._("My claims"), "claims.mine")),)
    return Reply(text="\n\n".join(parts), buttons=buttons, intent="mutual_aid.plans")


async def show_my_claims(msg: Incoming, ctx: Context) -> Reply:
    """The member's recent claims with number, amount and status."""
    entry = await find_binding(ctx.session, ctx.member.id)
    if entry is None:
        return need_binding(ctx)
    claims = await member_claims(ctx.session, entry.id)
    if not claims:
        return Reply(text=ctx._("You have not filed any claims here yet."),
                     buttons=((Button(ctx._("File a claim"), "claim.start"),),),
                     intent="mutual_aid.claim_status")
    parts, buttons = [], []
    for claim in claims:
        plan = await ctx.session.get(AidPlan, claim.plan_id)
        assert plan is not None
        parts.append(claim_summary(ctx.translator, claim, plan))
        if claim.status == ClaimStatus.NEEDS_DOCUMENTS.value:
            buttons.append((Button(ctx._("Send documents for {number}").format(
                number=claim.number), f"claim.more:{claim.id}"),))
        if claim.status in PENDING:
            buttons.append((Button(ctx._("Withdraw {number}").format(number=claim.number),
                                   f"claim.withdraw:{claim.id}"),))
    buttons.append((Button(ctx._("File a claim"), "claim.start"),))
    return Reply(text="\n\n".join(parts), buttons=tuple(buttons),
                 intent="mutual_aid.claim_status")


async def withdraw_claim(msg: Incoming, ctx: Context) -> Reply:
    """Asks once, then withdraws one of the member's claims still under review."""
    claim_id, _, sure = split_payload(msg.payload or "")[1].partition(":")
    number = parse_id(claim_id)
    claim = await find_own_claim(ctx.session, number, member_id=ctx.member.id) \
        if number is not None else None
    if claim is None or claim.status not in PENDING:
        return Reply(text=ctx._("That claim can no longer be withdrawn."),
                     buttons=((Button(ctx._("My claims"), "claims.mine"),),))
    if sure != "yes":
        return Reply(text=ctx._("Withdraw claim {number}? Staff will stop reviewing it.").format(
            number=claim.number), buttons=((
                Button(ctx._("Yes, withdraw it"), f"claim.withdraw:{claim.id}:yes"),
                Button(ctx._("No, keep it"), "claims.mine")),))
    await set_status(ctx.session, claim, ClaimStatus.CANCELLED, actor_id=ctx.member.id,
                     now=ctx.now)
    return Reply(text=ctx._("Claim {number} is withdrawn.").format(number=claim.number),
                 buttons=((Button(ctx._("My claims"), "claims.mine"),),))
