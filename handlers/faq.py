"""Answers free-text questions from the knowledge base; asks back when unsure."""

from __future__ import annotations

from bot.answering.types import Certainty
from bot.context import Context
from bot.messages import Button, Incoming, Reply, button_rows, split_payload
from bot.routing import Route

MAX_CHOICES = 3


async def answer_question(msg: Incoming, ctx: Context) -> Reply:
    """The answer for the intent the member's words point to, or a question back."""
    classification = ctx.classification
    answerer = ctx.services.answerer
    if classification is None or classification.certainty is Certainty.UNKNOWN:
        return _render(ctx, "unknown")
    if classification.certainty is Certainty.AMBIGUOUS:
        choices = [intent for intent, _score in classification.candidates[:MAX_CHOICES]]
        buttons = [
            Button(answerer.title(i, lang=ctx.language), f"faq.intent:{i}") for i in choices
        ]
        buttons.append(Button(ctx._("Neither"), "faq.intent:unknown"))
        return Reply(text=ctx._("Did you mean one of these?"), buttons=button_rows(buttons, 1),
                     intent=classification.intent)
    return _render(ctx, classification.intent)


async def show_intent(msg: Incoming, ctx: Context) -> Reply:
    """The answer for an intent chosen by button (menus, clarification, links between answers)."""
    _action, intent = split_payload(msg.payload or "")
    return _render(ctx, intent)


def _render(ctx: Context, intent: str) -> Reply:
    try:
        answer = ctx.services.answerer.answer(intent, lang=ctx.language)
    except KeyError:
        answer = ctx.services.answerer.answer("unknown", lang=ctx.language)
    buttons = [Button(label, payload) for label, payload in answer.buttons]
    return Reply(text=answer.text, buttons=button_rows(buttons), intent=answer.intent)


ROUTES = (
    Route(show_intent, action="faq.intent"),
    Route(answer_question, intent="*"),
)
