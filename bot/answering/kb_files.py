"""Reads and checks the knowledge-base TOML files; every problem names its file and entry."""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering.taxonomy import DEFAULT_ACTIONS, INTENT_IDS, LANGS
from bot.answering.types import AnswerButton

PACKAGED_KB = Path(__file__).with_name("kb")
SYNONYMS_FILE = "_synonyms.toml"
MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit
# Kinds of concept in _synonyms.toml and the prefix of their features.
CONCEPT_KINDS = {"action": "^", "topic": "@", "cue": "~", "outside": "!"}


class KnowledgeBaseError(ValueError):
    """The knowledge base has errors; `errors` lists them, one line each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("knowledge base errors:\n" + "\n".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Entry:
    """One intent's answer, title, buttons and training phrasings, in both languages."""

    intent: str
    source: str
    title: Mapping[str, str]
    answer: Mapping[str, str]
    buttons: tuple[AnswerButton, ...]
    phrasings: Mapping[str, tuple[str, ...]]


@dataclass(slots=True)
class Knowledge:
    """Everything read from a knowledge-base directory, with the errors found on the way."""

    entries: dict[str, Entry] = field(default_factory=dict)
    concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # feature -> variants
    errors: list[str] = field(default_factory=list)


def read_knowledge(kb_dir: Path | None, known_actions: Collection[str]) -> Knowledge:
    """Parse every file of `kb_dir` (None: the packaged one) and collect all errors."""
    root = PACKAGED_KB if kb_dir is None else kb_dir
    kb = Knowledge()
    if not root.is_dir():
        kb.errors.append(f"{root}: knowledge-base directory not found")
        return kb
    for path in sorted(root.glob("*.toml")):
        data = _parse(path, kb.errors)
        if data is None:
            continue
        if path.name == SYNONYMS_FILE:
            _read_synonyms(path.name, data, kb)
        elif not path.name.startswith("_"):
            _read_entry(path.name, data, kb)
    if not (root / SYNONYMS_FILE).is_file():
        kb.errors.append(
            f"{root}: {SYNONYMS_FILE}: missing (the domain lexicon; copy the packaged one)"
        )
    for intent in INTENT_IDS:
        if intent not in kb.entries:
            kb.errors.append(f"{root}: {intent}: no entry for this intent (add {intent}.toml)")
    for entry in kb.entries.values():
        _check_buttons(entry, known_actions, kb)
    return kb


def check_knowledge(kb_dir: Path | None, known_actions: Collection[str]) -> list[str]:
    """Error lines for `unionbot kb check`, each naming the file and the entry; [] when fine."""
    return read_knowledge(kb_dir, known_actions).errors


def load_knowledge(kb_dir: Path | None = None) -> Knowledge:
    """Read the knowledge base for start-up; raise KnowledgeBaseError if anything is wrong."""
    kb = read_knowledge(kb_dir, DEFAULT_ACTIONS)
    if kb.errors:
        raise KnowledgeBaseError(kb.errors)
    return kb


def _parse(path: Path, errors: list[str]) -> dict[str, object] | None:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        errors.append(f"{path.name}: cannot read the file: {exc}")
        return None


def _read_synonyms(name: str, data: Mapping[str, object], kb: Knowledge) -> None:
    if not any(kind in data for kind in CONCEPT_KINDS):
        kb.errors.append(f"{name}: needs tables {', '.join(CONCEPT_KINDS)} of name = [variants]")
    for kind, prefix in CONCEPT_KINDS.items():
        table = data.get(kind, {})
        if not isinstance(table, dict):
            kb.errors.append(f"{name}: [{kind}]: must be a table of name = [variants]")
            continue
        for concept, variants in table.items():
            if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
                kb.errors.append(f"{name}: {concept}: variants must be a list of strings")
                continue
            kb.concepts[prefix + str(concept)] = tuple(variants)


def _read_entry(name: str, data: Mapping[str, object], kb: Knowledge) -> None:
    intent = data.get("intent")
    if not isinstance(intent, str) or not intent:
        kb.errors.append(f'{name}: (no intent): missing `intent = "..."`')
        return
    where = f"{name}: {intent}"
    errors_before = len(kb.errors)
    if intent not in INTENT_IDS:
        kb.errors.append(f"{where}: unknown intent id {intent!r} (not in shared/intents.md)")
    elif intent in kb.entries:
        kb.errors.append(f"{where}: intent already defined in {kb.entries[intent].source}")
    title = _languages(data.get("title"), f"{where}: title", kb.errors)
    answer = _languages(data.get("answer"), f"{where}: answer", kb.errors)
    phrasings = _phrasings(data.get("phrasings"), where, kb.errors)
    buttons = _buttons(data.get("buttons", []), where, kb.errors)
    if len(kb.errors) == errors_before:
        kb.entries[intent] = Entry(intent, name, title, answer, buttons, phrasings)


def _languages(value: object, where: str, errors: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.append(f"{where}: missing (needs zh and en)")
        return {}
    out: dict[str, str] = {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: missing language {lang!r}")
        else:
            out[lang] = text.strip()
    return out


def _phrasings(value: object, where: str, errors: list[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        errors.append(f"{where}: phrasings: missing (needs zh and en lists)")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for lang in LANGS:
        items = value.get(lang)
        if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
            errors.append(f"{where}: phrasings: missing language {lang!r} (a list of strings)")
        else:
            out[lang] = tuple(s for s in items if s.strip())
    return out


def _buttons(value: object, where: str, errors: list[str]) -> tuple[AnswerButton, ...]:
    if not isinstance(value, list):
        errors.append(f"{where}: buttons: must be a list of [[buttons]] tables")
        return ()
    out: list[AnswerButton] = []
    for n, item in enumerate(value, start=1):
        here = f"{where}: button {n}"
        if not isinstance(item, dict) or not isinstance(item.get("payload"), str):
            errors.append(f'{here}: needs `payload = "action"` and a label')
            continue
        label = _languages(item.get("label"), f"{here}: label", errors)
        out.append(AnswerButton(label=label, payload=str(item["payload"])))
    return tuple(out)


def _check_buttons(entry: Entry, known_actions: Collection[str], kb: Knowledge) -> None:
    for n, button in enumerate(entry.buttons, start=1):
        here = f"{entry.source}: {entry.intent}: button {n} ({button.payload!r})"
        action, _, arg = button.payload.partition(":")
        if len(button.payload.encode()) > MAX_PAYLOAD_BYTES:
            kb.errors.append(f"{here}: payload longer than {MAX_PAYLOAD_BYTES} bytes")
        if action not in known_actions:
            kb.errors.append(f"{here}: broken button target: unknown action {action!r}")
        elif action == "faq.intent" and arg not in kb.entries:
            kb.errors.append(f"{here}: broken button target: no entry for intent {arg!r}")
