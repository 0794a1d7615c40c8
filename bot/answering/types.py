"""What the answering engine gives back: the intent it read, how sure it is, and the runners-up."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Certainty(StrEnum):
    CONFIDENT = "confident"
    AMBIGUOUS = "ambiguous"  # two intents are close: ask which one was meant
    UNKNOWN = "unknown"  # nothing the union offers: say so and show the menu


@dataclass(frozen=True, slots=True)
class Classification:
    intent: str
    confidence: float
    certainty: Certainty
    candidates: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerButton:
    """A follow-up button of a knowledge-base entry: a label per language and a payload."""

    label: dict[str, str]
    payload: str


@dataclass(frozen=True, slots=True)
class Answer:
    intent: str
    text: str
    buttons: tuple[tuple[str, str], ...]  # (label, payload) in the member's language


class Answerer(Protocol):
    def classify(
        self, text: str, *, lang: str, previous_intent: str | None = None
    ) -> Classification: ...

    def answer(self, intent: str, *, lang: str) -> Answer: ...

    def title(self, intent: str, *, lang: str) -> str: ...
