"""Turns a member's free text into an intent of shared/intents.md and its answer.

Interim keyword table until the knowledge-base engine lands; same interface.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from bot.answering.types import Answer, Answerer, Certainty, Classification

_KEYWORDS = {
    "greeting": ("你好", "hello", "hi", "谢谢"),
    "jingka.card": ("京卡", "jingka"),
    "mutual_aid.plans": ("互助",),
    "human_handoff": ("人工", "human"),
}


class _Interim:
    def classify(
        self, text: str, *, lang: str, previous_intent: str | None = None
    ) -> Classification:
        lowered = text.lower()
        for intent, words in _KEYWORDS.items():
            if any(word in lowered for word in words):
                return Classification(intent, 0.9, Certainty.CONFIDENT)
        return Classification("unknown", 0.0, Certainty.UNKNOWN)

    def answer(self, intent: str, *, lang: str) -> Answer:
        return Answer(intent, intent, (("menu", "menu.main"),))

    def title(self, intent: str, *, lang: str) -> str:
        return intent


def load_answerer(kb_dir: Path | None = None) -> Answerer:
    return _Interim()


def check_knowledge(kb_dir: Path | None, known_actions: Collection[str]) -> list[str]:
    return []
