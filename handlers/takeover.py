"""A membership already linked to another chat account is never silently re-linked: that
account is asked to confirm ("that is me too"), or union staff approve the move after checking
who is who. Every step is audited; the new account hears the outcome by a notice."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_, Translator
from bot.messages import Button, Incoming, Reply, split_payload
from bot.routing import Route
from models.audit import record_audit
from models.member import Member
from models.roster import (
    BindRequest,
    RequestStatus,
    RosterEntry,
    bind_member,
    get_bind_request,
    request_binding,
    unbind_member,
)

ASKED = N_("This membership is already linked to another chat account. For your safety I "
           "have asked that account to confirm. If you no longer have it, your workplace union "
           "staff can approve the move once they have checked it is you.")
HOLDER_ASKED = N_("Someone is linking your union membership (card {card}) to another chat "
                  "account ({channel}, \"{name}\"). Is that you?")
STAFF_ASKED = N_("Request {id}: a second chat account ({channel}, \"{name}\") asks for the "
                 "membership of {member} (card {card}), already linked elsewhere. Approve only "
                 "after checking who is who.")
LINKED = N_("Done: this chat is now linked to {name}. You can file mutual-aid claims here.")
REFUSED = N_("The account already linked to this membership did not confirm, so this chat is "
             "not linked. If you think this is wrong, please contact your workplace union.")
MOVED = N_("Union staff have moved your membership (card {card}) to another chat account. If "
           "you did not ask for this, please contact your workplace union at once.")
HOLDER_REFUSED = N_("Request {id} was refused by the account already linked: possibly "
                    "someone else tried to take over that membership.")
OVER = N_("That request is no longer open.")


def mask_card(card: str) -> str:
    return f"**** {card[-4:]}"


async def ask_holder(ctx: Context, entry: RosterEntry, holder_id: int) -> list[Reply]:
    """The new account waits; the account holding the membership (and staff) are asked once
    per request."""
    request, created = await request_binding(
        ctx.session, roster_id=entry.id, member_id=ctx.member.id, holder_id=holder_id,
        now=ctx.now)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id,
                       action="member.bind.request", target=f"roster:{entry.id}",
                       detail=f"request {request.id}; held by member {holder_id}")
    if not created:  # asked already: the holder and staff are not asked again
        return [Reply(text=ctx._(ASKED))]
    holder = await ctx.session.get(Member, holder_id)
    assert holder is not None
    t = ctx.services.catalogs.get(holder.language)
    card, name = mask_card(entry.card_number), ctx.member.display_name or "-"
    replies = [Reply(text=ctx._(ASKED)), Reply(
        text=t.gettext(HOLDER_ASKED).format(card=card, channel=ctx.member.channel, name=name),
        buttons=((Button(t.gettext("Yes, that is me: link it too"), f"bind.allow:{request.id}"),
                  Button(t.gettext("No, that is not me"), f"bind.deny:{request.id}")),),
        to_member=holder_id)]
    if ctx.staff_chat is not None:
        staff = ctx.staff_translator
        replies.append(Reply(text=staff.gettext(STAFF_ASKED).format(
            id=request.id, channel=ctx.member.channel, name=name, member=entry.name, card=card),
            buttons=((Button(staff.gettext("Approve the move"), f"bind.approve:{request.id}"),),),
            to=ctx.staff_chat))
    return replies


async def _open_request(msg: Incoming, ctx: Context) -> BindRequest | None:
    arg = split_payload(msg.payload or "")[1]
    request = await get_bind_request(ctx.session, int(arg)) \
        if arg.isascii() and arg.isdigit() and len(arg) <= 9 else None
    return request if request is not None and request.open_at(ctx.now) else None


async def allow_binding(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """The account holding the membership says the new account is theirs too."""
    request = await _open_request(msg, ctx)
    if request is None or request.holder_id != ctx.member.id:
        return Reply(text=ctx._(OVER))
    return [Reply(text=ctx._("Thank you. The other chat account is linked too.")),
            *await _grant(ctx, request, RequestStatus.CONFIRMED)]


async def deny_binding(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """The account holding the membership refuses: nothing changes; the asker and staff hear."""
    request = await _open_request(msg, ctx)
    if request is None or request.holder_id != ctx.member.id:
        return Reply(text=ctx._(OVER))
    _decide(ctx, request, RequestStatus.REFUSED)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id,
                       action="member.bind.refuse", target=f"roster:{request.roster_id}",
                       detail=f"request {request.id}")
    asker = await _translator(ctx, request.member_id)
    replies = [Reply(text=ctx._("Thank you. Nothing has changed; union staff are told.")),
               Reply(text=asker.gettext(REFUSED), to_member=request.member_id)]
    if ctx.staff_chat is not None:
        replies.append(Reply(text=ctx.staff_translator.gettext(HOLDER_REFUSED).format(
            id=request.id), to=ctx.staff_chat))
    return replies


async def approve_binding(msg: Incoming, ctx: Context) -> Reply | list[Reply]:
    """Staff move the membership to the new account; the old account loses it and is told."""
    request = await _open_request(msg, ctx)
    if request is None:
        return Reply(text=ctx._(OVER))
    entry = await ctx.session.get(RosterEntry, request.roster_id)
    assert entry is not None
    await unbind_member(ctx.session, request.holder_id)
    holder = await _translator(ctx, request.holder_id)
    moved = Reply(text=holder.gettext(MOVED).format(card=mask_card(entry.card_number)),
                  to_member=request.holder_id)
    return [Reply(text=ctx._("Request {id} approved: the membership is moved.").format(
        id=request.id)), moved, *await _grant(ctx, request, RequestStatus.APPROVED)]


async def _grant(ctx: Context, request: BindRequest, status: RequestStatus) -> list[Reply]:
    entry = await ctx.session.get(RosterEntry, request.roster_id)
    assert entry is not None
    _decide(ctx, request, status)
    await bind_member(ctx.session, request.member_id, entry, now=ctx.now)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id,
                       action=f"member.bind.{status.value}", target=f"roster:{entry.id}",
                       detail=f"request {request.id}: member {request.member_id}")
    asker = await _translator(ctx, request.member_id)
    return [Reply(text=asker.gettext(LINKED).format(name=entry.name),
                  buttons=((Button(asker.gettext("My claims"), "claims.mine"),),),
                  to_member=request.member_id)]


def _decide(ctx: Context, request: BindRequest, status: RequestStatus) -> None:
    request.status, request.decided_at, request.decided_by = status.value, ctx.now, ctx.member.id


async def _translator(ctx: Context, member_id: int) -> Translator:
    member = await ctx.session.get(Member, member_id)
    return ctx.services.catalogs.get(member.language if member else ctx.language)


ROUTES = (
    Route(allow_binding, action="bind.allow", private_only=True),
    Route(deny_binding, action="bind.deny", private_only=True),
    Route(approve_binding, action="bind.approve", staff_only=True),
)
