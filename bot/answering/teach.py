"""Staff teach the engine: a missed question, assigned to an intent, becomes one of that intent's
phrasings in its knowledge file; open questions are grouped by similarity for review."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answering.kb_files import PACKAGED_KB
from bot.answering.taxonomy import INTENT_IDS
from bot.answering.text import is_cjk_text, normalize
from bot.answering.types import Answerer

SIMILAR = 0.4  # character-bigram Jaccard at or above this: the same group


class TeachError(ValueError):
    """The phrasing cannot be added (unknown intent, no such file, a file that would break)."""


def add_phrasing(kb_dir: Path | None, intent: str, text: str) -> Path:
    """Append `text` to the phrasings of `intent` (its language read from the script) and
    return the file changed. The file is checked to parse before it is written."""
    if intent not in INTENT_IDS:
        raise TeachError(f"unknown intent {intent!r}")
    phrasing = " ".join(text.split())
    if not phrasing:
        raise TeachError("empty phrasing")
    path = (PACKAGED_KB if kb_dir is None else kb_dir) / f"{intent}.toml"
    if not path.is_file():
        raise TeachError(f"{path}: no knowledge file for {intent}")
    source = path.read_text(encoding="utf-8")
    lang = "zh" if is_cjk_text(phrasing) else "en"
    head, marker, tail = source.partition("[phrasings]")
    match = re.search(rf"^{lang}\s*=\s*\[\s*\n?(.*?)^\s*\]", tail, re.S | re.M)
    if not marker or match is None:
        raise TeachError(f"{path.name}: no [phrasings] {lang} = [...] list to add to")
    body = match.group(1).rstrip()
    if body and not body.endswith(","):
        body += ","
    line = f"  {json.dumps(phrasing, ensure_ascii=False)},\n"
    new_tail = tail[: match.start(1)] + (body + "\n" if body else "") + line + tail[match.end(1) :]
    updated = head + marker + new_tail
    try:
        tomllib.loads(updated)
    except tomllib.TOMLDecodeError as exc:
        raise TeachError(f"{path.name}: would not parse after the change: {exc}") from exc
    path.write_text(updated, encoding="utf-8")
    return path


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    text: str
    language: str


@dataclass(frozen=True, slots=True)
class ReviewGroup:
    """Similar open questions and the engine's best guesses for the first of them."""

    questions: tuple[Question, ...]
    guesses: tuple[tuple[str, float], ...]


def _grams(text: str) -> set[str]:
    norm = normalize(text).replace(" ", "")
    return {norm[i : i + 2] for i in range(len(norm) - 1)} or {norm}


def review_groups(answerer: Answerer, questions: Sequence[Question]) -> list[ReviewGroup]:
    """Group similar questions (greedy, by character-bigram overlap), largest group first."""
    groups: list[tuple[set[str], list[Question]]] = []
    for question in questions:
        grams = _grams(question.text)
        for seed, members in groups:
            if len(seed & grams) / max(len(seed | grams), 1) >= SIMILAR:
                members.append(question)
                break
        else:
            groups.append((grams, [question]))
    out = []
    for _seed, members in sorted(groups, key=lambda g: -len(g[1])):
        first = members[0]
        result = answerer.classify(first.text, lang=first.language)
        out.append(ReviewGroup(tuple(members), result.candidates))
    return out

