"""Cross-validation on the training phrasings: tune the engine without looking at held-out data."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering.engine import KnowledgeAnswerer
from bot.answering.kb_files import Knowledge, load_knowledge


def fold(kb: Knowledge, k: int, folds: int) -> tuple[Knowledge, list[tuple[str, str, str]]]:
    """Training knowledge without every `folds`-th phrasing, and the phrasings left out."""
    train = Knowledge(concepts=kb.concepts)
    test: list[tuple[str, str, str]] = []
    for intent, entry in kb.entries.items():
        kept: dict[str, tuple[str, ...]] = {}
        for lang, texts in entry.phrasings.items():
            kept[lang] = tuple(t for i, t in enumerate(texts) if i % folds != k)
            test += [(intent, lang, t) for i, t in enumerate(texts) if i % folds == k]
        train.entries[intent] = replace(entry, phrasings=kept)
    return train, test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    kb = load_knowledge()
    total = ok = unk_n = unk_bad = uni_n = uni_bad = 0
    by_lang: Counter[str] = Counter()
    by_lang_ok: Counter[str] = Counter()
    for k in range(args.folds):
        train, test = fold(kb, k, args.folds)
        answerer = KnowledgeAnswerer(train)
        for intent, lang, text in test:
            got = answerer.classify(text, lang=lang).intent
            total += 1
            ok += got == intent
            by_lang[lang] += 1
            by_lang_ok[lang] += got == intent
            if intent == "unknown":
                unk_n += 1
                unk_bad += got != "unknown"
            else:
                uni_n += 1
                uni_bad += got == "unknown"
            if args.errors and got != intent:
                print(f"  [{intent} -> {got}] {text}")
    print(
        f"cv top-1: {100 * ok / total:.1f}% of {total}; "
        + ", ".join(f"{lang} {100 * by_lang_ok[lang] / n:.1f}%" for lang, n in by_lang.items())
    )
    print(
        f"unknown answered as union: {100 * unk_bad / unk_n:.1f}% of {unk_n}; "
        f"union answered as unknown: {100 * uni_bad / uni_n:.1f}% of {uni_n}"
    )


if __name__ == "__main__":
    main()
