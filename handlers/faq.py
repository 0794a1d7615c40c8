"""Answers free-text questions from the knowledge base; asks back when unsure; when the member
says the answer missed, offers the next candidates and keeps the question for staff."""

from __future__ import annotations

from bot.answering.text import says_it_missed
from bot.answering.types import Certainty, Classification
from bot.context import Context
from bot.i18n import N_
from bot.masking import mask_personal
from bot.messages import Button, Incoming, Reply, button_rows, split_payload
from bot.routing import Route
from models.unanswered import (
    forget_question,
    last_question,
    record_unanswered,
    remember_question,
)

MAX_CHOICES = 3
# Below this the answer is given but the question is kept for staff to check.
LOW_CONFIDENCE = 0.6
MISS_BUTTON = "👎"
SORRY_MISSED = N_("Sorry, I misunderstood. Did you mean one of these?")
SORRY_NO_QUESTION = N_(
    "Sorry that didn't help. Please ask again in other words, or talk to a person."
)
TALK_TO_PERSON = N_("Talk to a person")
MAIN_MENU = N_("Main menu")


async def answer_question(msg: Incoming, ctx: Context) -> Reply:
    """The answer for the intent the member's words point to, or a question back."""
    if says_it_missed(msg.text or ""):
        return await said_miss(msg, ctx)
    classification = ctx.classification
    answerer = ctx.services.answerer
    if classification is None or classification.certainty is Certainty.UNKNOWN:
        await _keep(msg, ctx, classification, "unknown")
        return _render(ctx, "unknown")
    if classification.certainty is Certainty.AMBIGUOUS:
        await _keep(msg, ctx, classification, "low_confidence")
        choices = [intent for intent, _score in classification.candidates[:MAX_CHOICES]]
        buttons = [
            Button(answerer.title(i, lang=ctx.language), f"faq.intent:{i}") for i in choices
        ]
        buttons.append(Button(ctx._("Neither"), "faq.intent:unknown"))
        return Reply(text=ctx._("Did you mean one of these?"), buttons=button_rows(buttons, 1),
                     intent=classification.intent)
    if classification.confidence < LOW_CONFIDENCE:
        await _keep(msg, ctx, classification, "low_confidence")
    await remember_question(
        ctx.session, ctx.member.id, now=ctx.now, language=ctx.language,
        text=mask_personal(msg.text or ""), intent=classification.intent,
        confidence=classification.confidence,
        candidates=[i for i, _ in classification.candidates],
    )
    return _render(ctx, classification.intent, miss_button=True)


async def said_miss(msg: Incoming, ctx: Context) -> Reply:
    """"不是这个" / 👎: the next candidates for the last question, which staff will see."""
    question = await last_question(ctx.session, ctx.member.id, now=ctx.now)
    if question is not None and question.intent != ctx.member.last_intent:
        question = None  # the last answer came from elsewhere (a list, a flow): not this one
    person = Button(ctx._(TALK_TO_PERSON), "human.start")
    if question is None:
        return Reply(text=ctx._(SORRY_NO_QUESTION),
                     buttons=button_rows([person, Button(ctx._(MAIN_MENU), "menu.main")]))
    await record_unanswered(
        ctx.session, now=ctx.now, channel=msg.channel, language=question.language,
        text=question.text, best_intent=question.intent, confidence=question.confidence,
        reason="member_said_miss",
    )
    await forget_question(ctx.session, ctx.member.id)
    answerer = ctx.services.answerer
    others = [i for i in question.candidates if i != question.intent][:MAX_CHOICES]
    buttons = [Button(answerer.title(i, lang=ctx.language), f"faq.intent:{i}") for i in others]
    return Reply(text=ctx._(SORRY_MISSED), buttons=button_rows([*buttons, person], 1),
                 intent="unknown")


async def show_intent(msg: Incoming, ctx: Context) -> Reply:
    """The answer for an intent chosen by button (menus, clarification, links between answers)."""
    _action, intent = split_payload(msg.payload or "")
    return _render(ctx, intent)


async def _keep(
    msg: Incoming, ctx: Context, result: Classification | None, reason: str
) -> None:
    """Keep a question the bot could not answer well for staff review (numbers masked)."""
    text = (msg.text or "").strip()
    if not text:
        return
    best = result.candidates[0] if result and result.candidates else None
    await record_unanswered(
        ctx.session, now=ctx.now, channel=msg.channel, language=ctx.language,
        text=mask_personal(text), best_intent=best[0] if best else None,
        confidence=best[1] if best else 0.0, reason=reason,
    )


def _render(ctx: Context, intent: str, *, miss_button: bool = False) -> Reply:
    try:
        answer = ctx.services.answerer.answer(intent, lang=ctx.language)
    except KeyError:
        answer = ctx.services.answerer.answer("unknown", lang=ctx.language)
    buttons = [Button(label, payload) for label, payload in answer.buttons]
    if miss_button and answer.intent != "unknown":
        buttons.append(Button(MISS_BUTTON, "faq.miss"))
    return Reply(text=answer.text, buttons=button_rows(buttons), intent=answer.intent)


ROUTES = (
    Route(show_intent, action="faq.intent"),
    Route(said_miss, action="faq.miss"),
    Route(answer_question, intent="*"),
)
