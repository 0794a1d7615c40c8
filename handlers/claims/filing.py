"""/claim: a guided mutual-aid claim, plan -> incident -> date -> amount -> description ->
documents -> confirm, each answer checked; the state lives in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.messages import Button, Incoming, Reply, button_rows, split_payload
from bot.natural import parse_date as read_date
from bot.natural import parse_yes_no
from bot.parsing import parse_number
from handlers.binding import need_binding
from handlers.claims.common import INCIDENTS, parse_amount, parse_date, yuan
from handlers.claims.uploads import (
    ask_consent,
    ask_documents,
    has_document_consent,
    new_draft,
    take_document,
)
from models.mutual_aid import (
    AidPlan,
    Claim,
    close_claim_flow,
    count_draft_documents,
    file_claim,
    list_plans,
)
from models.roster import find_binding

FLOW = "claim"
DESCRIPTION_LIMIT = 500
YES = {"yes", "y", "submit", "ok", "是", "提交", "确认", "好"}
DONE = {"done", "finish", "完成", "好了", "没有了"}
NEW_CLAIM = N_("New mutual-aid claim {number} from {name}, {amount}. Review it with /claims in "
               "a private chat with the bot.")


async def start_claim(msg: Incoming, ctx: Context) -> Reply:
    """Asks which plan the claim is under (only for a member whose chat is linked)."""
    if await find_binding(ctx.session, ctx.member.id) is None:
        return need_binding(ctx)
    plans = await list_plans(ctx.session)
    if not plans:
        return Reply(text=ctx._("No mutual-aid plan takes claims here yet. "
                                "Please ask your workplace union."))
    await ctx.start_flow(FLOW, "plan", {"draft": new_draft()})
    return _ask_plan(ctx, plans)


async def answer_claim_button(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """A button pressed during the claim: the same as typing its answer."""
    if ctx.flow is None or ctx.flow.name != FLOW:
        return Reply(text=ctx._("That claim step is over. Start again from the menu."),
                     buttons=((Button(ctx._("File a claim"), "claim.start"),),))
    return await _step(msg, ctx, split_payload(msg.payload or "")[1])


async def continue_claim(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """The member's typed answer or file during the claim."""
    return await _step(msg, ctx, (msg.text or "").strip())


async def cancel_claim(msg: Incoming, ctx: Context) -> Reply:
    """Stops the claim; nothing is filed."""
    if ctx.flow is not None and ctx.flow.name == FLOW:
        await ctx.end_flow()
    return Reply(text=ctx._("Cancelled. No claim was filed."),
                 buttons=((Button(ctx._("Main menu"), "menu.main"),),))


async def _step(msg: Incoming, ctx: Context, value: str) -> Reply | list[Reply]:
    assert ctx.flow is not None
    data, step = dict(ctx.flow.data), ctx.flow.step
    if step in ("consent", "documents"):
        return await take_document(msg, ctx, value, data, finish=_after_documents)
    plan = await _plan(ctx, data.get("plan_id"))
    if step == "plan" or plan is None:
        return await _choose_plan(ctx, value, data)
    handler = {"incident": _incident, "date": _date, "amount": _amount,
               "description": _description, "confirm": _confirm}[step]
    return await handler(ctx, value, data, plan)


async def _choose_plan(ctx: Context, value: str, data: dict[str, Any]) -> Reply:
    plans = await list_plans(ctx.session)
    chosen = None
    for number, plan in enumerate(plans, start=1):
        if value in (str(number), f"p{plan.id}", plan.name_zh, plan.name_en):
            chosen = plan
    if chosen is None:
        return _ask_plan(ctx, plans, again=True)
    await ctx.start_flow(FLOW, "incident", {"draft": data.get("draft") or new_draft(),
                                            "plan_id": chosen.id})
    return _ask_incident(ctx, chosen)


async def _incident(ctx: Context, value: str, data: dict[str, Any], plan: AidPlan) -> Reply:
    codes = plan.incident_types
    labels = {ctx._(INCIDENTS.get(code, code)): code for code in codes}
    code = value if value in codes else labels.get(value)
    number = parse_number(value, digits=3)
    if code is None and number is not None and 1 <= number <= len(codes):
        code = codes[number - 1]
    if code is None:
        return _ask_incident(ctx, plan, again=True)
    await ctx.start_flow(FLOW, "date", {**data, "incident": code})
    return _ask_date(ctx, plan)


async def _date(ctx: Context, value: str, data: dict[str, Any], plan: AidPlan) -> Reply:
    today = ctx.local_now.date()
    when = read_date(value, today=today, language=ctx.language)
    if when is None:
        return _ask_date(ctx, plan, ctx._("I could not read that date. Type it like {example}, "
                                          "11月20日 or 上周五 (last Friday).").format(
                                              example=today.isoformat()))
    if when > today:
        return _ask_date(ctx, plan, ctx._("That date is in the future. When did it happen "
                                          "(or when were you discharged)?"))
    if when + timedelta(days=plan.claim_window_days) < today:
        return Reply(text=ctx._(
            "Claims under this plan must be filed within {days} days of the date; {date} is "
            "too long ago. Your workplace union can advise you. Type another date, or /cancel."
        ).format(days=plan.claim_window_days, date=when.isoformat()))
    await ctx.start_flow(FLOW, "amount", {**data, "date": when.isoformat()})
    return Reply(text=ctx._("How much do you claim, in yuan? This plan pays at most {cap} per "
                            "claim. Type e.g. 3500 or 3500.50.").format(cap=yuan(plan.cap_fen)))


async def _amount(ctx: Context, value: str, data: dict[str, Any], plan: AidPlan) -> Reply:
    fen = parse_amount(value)
    if fen is None or fen <= 0:
        return Reply(text=ctx._("I could not read that amount. Type it in yuan, e.g. 3500, "
                                "3500.50 or 一万五."))
    if fen > plan.cap_fen:
        return Reply(text=ctx._("This plan pays at most {cap} per claim. Please type an amount "
                                "up to that.").format(cap=yuan(plan.cap_fen)))
    await ctx.start_flow(FLOW, "description", {**data, "amount_fen": fen})
    return Reply(text=ctx._("Briefly describe what happened (hospital, treatment, inpatient "
                            "bill number if you have it), or skip."),
                 buttons=((Button(ctx._("Skip"), "claim.answer:-"),),))


async def _description(ctx: Context, value: str, data: dict[str, Any], plan: AidPlan) -> Reply:
    if len(value) > DESCRIPTION_LIMIT:
        return Reply(text=ctx._("Please keep it under {limit} characters.").format(
            limit=DESCRIPTION_LIMIT))
    data = {**data, "description": "" if value in ("-", "") else value}
    if await has_document_consent(ctx):
        await ctx.start_flow(FLOW, "documents", data)
        return ask_documents(ctx, 0)
    await ctx.start_flow(FLOW, "consent", data)
    return ask_consent(ctx)


async def _after_documents(ctx: Context, data: dict[str, Any]) -> Reply:
    plan = await _plan(ctx, data.get("plan_id"))
    if plan is None:
        return await _choose_plan(ctx, "", data)
    await ctx.start_flow(FLOW, "confirm", data)
    return await _ask_confirm(ctx, data, plan)


async def _confirm(
    ctx: Context, value: str, data: dict[str, Any], plan: AidPlan
) -> Reply | list[Reply]:
    answer = True if value.lower() in YES else parse_yes_no(value)
    if answer is False:
        return await cancel_claim(Incoming(channel="", chat_id="", user_id=""), ctx)
    if answer is None:
        return await _ask_confirm(ctx, data, plan)
    if not await close_claim_flow(ctx.session, ctx.member.id, step="confirm"):
        return Reply(text=ctx._("This claim was submitted already."),
                     buttons=((Button(ctx._("My claims"), "claims.mine"),),))
    ctx.flow = None
    entry = await find_binding(ctx.session, ctx.member.id)
    if entry is None:
        return need_binding(ctx)
    claim = Claim(
        member_id=ctx.member.id, roster_id=entry.id, plan_id=plan.id,
        incident_type=data["incident"], incident_date=parse_date(data["date"]),
        amount_fen=data["amount_fen"], description=data.get("description", ""),
        submitted_at=ctx.now, updated_at=ctx.now,
    )
    await file_claim(ctx.session, claim, draft=data["draft"], local_day=ctx.local_now.date())
    filed = Reply(text=ctx._(
        "Your claim is filed. Claim number: {number}. Union staff will review it; I will "
        "tell you here as soon as it is decided.").format(number=claim.number),
        buttons=((Button(ctx._("My claims"), "claims.mine"),),), intent="mutual_aid.claim")
    if ctx.staff_chat is None:
        return filed
    note = ctx.staff_translator.gettext(NEW_CLAIM).format(
        number=claim.number, name=entry.name, amount=yuan(claim.amount_fen))
    return [filed, Reply(text=note, to=ctx.staff_chat)]


async def _plan(ctx: Context, plan_id: object) -> AidPlan | None:
    if not isinstance(plan_id, int):
        return None
    plan = await ctx.session.get(AidPlan, plan_id)
    return plan if plan is not None and plan.active else None


def _ask_plan(ctx: Context, plans: list[AidPlan], again: bool = False) -> Reply:
    lines = [ctx._("Please choose one of the plans below.") if again else ctx._(
        "Which plan is your claim under? (Send /cancel at any step to stop.)")]
    lines += [f"{n}. {plan.name(ctx.language)}" for n, plan in enumerate(plans, start=1)]
    buttons = [Button(plan.name(ctx.language), f"claim.answer:p{plan.id}") for plan in plans]
    return Reply(text="\n".join(lines), buttons=button_rows(buttons, 1))


def _ask_incident(ctx: Context, plan: AidPlan, again: bool = False) -> Reply:
    lines = [ctx._("Please choose one of these.") if again else ctx._("What happened?")]
    labels = [ctx._(INCIDENTS.get(code, code)) for code in plan.incident_types]
    lines += [f"{n}. {label}" for n, label in enumerate(labels, start=1)]
    buttons = [Button(label, f"claim.answer:{code}")
               for label, code in zip(labels, plan.incident_types, strict=True)]
    return Reply(text="\n".join(lines), buttons=button_rows(buttons))


def _ask_date(ctx: Context, plan: AidPlan, problem: str = "") -> Reply:
    today = ctx.local_now.date()
    question = ctx._("On what date did it happen (for a hospital stay: the discharge date)? "
                     "Type it as {example}.").format(example=today.isoformat())
    yesterday = today - timedelta(days=1)
    buttons = (Button(ctx._("Today"), f"claim.answer:{today.isoformat()}"),
               Button(ctx._("Yesterday"), f"claim.answer:{yesterday.isoformat()}"))
    return Reply(text=f"{problem}\n{question}".strip(), buttons=(buttons,))


async def _ask_confirm(ctx: Context, data: dict[str, Any], plan: AidPlan) -> Reply:
    count = await count_draft_documents(ctx.session, data["draft"])
    text = ctx._("Please check your claim:\nPlan: {plan}\nIncident: {incident} on {date}\n"
                 "Amount: {amount}\nDescription: {description}\nDocuments: {documents}").format(
        plan=plan.name(ctx.language), incident=ctx._(INCIDENTS.get(data["incident"], "")),
        date=data["date"], amount=yuan(data["amount_fen"]),
        description=data.get("description") or "-", documents=count)
    if not count:
        text += "\n" + ctx._("You have sent no documents: staff will ask you for them before "
                             "deciding, which takes longer.")
    text += "\n" + ctx._("Submit it?")
    return Reply(text=text, buttons=((Button(ctx._("Submit"), "claim.answer:submit"),
                                      Button(ctx._("Cancel"), "claim.cancel")),))
