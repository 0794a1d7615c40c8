"""Quotas on what one member may store and book: unfinished claims holding documents,
documents per claim, bytes per member, and sign-up to members-only events."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.messages import Button, Reply
from models.events import Event
from models.mutual_aid import document_usage
from models.roster import find_binding

TOO_MANY_DRAFTS = N_("You already have {count} unfinished claims with documents. Please finish "
                     "or cancel one of them (/cancel) before sending documents for another.")
TOO_MANY_DOCUMENTS = N_("That is the most documents one claim takes ({count}). Press Done.")
TOO_MANY_BYTES = N_("Your documents together have reached the {mb} MB we can keep for one "
                    "member, so I cannot take this one. Your workplace union can take paper "
                    "copies instead.")
MEMBERS_ONLY = N_("Sign-up for this event is for union members. Please link this chat to your "
                  "membership first: it takes a minute.")


async def document_refusal(ctx: Context, data: dict[str, Any], size: int | None
                           ) -> Reply | None:
    """A polite refusal when one more document (of `size` bytes, if known) would pass a quota;
    None when it may be taken."""
    limits = ctx.settings.limits
    claim_id = data.get("claim_id")
    usage = await document_usage(ctx.session, ctx.member.id, draft=str(data["draft"]),
                                 claim_id=claim_id if isinstance(claim_id, int) else None)
    if usage.in_claim >= limits.documents_per_claim:
        return Reply(text=ctx._(TOO_MANY_DOCUMENTS).format(count=limits.documents_per_claim),
                     buttons=((Button(ctx._("Done"), "claim.answer:done"),),))
    if usage.in_claim == 0 and usage.other_drafts >= limits.drafts_per_member:
        return Reply(text=ctx._(TOO_MANY_DRAFTS).format(count=usage.other_drafts))
    if usage.total_bytes + (size or 0) > limits.bytes_per_member:
        return Reply(text=ctx._(TOO_MANY_BYTES).format(
            mb=limits.bytes_per_member // (1024 * 1024)))
    return None


async def sign_up_refusal(ctx: Context, event: Event) -> Reply | None:
    """Members-only events need a linked membership; None when the member may sign up."""
    members_only = event.members_only
    if members_only is None:
        members_only = event.kind in ctx.settings.limits.members_only_events
    if not members_only or await find_binding(ctx.session, ctx.member.id) is not None:
        return None
    return Reply(text=ctx._(MEMBERS_ONLY),
                 buttons=((Button(ctx._("Link my membership"), "bind.start"),),))
