"""Consent to sensitive data, then the claim's documents: photos or PDFs checked by content."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from bot import documents
from bot.context import Context
from bot.messages import AttachmentKind, Button, Incoming, Reply
from bot.natural import parse_yes_no
from bot.parsing import parse_id
from handlers.quotas import document_refusal
from models.mutual_aid import (
    ClaimDocument,
    ClaimStatus,
    add_documents,
    add_draft_document,
    count_draft_documents,
    find_own_claim,
    has_consent,
    record_consent,
)

log = logging.getLogger(__name__)

CONSENT_PURPOSE = "claim_documents"
CONSENT_VERSION = "2026-12-v2"  # change it whenever the consent text below changes
MAX_DOCUMENTS = 10
DONE = {"done", "finish", "完成", "好了", "没有了", "提交"}
Finish = Callable[[Context, dict[str, Any]], Awaitable[Reply]]


def ask_consent(ctx: Context) -> Reply:
    """What is collected, why, for how long; agree or not."""
    return Reply(text=ctx._(
        "Before you send documents, please read this.\n"
        "What we collect: photos or scans of your inpatient bill, discharge summary and other "
        "medical papers, and of your ID card. Medical records and ID photos are sensitive "
        "personal information.\n"
        "Why: only to assess and pay this mutual-aid claim. Only the union's mutual-aid staff "
        "see them.\n"
        "How long: kept for {days} days after the claim is decided, then deleted. You can "
        "withdraw your consent or have them deleted earlier: /privacy\n"
        "Do you agree?").format(days=ctx.settings.privacy.document_days),
        buttons=((Button(ctx._("I agree"), "claim.answer:agree"),
                  Button(ctx._("I do not agree"), "claim.answer:refuse")),))


def ask_documents(ctx: Context, count: int, done: str = "claim.answer:done") -> Reply:
    if count:
        text = ctx._("Received document {count}. Send another, or press Done.").format(
            count=count)
    else:
        text = ctx._("Send photos or PDFs of your documents (inpatient bill, discharge summary, "
                     "ID card), one per message, then press Done.")
    return Reply(text=text, buttons=((Button(ctx._("Done"), done),),))


def consent_version(ctx: Context) -> str:
    """The consent text's version with the period it quotes: a new period asks again."""
    return f"{CONSENT_VERSION}/{ctx.settings.privacy.document_days}d"


async def has_document_consent(ctx: Context) -> bool:
    return await has_consent(ctx.session, ctx.member.id, purpose=CONSENT_PURPOSE,
                             version=consent_version(ctx))


def new_draft() -> str:
    """The key that ties documents to the claim flow that received them."""
    return secrets.token_hex(8)


async def take_document(msg: Incoming, ctx: Context, value: str, data: dict[str, Any],
                        finish: Finish) -> Reply:
    """The consent answer or one document; Done ends the step."""
    assert ctx.flow is not None
    if ctx.flow.step == "consent":
        return await _consent(msg, ctx, value, data)
    if msg.attachment is not None:
        return await store_document(msg, ctx, data)
    count = await count_draft_documents(ctx.session, data["draft"])
    if value.lower() in DONE:
        if not data.get("claim_id"):
            return await finish(ctx, data)  # without documents staff will ask for them
        if not count:
            return Reply(text=ctx._("Please send at least one document first."),
                         buttons=((Button(ctx._("Done"), "claim.answer:done"),),))
        return await _attach_to_claim(ctx, data)
    return ask_documents(ctx, count)


async def _consent(msg: Incoming, ctx: Context, value: str, data: dict[str, Any]) -> Reply:
    if value == "agree" or parse_yes_no(value):
        await record_consent(ctx.session, ctx.member.id, purpose=CONSENT_PURPOSE,
                             version=consent_version(ctx), now=ctx.now)
        await ctx.start_flow(ctx.flow.name if ctx.flow else "claim", "documents", data)
        prompt = ask_documents(ctx, 0)
        return Reply(text=ctx._("Thank you. Your consent is recorded.") + "\n" + prompt.text,
                     buttons=prompt.buttons)
    if value == "refuse" or msg.attachment is not None or parse_yes_no(value) is False:
        refused = ctx._("Without your consent I cannot keep any medical documents or ID photos, "
                        "and nothing has been stored. You can agree below, or send /cancel and "
                        "file through your workplace union instead.")
        return Reply(text=refused, buttons=ask_consent(ctx).buttons)
    return ask_consent(ctx)


async def store_document(msg: Incoming, ctx: Context, data: dict[str, Any],
                         done: str = "claim.answer:done") -> Reply:
    """Checks one file the member sent and keeps it in the flow's draft. For a claim, the
    claim consent is checked here; other flows (applications) check their own consent first."""
    assert msg.attachment is not None
    if (ctx.flow is None or ctx.flow.name == "claim") and not await has_document_consent(ctx):
        await ctx.start_flow("claim", "consent", data)  # withdrawn since the flow asked
        return ask_consent(ctx)
    if msg.attachment.kind not in (AttachmentKind.PHOTO, AttachmentKind.DOCUMENT):
        return Reply(text=ctx._("Please send a photo, or a PDF, JPG or PNG file."))
    refusal = await document_refusal(ctx, data, msg.attachment.size)
    if refusal is not None:
        return refusal
    too_big = ctx._("That file is too large. Files up to {mb} MB are accepted.").format(
        mb=documents.MAX_BYTES // (1024 * 1024))
    if msg.attachment.size is not None and msg.attachment.size > documents.MAX_BYTES:
        return Reply(text=too_big)
    try:  # the channel fetched it before this transaction began: no waiting on the network
        data_bytes = await ctx.files.fetch(msg.attachment, max_bytes=documents.MAX_BYTES)
    except ValueError:
        return Reply(text=too_big)
    except LookupError:
        return Reply(text=ctx._("This chat cannot receive files. Please use Telegram or WeChat "
                                "to send documents."))
    if documents.sniff(data_bytes) is None:
        return Reply(text=ctx._("That file is not a JPG or PNG photo or a PDF. "
                                "Please send one of those."))
    if msg.attachment.size is None:  # the size was not announced: check what arrived
        refusal = await document_refusal(ctx, data, len(data_bytes))
        if refusal is not None:
            return refusal
    stored = await documents.store(data_bytes, ctx.settings.bot.data_dir)
    count = await add_draft_document(ctx.session, ClaimDocument(
        member_id=ctx.member.id, draft=data["draft"], sha256=stored.sha256,
        mime_type=stored.mime_type, size=stored.size, path=stored.path, added_at=ctx.now))
    return ask_documents(ctx, count, done)


async def start_more_documents(msg: Incoming, ctx: Context) -> Reply:
    """Lets a member add the documents staff asked for to a claim of theirs."""
    arg = (msg.payload or "").partition(":")[2]
    claim_id = parse_id(arg)
    claim = await find_own_claim(ctx.session, claim_id, member_id=ctx.member.id) \
        if claim_id is not None else None
    if claim is None or claim.status != ClaimStatus.NEEDS_DOCUMENTS.value:
        return Reply(text=ctx._("That claim is not waiting for documents."),
                     buttons=((Button(ctx._("My claims"), "claims.mine"),),))
    data = {"claim_id": claim.id, "draft": new_draft()}
    if await has_document_consent(ctx):
        await ctx.start_flow("claim", "documents", data)
        return ask_documents(ctx, 0)
    await ctx.start_flow("claim", "consent", data)
    return ask_consent(ctx)


async def _attach_to_claim(ctx: Context, data: dict[str, Any]) -> Reply:
    claim = await find_own_claim(ctx.session, int(data["claim_id"]), member_id=ctx.member.id)
    await ctx.end_flow()
    if claim is None:
        return Reply(text=ctx._("That claim is not waiting for documents."))
    await add_documents(ctx.session, claim, draft=data["draft"], actor_id=ctx.member.id,
                        now=ctx.now)
    return Reply(text=ctx._("Thank you. The documents are added to claim {number}, which is "
                            "back with union staff.").format(number=claim.number))
