"""The knowledge base a member reads: both languages, 2015 facts labelled, buttons that work."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from bot.answering import KnowledgeAnswerer
from bot.answering.kb_files import load_knowledge
from bot.answering.taxonomy import DEFAULT_ACTIONS, INTENT_IDS

HERE = Path(__file__).parent
HELDOUT_FILES = (
    "heldout.jsonl",
    "heldout_fresh.jsonl",
    "heldout_final.jsonl",
    "heldout_blind.jsonl",
    "heldout_v2_blind.jsonl",
    "heldout_v3_blind.jsonl",
    "dev_v2.jsonl",
)


def squash(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s\W_]+", "", text)


def heldout(name: str) -> list[dict[str, str]]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("name", HELDOUT_FILES)
def test_no_heldout_question_is_a_training_phrasing(name: str) -> None:
    kb = load_knowledge()
    training = {squash(t) for e in kb.entries.values() for ts in e.phrasings.values() for t in ts}
    leaked = [row["text"] for row in heldout(name) if squash(row["text"]) in training]
    assert leaked == []


def test_heldout_covers_every_intent_with_a_quarter_in_english() -> None:
    rows = heldout("heldout.jsonl")
    per_intent = Counter(row["intent"] for row in rows)
    assert set(per_intent) == set(INTENT_IDS)
    assert min(per_intent.values()) >= 10
    english = sum(row["lang"] == "en" for row in rows)
    assert 0.2 <= english / len(rows) <= 0.35


def test_every_intent_has_enough_training_phrasings() -> None:
    for intent, entry in load_knowledge().entries.items():
        assert len(entry.phrasings["zh"]) >= 25, intent
        assert len(entry.phrasings["en"]) >= 10, intent


@pytest.mark.parametrize("intent", INTENT_IDS)
def test_every_answer_in_both_languages_fits_a_phone(
    answerer: KnowledgeAnswerer, intent: str
) -> None:
    for lang in ("zh_CN", "en"):
        answer = answerer.answer(intent, lang=lang)
        assert answer.intent == intent
        assert len(answer.text) <= 600
        assert 1 <= len(answer.buttons) <= 3
        assert 0 < len(answerer.title(intent, lang=lang)) <= 20
        for label, payload in answer.buttons:
            assert label and len(payload.encode()) <= 64
            assert payload.partition(":")[0] in DEFAULT_ACTIONS
    zh, en = answerer.answer(intent, lang="zh_CN").text, answerer.answer(intent, lang="en").text
    # the English answer may gloss a Chinese name (送清凉), but is written in English
    assert len(re.findall(r"[\u4e00-\u9fff]", zh)) > len(zh) // 3
    assert len(re.findall(r"[\u4e00-\u9fff]", en)) < len(en) // 20


@pytest.mark.parametrize("intent", INTENT_IDS)
def test_figures_are_labelled_as_2015(answerer: KnowledgeAnswerer, intent: str) -> None:
    for lang, label in (("zh_CN", "2015年"), ("en", "In 2015")):
        text = answerer.answer(intent, lang=lang).text
        # the workers' hotline 12351 is a phone number, not a figure of the 2015 review
        if re.search(r"\d{2,}", text.replace("2015", "").replace("12351", "")):
            assert label in text, (intent, lang)


def test_unknown_offers_the_menu_and_help_lists_topics(answerer: KnowledgeAnswerer) -> None:
    unknown = answerer.answer("unknown", lang="zh_CN")
    assert "不在工会服务范围" in unknown.text
    assert ("主菜单", "menu.main") in unknown.buttons
    helps = answerer.answer("help", lang="en").text
    for topic in ("Jingka", "Mutual aid", "job fairs", "women's lectures"):
        assert topic.lower() in helps.lower()


def test_an_unknown_intent_id_gets_the_unknown_answer(answerer: KnowledgeAnswerer) -> None:
    assert answerer.answer("no.such.intent", lang="en").intent == "unknown"
