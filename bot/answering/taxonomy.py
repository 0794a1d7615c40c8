"""The public intent ids of shared/intents.md and the button actions the bot routes."""

from __future__ import annotations

INTENT_IDS: tuple[str, ...] = (
    "greeting",
    "help",
    "jingka.discounts",
    "jingka.card",
    "mutual_aid.plans",
    "mutual_aid.claim",
    "mutual_aid.claim_status",
    "job_fairs",
    "job_training",
    "lectures.women",
    "summer_cooling",
    "hardship_aid",
    "student_aid",
    "legal_aid",
    "collective_bargaining",
    "model_workers",
    "union_membership",
    "skills_contest",
    "reading_room",
    "subscribe",
    "unsubscribe",
    "human_handoff",
    "unknown",
)

UNKNOWN = "unknown"

# Intents that carry no topic of their own: a follow-up after them is not read in their context.
NO_TOPIC: frozenset[str] = frozenset({"greeting", "help", "unknown", "human_handoff"})

DEFAULT_ACTIONS: frozenset[str] = frozenset(
    {
        "menu.main",
        "faq.intent",
        "discounts.menu",
        "discounts.near",
        "claim.start",
        "claims.mine",
        "plans.list",
        "bind.start",
        "jobfairs.list",
        "training.list",
        "lectures.list",
        "events.mine",
        "human.start",
        "subs.settings",
        "lang.menu",
    }
)

LANGS: tuple[str, ...] = ("zh", "en")


def lang_key(lang: str) -> str:
    """Map a member locale ("zh_CN", "zh-TW", "en", "en_GB") to a knowledge-base language."""
    return "zh" if lang.lower().startswith("zh") else "en"


def family(intent: str) -> str:
    """The topic an intent belongs to: `mutual_aid.claim` -> `mutual_aid`."""
    return intent.split(".", 1)[0]
