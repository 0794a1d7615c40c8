"""`unionbot ask --json [--batch FILE]`: questions in, one JSON answer object per question out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from bot.answering.reply import reply_for
from bot.answering.text import is_cjk_text
from bot.answering.types import Answerer

JsonObject = dict[str, object]


def answer_lines(
    answerer: Answerer, lines: Iterable[str], *, default_lang: str | None = None
) -> Iterator[JsonObject]:
    """Answer each line `{"id", "lang", "text"}`; a bad line yields an error object, never raises.

    Blank lines are skipped. A line without `lang` takes `default_lang`, or when that is None
    the language of the text's script. `previous_intent` may be given to read a follow-up in
    context.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        yield answer_line(answerer, line, number, default_lang=default_lang)


def answer_one(
    answerer: Answerer, text: str, *, lang: str, previous_intent: str | None = None
) -> JsonObject:
    """The answer to one question, as `unionbot ask --json` prints it."""
    result = answerer.classify(text, lang=lang, previous_intent=previous_intent)
    reply = reply_for(answerer, result, lang=lang)
    return {
        "intent": result.intent,
        "confidence": round(result.confidence, 4),
        "certainty": result.certainty.value,
        "candidates": [[intent, score] for intent, score in result.candidates],
        "reply": reply.text,
        "buttons": [[label, payload] for label, payload in reply.buttons],
    }


def answer_line(
    answerer: Answerer, line: str, number: int = 1, *, default_lang: str | None = None
) -> JsonObject:
    """Answer one line of the batch format, or describe what is wrong with it."""
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        return _error(None, number, f"not valid JSON: {exc}")
    if not isinstance(data, dict):
        return _error(None, number, "expected a JSON object with id, lang and text")
    qid = data.get("id")
    if qid is None or isinstance(qid, (dict, list)):
        return _error(None, number, "missing or invalid 'id'")
    text, lang = data.get("text"), data.get("lang")
    previous = data.get("previous_intent")
    if not isinstance(text, str):
        return _error(qid, number, "missing 'text' (a string)")
    if lang is None:
        lang = default_lang or ("zh_CN" if is_cjk_text(text) else "en")
    if not isinstance(lang, str) or not lang.lower().startswith(("zh", "en")):
        return _error(qid, number, "'lang' must be zh_CN or en")
    if previous is not None and not isinstance(previous, str):
        return _error(qid, number, "'previous_intent' must be a string")
    return {"id": qid, **answer_one(answerer, text, lang=lang, previous_intent=previous)}


def _error(qid: object, number: int, message: str) -> JsonObject:
    return {"id": qid, "line": number, "error": message}
