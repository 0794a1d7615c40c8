"""/announce (staff): compose an announcement, choose who gets it, see it as members will,
then send it now, at a time, or every week; /broadcasts lists them with delivery counts."""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.delivery.content import broadcast_reply
from bot.delivery.plan import BroadcastPlan, plan_broadcast
from bot.delivery.plan_text import (
    audience_label,
    describe_plan,
    number,
    reasons,
    status_label,
)
from bot.delivery.quiet import QuietHours
from bot.delivery.recurrence import WEEKDAY_NAMES, describe, next_occurrence, parse_recurrence
from bot.delivery.when import parse_when
from bot.i18n import N_
from bot.messages import (
    Attachment,
    AttachmentKind,
    Button,
    Incoming,
    Reply,
    button_rows,
    split_payload,
)
from bot.parsing import parse_id
from bot.routing import Route
from handlers.subscriptions import TOPIC_LABELS
from models.audit import record_audit
from models.broadcast import (
    cancel_broadcast,
    count_deliveries,
    create_broadcast,
    failure_details,
    get_broadcast,
    list_broadcasts,
)
from models.subscription import TOPICS

FLOW = "announce"
PHOTO_LIMIT = 5 * 1024 * 1024  # bytes; Telegram takes photos up to 10 MB
TEXT_LIMIT = 4096
AUDIENCES = (
    ("all", N_("Everyone")),
    *((f"topic:{topic}", TOPIC_LABELS[topic]) for topic in TOPICS[1:]),
    ("lang:zh_CN", N_("Chinese speakers")),
    ("lang:en", N_("English speakers")),
)


async def start_announcement(msg: Incoming, ctx: Context) -> Reply:
    """Asks for the announcement's text, optionally with a photo."""
    await ctx.start_flow(FLOW, "text")
    return Reply(text=ctx._("Send the announcement text (you may attach one photo with the "
                            "text as its caption). /cancel stops."))


async def continue_announcement(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """Takes the text, an audience tag, or a time, depending on the step."""
    assert ctx.flow is not None
    step, data = ctx.flow.step, dict(ctx.flow.data)
    text = (msg.text or "").strip()
    if step == "text":
        if msg.attachment is not None and msg.attachment.kind is AttachmentKind.PHOTO:
            data["photo_ref"] = msg.attachment.file_ref
        if not text or len(text) > TEXT_LIMIT:
            return Reply(text=ctx._("Please send the text (1 to 4096 characters)."))
        data["text"] = text
        await ctx.start_flow(FLOW, "audience", data)
        return _audience_question(ctx)
    if step == "audience" and text.startswith("tag:") and 4 < len(text) <= 44:
        data["audience"] = text
        return await _preview(ctx, data)
    if step in ("at", "every"):
        return await _schedule(ctx, data, step, text)
    return _audience_question(ctx)


def _audience_question(ctx: Context) -> Reply:
    buttons = [Button(ctx._(label), f"bc.aud:{key}") for key, label in AUDIENCES]
    return Reply(text=ctx._("Who should receive it? (Or type tag:NAME for a tag.)"),
                 buttons=button_rows(buttons))


async def choose_audience(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """Shows the preview and the ways to send."""
    if ctx.flow is None or ctx.flow.name != FLOW or "text" not in ctx.flow.data:
        return Reply(text=ctx._("That announcement draft is gone. Send /announce to start."))
    _action, audience = split_payload(msg.payload or "")
    if audience not in {key for key, _label in AUDIENCES}:
        return _audience_question(ctx)
    return await _preview(ctx, {**ctx.flow.data, "audience": audience})


async def _preview(ctx: Context, data: dict[str, object]) -> list[Reply]:
    plan = await _plan(ctx, str(data["audience"]))
    if plan.matches_nobody:
        await ctx.start_flow(FLOW, "audience", {k: v for k, v in data.items() if k != "audience"})
        return [Reply(text=ctx._("{audience} matches 0 members who would receive it, so "
                                 "there is nothing to send. Choose another audience.").format(
                    audience=audience_label(str(data["audience"]), ctx._))),
                _audience_question(ctx)]
    await ctx.start_flow(FLOW, "confirm", data)
    shown = broadcast_reply(str(data["text"]), await _photo(ctx, data))
    buttons = [
        Button(ctx._("Send now"), "bc.go:now"),
        Button(ctx._("Send now, urgent"), "bc.go:urgent"),
        Button(ctx._("At a date and time"), "bc.go:at"),
        Button(ctx._("Repeat weekly"), "bc.go:every"),
        Button(ctx._("Discard"), "bc.go:drop"),
    ]
    return [
        Reply(text=ctx._("Preview: members will see the next message exactly like this.")),
        shown,
        Reply(text=describe_plan(plan, ctx._, ctx.language) + "\n\n"
              + ctx._("Send it? Urgent ones ignore quiet hours."),
              buttons=button_rows(buttons)),
    ]


async def _plan(ctx: Context, audience: str) -> BroadcastPlan:
    return await plan_broadcast(ctx.session, audience=audience, settings=ctx.settings,
                                now=ctx.now)


async def _photo(ctx: Context, data: dict[str, object]) -> bytes | None:
    ref = data.get("photo_ref")
    if not isinstance(ref, str):
        return None
    try:
        return await ctx.files.fetch(Attachment(AttachmentKind.PHOTO, ref), max_bytes=PHOTO_LIMIT)
    except (LookupError, ValueError, OSError):
        return None


async def choose_sending(msg: Incoming, ctx: Context) -> Reply:
    """Sends now, asks for a time or a recurrence, or discards the draft."""
    _action, how = split_payload(msg.payload or "")
    if ctx.flow is None or ctx.flow.name != FLOW or "audience" not in ctx.flow.data:
        return Reply(text=ctx._("That announcement draft is gone. Send /announce to start."))
    data = dict(ctx.flow.data)
    if how == "drop":
        await ctx.end_flow()
        return Reply(text=ctx._("Discarded. Nothing was sent."))
    if how == "at":
        await ctx.start_flow(FLOW, "at", data)
        return Reply(text=ctx._("When? Type a Beijing time, e.g. 明天上午9点, 下周一 9:00, "
                                "tomorrow 9am, in 2 hours or 2026-12-01 09:00."))
    if how == "every":
        await ctx.start_flow(FLOW, "every", data)
        return Reply(text=ctx._("How often? Type e.g. every Monday 09:00 (or 每周一 09:00)."))
    return await _create(ctx, data, urgent=how == "urgent")


async def _schedule(ctx: Context, data: dict[str, object], step: str, text: str) -> Reply:
    if step == "every":
        rule = parse_recurrence(text)
        if rule is None:
            return Reply(text=ctx._("I could not read that. Type e.g. every Monday 09:00."))
        data["recurrence"] = rule
        first = next_occurrence(rule, ctx.now, ctx.settings.zone)
    else:
        parsed = parse_when(text, now=ctx.now, zone=ctx.settings.zone)
        if parsed is None:
            return Reply(text=ctx._("I could not read that time. Type e.g. 明天上午9点, "
                                    "下周一 9:00, tomorrow 9am or in 2 hours."))
        if parsed <= ctx.now:
            return Reply(text=ctx._("{when} has already passed. Please type a future "
                                    "time.").format(when=_local(ctx, parsed)))
        first = parsed
    return await _create(ctx, data, urgent=False, send_at=first)


async def _create(ctx: Context, data: dict[str, object], *, urgent: bool,
                  send_at: datetime | None = None) -> Reply:
    when = send_at
    rule = data.get("recurrence")
    broadcast = await create_broadcast(
        ctx.session, created_by=ctx.member.id, text=str(data["text"]),
        audience=str(data["audience"]), now=ctx.now, send_at=when, urgent=urgent,
        recurrence=rule if isinstance(rule, str) else None, photo=await _photo(ctx, data),
    )
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id,
                       action="broadcast.create", target=f"broadcast:{broadcast.id}",
                       detail=f"audience={broadcast.audience} urgent={urgent} rule={rule}")
    await ctx.end_flow()
    quiet = QuietHours.parse(ctx.settings.broadcast.quiet_hours, ctx.settings.zone)
    if when is None and not urgent and quiet.holds(ctx.now):
        text = ctx._("Broadcast #{id} is queued. It is quiet hours ({hours}), so members get it "
                     "when they end.")
    elif when is None:
        text = ctx._("Broadcast #{id} is going out now. I will tell you the counts when it is "
                     "done.")
    elif broadcast.recurrence:
        text = ctx._("Broadcast #{id} will go out {rule} (Beijing time), first on {when}.")
    else:
        text = ctx._("Broadcast #{id} will go out on {when} (Beijing time).")
    return Reply(text=text.format(id=broadcast.id, when=_local(ctx, broadcast.send_at),
                                  hours=ctx.settings.broadcast.quiet_hours,
                                  rule=describe(broadcast.recurrence or "daily:00:00", ctx._)))


def _local(ctx: Context, moment: datetime) -> str:
    """"2026-12-02 09:00 (Wednesday)", the weekday in the reader's language."""
    local = moment.astimezone(ctx.settings.zone)
    return ctx._("{date} ({weekday})").format(date=local.strftime("%Y-%m-%d %H:%M"),
                                              weekday=ctx._(WEEKDAY_NAMES[local.weekday()]))


async def show_broadcasts(msg: Incoming, ctx: Context) -> Reply:
    """Scheduled and recent broadcasts with their delivery counts, and cancel buttons."""
    lines, buttons = [], []
    for broadcast in await list_broadcasts(ctx.session):
        lines.append(await _summary(ctx, broadcast.id) + f"\n  {broadcast.text[:40]}")
        if broadcast.status in ("scheduled", "running"):
            buttons.append(Button(ctx._("Cancel #{id}").format(id=broadcast.id),
                                  f"bc.cancel:{broadcast.id}"))
    if not lines:
        return Reply(text=ctx._("No broadcasts yet. Send /announce to write one."))
    return Reply(text="\n".join(lines), buttons=button_rows(buttons, 3))


async def _summary(ctx: Context, broadcast_id: int) -> str:
    broadcast = await get_broadcast(ctx.session, broadcast_id)
    assert broadcast is not None
    counts = {k: number(v, ctx.language)
              for k, v in (await count_deliveries(ctx.session, broadcast.id)).items()}
    local = broadcast.send_at.astimezone(ctx.settings.zone).strftime("%m-%d %H:%M")
    line = ctx._("#{id} {status} {when} {audience}: {sent} sent, {mass} by WeChat mass send, "
                 "{queued} queued, {failed} failed, {blocked} blocked").format(
        id=broadcast.id, status=status_label(broadcast.status, ctx._), when=local,
        audience=audience_label(broadcast.audience, ctx._), **counts)
    details = await failure_details(ctx.session, broadcast.id)
    if details:
        line += "\n  " + ctx._("Why: {reasons}").format(
            reasons=reasons(details, ctx._, ctx.language))
    return line


async def cancel_one(msg: Incoming, ctx: Context) -> Reply:
    """Stops a scheduled or running broadcast."""
    _action, arg = split_payload(msg.payload or "")
    if msg.command is not None:
        arg = msg.args[0] if msg.args else ""
    broadcast_id = parse_id(arg)
    if broadcast_id is None:
        return Reply(text=ctx._("Which one? Send /broadcasts and press a cancel button."))
    broadcast = await get_broadcast(ctx.session, broadcast_id)
    if broadcast is None:
        return Reply(text=ctx._("There is no broadcast #{id}.").format(id=broadcast_id))
    done = await cancel_broadcast(ctx.session, broadcast_id, now=ctx.now)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id,
                       action="broadcast.cancel", target=f"broadcast:{arg}",
                       detail=f"cancelled={done}")
    if not done:
        return Reply(text=ctx._("Broadcast #{id} is {status}: only a scheduled or sending one "
                                "can be cancelled.").format(
            id=arg, status=status_label(broadcast.status, ctx._)))
    return Reply(text=ctx._("Broadcast #{id} is cancelled; nothing more of it is sent.").format(
        id=arg))


ROUTES = (
    Route(start_announcement, command="announce", staff_only=True, private_only=True),
    Route(show_broadcasts, command="broadcasts", staff_only=True),
    Route(cancel_one, command="cancel_broadcast", staff_only=True),
    Route(continue_announcement, flow=FLOW, staff_only=True),
    Route(choose_audience, action="bc.aud", staff_only=True),
    Route(choose_sending, action="bc.go", staff_only=True),
    Route(cancel_one, action="bc.cancel", staff_only=True),
)
