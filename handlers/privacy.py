"""A member's own data: /privacy (what we keep, why, how long, who sees it), /mydata (a copy
of all of it), /unbind, /withdrawconsent and /deleteme (with confirmation)."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.messages import Button, Incoming, Reply, split_payload
from bot.privacy import links
from bot.privacy.erase import remove_after_commit
from bot.privacy.export import export_member
from bot.routing import Route
from handlers.claims.uploads import CONSENT_PURPOSE
from models.audit import record_audit
from models.crypto import active_keyring
from models.mutual_aid import withdraw_consent
from models.privacy import erase_member, open_claims, paid_claims
from models.roster import find_binding, unbind_member

FLOW = "privacy_erase"
FILE_CHANNELS = frozenset({"telegram", "terminal"})  # WeChat cannot send a member a file
YES = {"yes", "y", "是", "确认", "删除"}


def _choices(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    return ((Button(ctx._("A copy of my data"), "privacy.export"),
             Button(ctx._("Withdraw consent"), "privacy.withdraw")),
            (Button(ctx._("Unlink membership"), "privacy.unbind"),
             Button(ctx._("Delete my data"), "privacy.erase")))


async def show_privacy(msg: Incoming, ctx: Context) -> Reply:
    """What we keep, why, for how long and who sees it, with the member's choices."""
    days = ctx.settings.privacy
    return Reply(text=ctx._(
        "What we keep about you, why, for how long, and who sees it:\n"
        "• Your chat account (the name the chat shows, your language, your last visit): to "
        "answer you. An account not linked to a membership is deleted after {unbound} days "
        "without a visit.\n"
        "• Your membership link (Jingka card number, name and phone as your workplace union "
        "has them): to know it is you. Until you unlink it.\n"
        "• Mutual-aid claims and their documents (medical papers, ID photos: sensitive "
        "personal information, only with your separate consent): to assess and pay the claim. "
        "Only the union's mutual-aid staff see them, and each view is logged. Documents are "
        "deleted {documents} days after the claim is decided; of a paid claim the union's "
        "accounts keep only the amounts and dates.\n"
        "• Conversations with staff: deleted {handoff} days after they close.\n"
        "• Questions I could not answer, without your name: kept {unanswered} days to improve "
        "my answers.\n"
        "Sensitive data is stored encrypted. You can ask for a copy, unlink, withdraw your "
        "consent or have your data deleted at any time.").format(
            unbound=days.unbound_member_days, documents=days.document_days,
            handoff=days.handoff_days, unanswered=days.unanswered_days),
        buttons=_choices(ctx))


async def send_my_data(msg: Incoming, ctx: Context) -> Reply:
    """A zip of everything held about the member, as a file or (WeChat) a short-lived link."""
    if msg.channel in FILE_CHANNELS:
        archive = await export_member(ctx.session, ctx.member, data_dir=ctx.settings.bot.data_dir,
                                      now=ctx.now, actor_id=ctx.member.id, via=msg.channel)
        return Reply(text=ctx._("Here is a copy of everything we hold about you: mydata.json "
                                "and your documents. Keep it somewhere safe."), file=archive)
    privacy = ctx.settings.privacy
    if not privacy.public_url:
        return Reply(text=ctx._("This chat cannot send files, and no download address is set "
                                "up. Please ask your workplace union for a copy of your data."))
    lifetime = timedelta(minutes=privacy.export_link_minutes)
    token = links.make_token(active_keyring(), ctx.member.id, now=ctx.now, lifetime=lifetime)
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id,
                       action="member.export_link", target=f"member:{ctx.member.id}")
    return Reply(text=ctx._(
        "This chat cannot send files. Download a copy of everything we hold about you here "
        "within {minutes} minutes:\n{link}\nThe link opens your personal data: do not share "
        "it.").format(minutes=privacy.export_link_minutes,
                      link=links.link(privacy.public_url, token)))


async def unbind(msg: Incoming, ctx: Context) -> Reply:
    """Unlinks this chat from the membership; claims stay with the union."""
    if not await unbind_member(ctx.session, ctx.member.id):
        return Reply(text=ctx._("This chat is not linked to a membership."))
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id, action="member.unbind",
                       target=f"member:{ctx.member.id}")
    return Reply(text=ctx._("This chat is no longer linked to your membership. Your claims stay "
                            "with the union, and decisions on them still reach this chat. "
                            "Send /bind to link again."))


async def withdraw(msg: Incoming, ctx: Context) -> Reply:
    """Withdraws consent to sensitive documents; says what an open claim still needs."""
    if not await withdraw_consent(ctx.session, ctx.member.id, purpose=CONSENT_PURPOSE,
                                  now=ctx.now):
        return Reply(text=ctx._("You have not consented to sending medical documents, so there "
                                "is nothing to withdraw."))
    await record_audit(ctx.session, at=ctx.now, actor_id=ctx.member.id,
                       action="consent.withdrawn", target=CONSENT_PURPOSE)
    text = ctx._("Your consent is withdrawn: I will not accept medical documents or ID photos "
                 "from you any more. Documents of decided claims are deleted on schedule.")
    pending = [claim.number or "" for claim in await open_claims(ctx.session, ctx.member.id)]
    if pending:
        text += "\n" + ctx._(
            "Claim {numbers} is still being assessed with the documents you already sent. If "
            "staff ask for more, you will need to consent again to send them; or withdraw the "
            "claim under My claims.").format(numbers=", ".join(pending))
    return Reply(text=text, buttons=((Button(ctx._("My claims"), "claims.mine"),),))


async def ask_erase(msg: Incoming, ctx: Context) -> Reply:
    """Says what /deleteme removes, withdraws and keeps, and asks once."""
    lines = [ctx._("This deletes everything this chat holds about you: the link to your "
                   "membership, consents, documents, conversations with staff, subscriptions "
                   "and event sign-ups.")]
    if await find_binding(ctx.session, ctx.member.id) is None:
        lines.append(ctx._("(This chat is not linked to a membership.)"))
    pending = [claim.number or "" for claim in await open_claims(ctx.session, ctx.member.id)]
    if pending:
        lines.append(ctx._("Your open claim {numbers} will be withdrawn and not paid.").format(
            numbers=", ".join(pending)))
    paid = [claim.number or "" for claim in await paid_claims(ctx.session, ctx.member.id)]
    if paid:
        lines.append(ctx._("Of paid claim {numbers} only the amounts and dates stay, because "
                           "the union's accounts must keep them.").format(
            numbers=", ".join(paid)))
    lines.append(ctx._("This cannot be undone. Delete everything?"))
    await ctx.start_flow(FLOW, "confirm")
    return Reply(text="\n".join(lines), buttons=((
        Button(ctx._("Yes, delete everything"), "privacy.erase:yes"),
        Button(ctx._("No, keep my data"), "privacy.erase:no")),))


async def confirm_erase(msg: Incoming, ctx: Context) -> Reply:
    """The answer to /deleteme's question: erase, or keep everything."""
    answer = split_payload(msg.payload or "")[1] if msg.payload else (msg.text or "").strip()
    if ctx.flow is None or ctx.flow.name != FLOW:
        if answer.lower() in YES and not msg.payload:
            return await ask_erase(msg, ctx)
        return Reply(text=ctx._("No deletion is waiting for your answer. Send /deleteme to "
                                "start one."))
    if answer.lower() not in YES:
        await ctx.end_flow()
        return Reply(text=ctx._("Nothing was deleted."))
    erasure = await erase_member(ctx.session, ctx.member, now=ctx.now, actor_id=ctx.member.id)
    ctx.flow = None
    remove_after_commit(ctx.session, erasure.files, ctx.settings.bot.data_dir)
    lines = [ctx._("Done: everything this chat held about you is deleted.")]
    if erasure.withdrawn:
        lines.append(ctx._("Withdrawn: claim {numbers}.").format(
            numbers=", ".join(erasure.withdrawn)))
    if erasure.kept:
        lines.append(ctx._("Kept for the union's accounts (amounts and dates only): claim "
                           "{numbers}.").format(numbers=", ".join(erasure.kept)))
    lines.append(ctx._("If you write again, I will treat you as a new visitor."))
    return Reply(text="\n".join(lines))


ROUTES = (
    Route(show_privacy, command="privacy"),
    Route(show_privacy, action="privacy.show"),
    Route(send_my_data, command="mydata", private_only=True),
    Route(send_my_data, action="privacy.export", private_only=True),
    Route(unbind, command="unbind", private_only=True),
    Route(unbind, action="privacy.unbind", private_only=True),
    Route(withdraw, command="withdrawconsent", private_only=True),
    Route(withdraw, action="privacy.withdraw", private_only=True),
    Route(ask_erase, command="deleteme", private_only=True),
    Route(confirm_erase, action="privacy.erase", private_only=True),
    Route(confirm_erase, flow=FLOW),
)
