"""The batch interface behind `unionbot ask --json --batch FILE`."""

from __future__ import annotations

import json

from bot.answering import KnowledgeAnswerer
from bot.answering.batch import answer_lines, answer_one


def run(answerer: KnowledgeAnswerer, *lines: str) -> list[dict[str, object]]:
    out = list(answer_lines(answerer, lines))
    for obj in out:
        json.dumps(obj, ensure_ascii=False)  # every output object is JSON
    return out


def test_answers_each_question_in_order(answerer: KnowledgeAnswerer) -> None:
    out = run(
        answerer,
        '{"id": "q1", "lang": "zh_CN", "text": "京卡丢了怎么办"}',
        '{"id": 2, "lang": "en", "text": "what is the weather today"}',
        '{"id": "q3", "lang": "en", "text": "next job fair"}',
    )
    assert [o["id"] for o in out] == ["q1", 2, "q3"]
    assert [o["intent"] for o in out] == ["jingka.card", "unknown", "job_fairs"]
    assert "北京银行" in str(out[0]["reply"])
    assert "outside the union's services" in str(out[1]["reply"])
    assert all(isinstance(o["confidence"], float) for o in out)


def test_bad_lines_become_error_objects_and_the_rest_is_answered(
    answerer: KnowledgeAnswerer,
) -> None:
    out = run(
        answerer,
        "not json at all",
        "[1, 2, 3]",
        '{"id": "a"}',
        '{"id": "b", "lang": "fr", "text": "bonjour"}',
        '{"lang": "en", "text": "hi"}',
        "",
        '{"id": "c", "text": "互助金怎么申请"}',
    )
    assert [o.get("line") for o in out[:5]] == [1, 2, 3, 4, 5]
    assert all("error" in o for o in out[:5])
    assert out[2]["id"] == "a" and "text" in str(out[2]["error"])
    assert out[3]["id"] == "b" and "lang" in str(out[3]["error"])
    # the blank line is skipped; a missing lang is taken from the script
    assert out[5]["id"] == "c" and out[5]["intent"] == "mutual_aid.claim"
    assert "error" not in out[5]
    assert len(out) == 6


def test_follow_up_in_batch_uses_previous_intent(answerer: KnowledgeAnswerer) -> None:
    (obj,) = run(
        answerer, '{"id": 1, "lang": "en", "text": "and where?", "previous_intent": "job_fairs"}'
    )
    assert obj["intent"] == "job_fairs"


def test_ambiguous_question_replies_with_a_question(answerer: KnowledgeAnswerer) -> None:
    (obj,) = run(answerer, '{"id": 1, "lang": "en", "text": "job fair training"}')
    assert obj["certainty"] == "ambiguous"
    assert obj["reply"] == "Which of these did you mean?"


def test_default_language_applies_to_lines_without_one(answerer: KnowledgeAnswerer) -> None:
    (obj,) = run_with(answerer, "en", '{"id": 1, "text": "京卡丢了"}')
    assert obj["intent"] == "jingka.card"
    assert "Bank of Beijing" in str(obj["reply"])


def test_single_question_for_ask(answerer: KnowledgeAnswerer) -> None:
    row = answer_one(answerer, "转人工", lang="zh_CN")
    assert row["intent"] == "human_handoff"
    assert ["转人工", "human.start"] in row["buttons"]  # type: ignore[operator]


def run_with(answerer: KnowledgeAnswerer, lang: str, *lines: str) -> list[dict[str, object]]:
    return list(answer_lines(answerer, lines, default_lang=lang))
