"""/apply: an application described by its data file, one field at a time, then consent,
documents (the checklist shown first) and a summary to confirm; the state lives in the database."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.messages import Button, Incoming, Reply, button_rows, split_payload
from bot.natural import parse_yes_no
from handlers.applications import answers
from handlers.applications.spec import Spec, find_spec, load_specs
from handlers.binding import need_binding
from handlers.claims import filing
from handlers.claims.uploads import DONE, ask_documents, new_draft, store_document
from models.applications import Application, add_application_documents, file_application
from models.mutual_aid import count_draft_documents, has_consent, record_consent
from models.roster import find_binding

FLOW = "apply"
DONE_PAYLOAD = "apply.answer:done"


async def list_applications(msg: Incoming, ctx: Context) -> Reply:
    """The applications a member can make here, each a button."""
    buttons = [Button(spec.name.get(ctx.language), _start_payload(spec)) for spec in load_specs()]
    return Reply(text=ctx._("Which application would you like to make? (Send /cancel at any "
                            "step to stop, or /myapplications to see yours.)"),
                 buttons=button_rows(buttons, 1))


async def start_application(msg: Incoming, ctx: Context) -> Reply:
    """`/apply 困难帮扶`, `/apply student_aid` or a button: the checklist, the first question."""
    wanted = split_payload(msg.payload)[1] if msg.payload else " ".join(msg.args)
    spec = _match(wanted)
    if spec is None:
        return await list_applications(msg, ctx)
    if spec.handled_by == "claim":
        return await filing.start_claim(msg, ctx)
    if await find_binding(ctx.session, ctx.member.id) is None:
        return need_binding(ctx)
    data = {"kind": spec.kind, "index": 0, "answers": {}, "draft": new_draft()}
    await ctx.start_flow(FLOW, "field", data)
    intro = [f"{spec.name.get(ctx.language)}\n{spec.intro.get(ctx.language)}"]
    if spec.documents:
        intro.append(ctx._("Please have these ready to photograph:") + "\n" + "\n".join(
            f"• {doc.get(ctx.language)}" for doc in spec.documents))
    question = answers.ask(ctx, spec.fields[0], FLOW)
    return Reply(text="\n\n".join([*intro, question.text]), buttons=question.buttons)


async def answer_application_button(msg: Incoming, ctx: Context) -> Reply:
    """A button pressed during an application: the same as typing its answer."""
    if ctx.flow is None or ctx.flow.name != FLOW:
        return Reply(text=ctx._("That application step is over. Start again with /apply."))
    return await _step(msg, ctx, split_payload(msg.payload or "")[1])


async def continue_application(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """The member's typed answer or file during an application."""
    return await _step(msg, ctx, (msg.text or "").strip())


async def _step(msg: Incoming, ctx: Context, value: str) -> Reply:
    assert ctx.flow is not None
    data, step = dict(ctx.flow.data), ctx.flow.step
    spec = find_spec(str(data.get("kind", "")))
    if spec is None:
        await ctx.end_flow()
        return Reply(text=ctx._("That application is no longer offered. Please ask your "
                                "workplace union."))
    if step == "field":
        return await _field(ctx, spec, data, value)
    if step == "consent":
        return await _consent(ctx, spec, data, value)
    if step == "documents":
        return await _documents(msg, ctx, spec, data, value)
    return await _confirm(ctx, spec, data, value)


async def _field(ctx: Context, spec: Spec, data: dict[str, Any], value: str) -> Reply:
    index = int(data["index"])
    current = spec.fields[index]
    answer, problem = answers.read(ctx, current, value)
    if problem:
        question = answers.ask(ctx, current, FLOW)
        return Reply(text=f"{problem}\n{question.text}", buttons=question.buttons)
    data = {**data, "answers": {**data["answers"], current.id: answer}, "index": index + 1}
    if index + 1 < len(spec.fields):
        await ctx.start_flow(FLOW, "field", data)
        return answers.ask(ctx, spec.fields[index + 1], FLOW)
    return await _after_fields(ctx, spec, data)


async def _after_fields(ctx: Context, spec: Spec, data: dict[str, Any]) -> Reply:
    if not spec.documents:
        return await _ask_confirm(ctx, spec, data)
    if await has_consent(ctx.session, ctx.member.id, purpose=_purpose(spec),
                         version=spec.consent_version):
        await ctx.start_flow(FLOW, "documents", data)
        return _ask_documents(ctx, spec)
    await ctx.start_flow(FLOW, "consent", data)
    return _ask_consent(ctx, spec)


async def _consent(ctx: Context, spec: Spec, data: dict[str, Any], value: str) -> Reply:
    agreed = True if value == "agree" else False if value == "refuse" else parse_yes_no(value)
    if agreed is None:
        return _ask_consent(ctx, spec)
    if not agreed:
        return Reply(text=ctx._("Without your consent I cannot keep any documents, and nothing "
                                "has been stored. You can agree below, or send /cancel and apply "
                                "through your workplace union instead."),
                     buttons=_ask_consent(ctx, spec).buttons)
    await record_consent(ctx.session, ctx.member.id, purpose=_purpose(spec),
                         version=spec.consent_version, now=ctx.now)
    await ctx.start_flow(FLOW, "documents", data)
    return _ask_documents(ctx, spec)


async def _documents(msg: Incoming, ctx: Context, spec: Spec, data: dict[str, Any],
                     value: str) -> Reply:
    if msg.attachment is not None:
        if not await has_consent(ctx.session, ctx.member.id, purpose=_purpose(spec),
                                 version=spec.consent_version):  # withdrawn since we asked
            await ctx.start_flow(FLOW, "consent", data)
            return _ask_consent(ctx, spec)
        return await store_document(msg, ctx, data, done=DONE_PAYLOAD)
    if value.lower() in DONE:
        if data.get("application_id"):
            return await _add_documents(ctx, data)
        return await _ask_confirm(ctx, spec, data)
    count = await count_draft_documents(ctx.session, data["draft"])
    return ask_documents(ctx, count, DONE_PAYLOAD) if count else _ask_documents(ctx, spec)


async def _ask_confirm(ctx: Context, spec: Spec, data: dict[str, Any]) -> Reply:
    await ctx.start_flow(FLOW, "confirm", data)
    count = await count_draft_documents(ctx.session, data["draft"]) if spec.documents else 0
    lines = [ctx._("Please check your application:"), spec.name.get(ctx.language),
             *answers.summary(ctx.translator, spec, data["answers"])]
    if spec.documents:
        lines.append(ctx._("Documents: {count}").format(count=count))
    lines.append(ctx._("Submit it?"))
    return Reply(text="\n".join(lines), buttons=((
        Button(ctx._("Submit"), "apply.answer:submit"), Button(ctx._("Cancel"), "apply.cancel")),))


async def _confirm(ctx: Context, spec: Spec, data: dict[str, Any], value: str) -> Reply:
    answer = True if value == "submit" else parse_yes_no(value)
    if answer is False:
        return await cancel_application(Incoming(channel="", chat_id="", user_id=""), ctx)
    if answer is None:
        return await _ask_confirm(ctx, spec, data)
    entry = await find_binding(ctx.session, ctx.member.id)
    await ctx.end_flow()
    if entry is None:
        return need_binding(ctx)
    amount = data["answers"].get(spec.amount_field) if spec.amount_field else None
    application = await file_application(ctx.session, Application(
        kind=spec.kind, member_id=ctx.member.id, roster_id=entry.id, answers=data["answers"],
        amount_fen=amount if isinstance(amount, int) else None, submitted_at=ctx.now,
        updated_at=ctx.now), draft=data["draft"], prefix=spec.prefix,
        local_day=ctx.local_now.date())
    return Reply(text=ctx._("Your application is submitted. Its number is {number}. Union staff "
                            "will review it; I will tell you here as soon as it is decided.")
                 .format(number=application.number),
                 buttons=((Button(ctx._("My applications"), "apply.mine"),),))


async def _add_documents(ctx: Context, data: dict[str, Any]) -> Reply:
    await ctx.end_flow()
    application = await ctx.session.get(Application, int(data["application_id"]))
    if application is None:
        return Reply(text=ctx._("That application is not waiting for documents."))
    await add_application_documents(ctx.session, application, draft=data["draft"],
                                    actor_id=ctx.member.id, now=ctx.now)
    return Reply(text=ctx._("Thank you. The documents are added to {number}, which is back "
                            "with union staff.").format(number=application.number))


async def cancel_application(msg: Incoming, ctx: Context) -> Reply:
    """Stops the application; nothing is submitted."""
    if ctx.flow is not None and ctx.flow.name == FLOW:
        await ctx.end_flow()
    return Reply(text=ctx._("Cancelled. No application was submitted."),
                 buttons=((Button(ctx._("Main menu"), "menu.main"),),))


def _ask_consent(ctx: Context, spec: Spec) -> Reply:
    assert spec.consent is not None
    return Reply(text=spec.consent.get(ctx.language), buttons=((
        Button(ctx._("I agree"), "apply.answer:agree"),
        Button(ctx._("I do not agree"), "apply.answer:refuse")),))


def _ask_documents(ctx: Context, spec: Spec) -> Reply:
    checklist = "\n".join(f"• {doc.get(ctx.language)}" for doc in spec.documents)
    return Reply(text=ctx._("Send a photo or PDF of each of these, one per message, then press "
                            "Done:") + "\n" + checklist,
                 buttons=((Button(ctx._("Done"), DONE_PAYLOAD),),))


def _purpose(spec: Spec) -> str:
    return f"{spec.kind}_documents"


def _start_payload(spec: Spec) -> str:
    return "claim.start" if spec.handled_by == "claim" else f"apply.start:{spec.kind}"


def _match(wanted: str) -> Spec | None:
    key = wanted.strip().casefold().replace(" ", "")
    if not key:
        return None
    for spec in load_specs():
        names = (spec.kind, spec.name.zh, spec.name.en, *spec.aliases)
        if any(key == name.casefold().replace(" ", "") for name in names if name):
            return spec
    return None
