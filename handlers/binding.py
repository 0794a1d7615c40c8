"""/bind: link this chat account to the member's roster entry (card, name, phone)."""

from __future__ import annotations

import re

from bot.context import Context
from bot.i18n import N_
from bot.messages import Ask, Button, Incoming, Reply
from bot.natural import normalize
from bot.routing import Route
from handlers.takeover import ask_holder, mask_card
from models.audit import record_audit
from models.roster import (
    MAX_FAILURES,
    RosterEntry,
    bind_member,
    find_binding,
    find_holder,
    find_roster_entry,
    locked_until,
    record_bind_attempt,
)

FLOW = "bind"
CARD = re.compile(r"^\d{16,19}$")
NEED_BINDING = N_("To file a claim or see your claims, first link this chat to your union "
                  "membership. It takes a minute: you need your Jingka card number.")


def normalize_card(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def need_binding(ctx: Context) -> Reply:
    """What a member who is not bound yet sees when they ask for a claim."""
    return Reply(text=ctx._(NEED_BINDING),
                 buttons=((Button(ctx._("Link my membership"), "bind.start"),),))


async def start_binding(msg: Incoming, ctx: Context) -> Reply:
    """Asks for the Jingka card number, or says the chat is already linked or locked."""
    entry = await find_binding(ctx.session, ctx.member.id)
    if entry is not None:
        return Reply(text=ctx._("This chat is already linked to {name} (card {card}).").format(
            name=entry.name, card=mask_card(entry.card_number)))
    locked = await _locked_reply(ctx)
    if locked is not None:
        return locked
    await ctx.start_flow(FLOW, "card")
    return Reply(text=ctx._(
        "Let's link this chat to your union membership.\n"
        "Step 1 of 3: type the number on your Jingka card (16 to 19 digits). "
        "Send /cancel to stop."))


async def continue_binding(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """The next question of the binding, or the result."""
    assert ctx.flow is not None
    data, step = dict(ctx.flow.data), ctx.flow.step
    text = (msg.text or "").strip()
    if step == "card":
        card = normalize_card(text)
        if not CARD.match(card):
            return Reply(text=ctx._("A Jingka card number has 16 to 19 digits. "
                                    "Please type it again, or /cancel."))
        await ctx.start_flow(FLOW, "name", {**data, "card": card})
        return Reply(text=ctx._("Step 2 of 3: your full name as your workplace union has it."))
    if step == "name":
        if not 1 <= len(text) <= 64:
            return Reply(text=ctx._("Please type your full name."))
        await ctx.start_flow(FLOW, "phone", {**data, "name": text})
        step3 = ctx._("Step 3 of 3: the last four digits of the phone number your union has "
                      "on file.")
        if msg.channel != "telegram":
            return Reply(text=step3)
        return Reply(text=step3 + " " + ctx._("You can also share your own contact with the "
                                              "button below."), ask=Ask.CONTACT)
    return await _check(msg, ctx, data)


async def _check(msg: Incoming, ctx: Context, data: dict[str, str]) -> Reply | list[Reply]:
    if msg.contact is not None and not msg.contact.own:
        return Reply(text=ctx._("Please share your own contact, or type the last four digits."),
                     ask=Ask.CONTACT)
    given = digits(msg.contact.phone if msg.contact else (msg.text or ""))
    if msg.contact is None and len(given) != 4:
        return Reply(text=ctx._("Please type exactly four digits."), ask=Ask.CONTACT)
    card = data.get("card", "")
    locked = await _locked_reply(ctx, card)  # a locked card is not checked at all
    if locked is not None:
        await ctx.end_flow()
        await _audit_refusal(ctx, card, "locked")
        return locked
    entry = await find_roster_entry(ctx.session, card)
    if entry is None or not _matches(entry, data.get("name", ""), given, msg.contact is not None):
        return await _failed(ctx, card)
    await record_bind_attempt(ctx.session, ctx.member.id, now=ctx.now, succeeded=True,
                              card=card)
    holder = await find_holder(ctx.session, entry.id, other_than=ctx.member.id)
    if holder is not None:
        await ctx.end_flow()
        return await ask_holder(ctx, entry, holder.member_id)
    await bind_member(ctx.session, ctx.member.id, entry, now=ctx.now)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="member.bind",
                       target=f"roster:{entry.id}")
    await ctx.end_flow()
    return Reply(text=ctx._("Done: this chat is now linked to {name} ({union}). "
                            "You can file mutual-aid claims here.").format(
        name=entry.name, union=entry.workplace_union or "-"),
        buttons=((Button(ctx._("File a claim"), "claim.start"),
                  Button(ctx._("My claims"), "claims.mine")),))


def _matches(entry: RosterEntry, name: str, given: str, whole_number: bool) -> bool:
    on_file = digits(entry.phone)
    phone_ok = given[-11:] == on_file[-11:] if whole_number else on_file.endswith(given)
    return same_name(entry.name, name) and phone_ok and len(given) >= 4


def same_name(on_file: str, typed: str) -> bool:
    """'Li Ming', 'li ming' and 'LiMing' are one name; so are 王 芳 and 王芳."""
    def fold(name: str) -> str:
        return re.sub(r"[\s·.]", "", normalize(name)).casefold()
    return fold(on_file) == fold(typed)


async def _failed(ctx: Context, card: str) -> Reply:
    """One reply whichever of card, name or phone was wrong; counted for account and card."""
    await record_bind_attempt(ctx.session, ctx.member.id, now=ctx.now, succeeded=False,
                              card=card)
    await ctx.end_flow()
    await ctx.session.flush()
    locked = await _locked_reply(ctx, card)
    await _audit_refusal(ctx, card, "locked" if locked is not None else "details did not match")
    if locked is not None:
        return locked
    return Reply(text=ctx._(
        "Those details do not match our records. Please check them and try again. "
        "After {count} failed tries, linking is locked for an hour. If your details have "
        "changed, your workplace union can correct them.").format(count=MAX_FAILURES),
        buttons=((Button(ctx._("Try again"), "bind.start"),),))


async def _audit_refusal(ctx: Context, card: str, detail: str) -> None:
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="member.bind",
                       target=f"card {mask_card(card)}", allowed=False, detail=detail)


async def _locked_reply(ctx: Context, card: str | None = None) -> Reply | None:
    until = await locked_until(ctx.session, ctx.member.id, now=ctx.now, card=card)
    if until is None:
        return None
    local = until.astimezone(ctx.settings.zone)
    return Reply(text=ctx._("Too many failed tries. For your safety, linking is locked until "
                            "{time}. Please try again then.").format(time=f"{local:%H:%M}"))


ROUTES = (
    Route(start_binding, command="bind", private_only=True),
    Route(start_binding, action="bind.start", private_only=True),
    Route(continue_binding, flow=FLOW, private_only=True,
          leave_label=N_("linking your membership")),
)
