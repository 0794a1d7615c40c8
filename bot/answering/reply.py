"""What a member sees for a classification: the answer, a clarifying question, or "unknown"."""

from __future__ import annotations

from bot.answering.taxonomy import UNKNOWN, lang_key
from bot.answering.types import Answer, Answerer, Certainty, Classification

_ASK = {"zh": "您想问的是哪一个？", "en": "Which of these did you mean?"}


def clarify(answerer: Answerer, result: Classification, *, lang: str) -> Answer:
    """Ask which of the close candidates the member meant, one button each."""
    buttons = tuple(
        (answerer.title(intent, lang=lang), f"faq.intent:{intent}")
        for intent, _ in result.candidates
    )
    return Answer(intent=result.intent, text=_ASK[lang_key(lang)], buttons=buttons)


def reply_for(answerer: Answerer, result: Classification, *, lang: str) -> Answer:
    """The reply to send for `result` in the member's language."""
    if result.certainty is Certainty.AMBIGUOUS and len(result.candidates) > 1:
        return clarify(answerer, result, lang=lang)
    if result.certainty is Certainty.UNKNOWN:
        return answerer.answer(UNKNOWN, lang=lang)
    return answerer.answer(result.intent, lang=lang)
