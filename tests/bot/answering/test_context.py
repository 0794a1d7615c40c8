"""Short follow-ups are read in the context of the previous answer."""

from __future__ import annotations

import pytest

from bot.answering import Certainty, KnowledgeAnswerer

# (previous answer's intent, member says, expected intent)
DIALOGUE = [
    ("jingka.discounts", "那怎么申请？", "jingka.card"),
    ("job_fairs", "and where?", "job_fairs"),
    ("lectures.women", "什么时候？", "lectures.women"),
    ("legal_aid", "要什么材料", "legal_aid"),
    ("student_aid", "how much?", "student_aid"),
    ("summer_cooling", "我们单位没发呢", "summer_cooling"),
    ("mutual_aid.claim", "多久能到账", "mutual_aid.claim_status"),
    ("job_fairs", "那培训呢", "job_training"),
]


@pytest.mark.parametrize(("previous", "text", "expected"), DIALOGUE)
def test_follow_up_is_read_in_context(
    answerer: KnowledgeAnswerer, previous: str, text: str, expected: str
) -> None:
    result = answerer.classify(text, lang="zh_CN", previous_intent=previous)
    assert result.intent == expected
    assert result.certainty is not Certainty.UNKNOWN


def test_without_context_the_same_follow_up_is_not_a_union_answer(
    answerer: KnowledgeAnswerer,
) -> None:
    assert answerer.classify("那怎么申请？", lang="zh_CN").intent == "unknown"
    assert answerer.classify("and where?", lang="en").intent == "unknown"


def test_mutual_aid_follow_up_stays_in_mutual_aid(answerer: KnowledgeAnswerer) -> None:
    result = answerer.classify("那怎么申请？", lang="zh_CN", previous_intent="mutual_aid.plans")
    assert result.intent.startswith("mutual_aid.")


CHANGES_OF_SUBJECT = ["今天天气怎么样", "那股票呢", "what about the weather?", "那京东卡呢"]


@pytest.mark.parametrize("previous", ["job_fairs", "jingka.card", "mutual_aid.claim"])
@pytest.mark.parametrize("text", CHANGES_OF_SUBJECT)
def test_changing_the_subject_after_a_topic_is_still_unknown(
    answerer: KnowledgeAnswerer, previous: str, text: str
) -> None:
    result = answerer.classify(text, lang="zh_CN", previous_intent=previous)
    assert result.intent == "unknown"


def test_no_context_after_greeting_or_unknown(answerer: KnowledgeAnswerer) -> None:
    for previous in ("greeting", "unknown", "not-an-intent"):
        assert answerer.classify(
            "那怎么申请？", lang="zh_CN", previous_intent=previous
        ).intent == ("unknown")


@pytest.mark.parametrize("text", ["not what I asked", "不是这个", "答非所问"])
def test_saying_the_answer_missed_is_not_a_follow_up(
    answerer: KnowledgeAnswerer, text: str
) -> None:
    result = answerer.classify(text, lang="en", previous_intent="job_fairs")
    assert result.intent == "unknown"


def test_the_same_short_reply_from_many_members_is_read_in_each_ones_context(
    answerer: KnowledgeAnswerer,
) -> None:
    """After a broadcast hundreds of members write the same words; the reading kept for one
    conversation must not answer another."""
    for _ in range(3):
        assert answerer.classify("那怎么申请？", lang="zh_CN",
                                 previous_intent="jingka.discounts").intent == "jingka.card"
        assert answerer.classify("那怎么申请？", lang="zh_CN").intent == "unknown"
        assert answerer.classify("那怎么申请？", lang="zh_CN",
                                 previous_intent="mutual_aid.plans").intent.startswith(
                                     "mutual_aid.")
