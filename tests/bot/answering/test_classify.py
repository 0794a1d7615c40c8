"""What a member's message is read as: topics, typos, near misses, clarification, odd input."""

from __future__ import annotations

import pytest

from bot.answering import Certainty, KnowledgeAnswerer
from bot.answering.taxonomy import INTENT_IDS

# (member says, member's language, the topic the bot must answer)
READS = [
    ("京卡丢了怎么补办", "zh_CN", "jingka.card"),
    ("京咔在哪些店能打折", "zh_CN", "jingka.discounts"),
    ("互主金怎么申请", "zh_CN", "mutual_aid.claim"),
    ("會員卡遺失了怎麼辦", "zh_CN", "jingka.card"),
    ("zhaopinhui shenme shihou", "zh_CN", "job_fairs"),
    ("老板三个月没发工资了", "zh_CN", "legal_aid"),
    ("I lost my union card", "en", "jingka.card"),
    ("我想问一下 mutual aid claim 怎么弄", "en", "mutual_aid.claim"),
    ("next job fair?", "zh_CN", "job_fairs"),
    ("转人工", "en", "human_handoff"),
    ("退订", "zh_CN", "unsubscribe"),
]


@pytest.mark.parametrize(("text", "lang", "intent"), READS)
def test_member_questions_reach_their_topic(
    answerer: KnowledgeAnswerer, text: str, lang: str, intent: str
) -> None:
    result = answerer.classify(text, lang=lang)
    assert result.intent == intent
    assert result.certainty is not Certainty.UNKNOWN


# Near misses: words that look like union services but are not.
NEAR_MISSES = [
    "京东卡余额在哪里查",
    "京东卡可以在超市用吗",
    "医保报销比例是多少",
    "医保卡丢了去哪补",
    "社保断交了怎么补缴",
    "驾驶证丢了怎么补办",
    "驾照到期换证要什么材料",
    "how do I renew my driving licence",
    "JD gift card balance",
    "city medical insurance reimbursement",
    "今天天气怎么样",
    "bitcoin price today",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_get_no_union_answer(answerer: KnowledgeAnswerer, text: str) -> None:
    result = answerer.classify(text, lang="zh_CN")
    assert result.intent == "unknown"
    assert result.certainty is Certainty.UNKNOWN


def test_the_real_things_next_to_the_near_misses_are_answered(answerer: KnowledgeAnswerer) -> None:
    assert answerer.classify("京卡余额在哪里查", lang="zh_CN").intent.startswith("jingka.")
    assert answerer.classify("医保报销完剩下的工会互助还能报吗", lang="zh_CN").intent.startswith(
        "mutual_aid."
    )
    assert answerer.classify("京卡丢了", lang="zh_CN").intent == "jingka.card"


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("女职工培训", {"job_training", "lectures.women"}),
        ("job fair training", {"job_fairs", "job_training"}),
    ],
)
def test_two_close_topics_ask_which_one(
    answerer: KnowledgeAnswerer, text: str, pair: set[str]
) -> None:
    result = answerer.classify(text, lang="zh_CN")
    assert result.certainty is Certainty.AMBIGUOUS
    assert result.intent in pair
    assert {intent for intent, _ in result.candidates} == pair
    reply = answerer.reply(result, lang="zh_CN")
    assert reply.text == "您想问的是哪一个？"
    assert {payload for _, payload in reply.buttons} == {f"faq.intent:{i}" for i in pair}


def test_a_clear_question_is_answered_without_asking(answerer: KnowledgeAnswerer) -> None:
    result = answerer.classify("住院了怎么申请互助金", lang="zh_CN")
    assert result.certainty is Certainty.CONFIDENT
    assert answerer.reply(result, lang="zh_CN").buttons[0][1] == "claim.start"


HOSTILE = [
    "",
    "   ",
    "😀😀😀🎉",
    "\x00\x01\x1b[31m\u202e京卡",
    "京卡" * 5_000,
    "a" * 10_000,
    "申请" + "\ud800" + "互助金",
    "京卡🙂card互助金 mutual aid 招聘会?!" * 50,
    "Ω≈ç√∫˜µ≤≥÷ 𠜎𠜱𠝹𠱓",
    "\n\t\r",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_any_input_gets_a_reading_and_never_raises(answerer: KnowledgeAnswerer, text: str) -> None:
    for lang in ("zh_CN", "en"):
        result = answerer.classify(text, lang=lang, previous_intent="jingka.card")
        assert result.intent in INTENT_IDS
        assert 0.0 <= result.confidence <= 1.0
        assert answerer.reply(result, lang=lang).text


def test_empty_and_emoji_only_messages_are_unknown(answerer: KnowledgeAnswerer) -> None:
    for text in ("", "😀😀", "？？？"):
        assert answerer.classify(text, lang="zh_CN").intent == "unknown"


def test_language_of_the_text_does_not_matter_for_the_reading(
    answerer: KnowledgeAnswerer,
) -> None:
    zh_member = answerer.classify("where is the next job fair", lang="zh_CN")
    en_member = answerer.classify("下一场招聘会在哪", lang="en")
    assert zh_member.intent == en_member.intent == "job_fairs"
