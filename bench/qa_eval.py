"""Top-1 accuracy of the answering engine on the labelled held-out questions."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering import load_answerer

HELDOUT = Path(__file__).resolve().parent.parent / "tests" / "bot" / "answering" / "heldout.jsonl"


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:5.1f}% ({n}/{d})" if d else "  n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=HELDOUT)
    parser.add_argument("--errors", action="store_true", help="list every wrong answer")
    args = parser.parse_args()
    answerer = load_answerer()
    text = args.file.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    by_lang: dict[str, list[bool]] = defaultdict(list)
    by_intent: dict[str, list[bool]] = defaultdict(list)
    confusions: Counter[tuple[str, str]] = Counter()
    unknown_as_union = union_as_unknown = n_unknown = n_union = ambiguous = 0
    wrong = []
    for row in rows:
        result = answerer.classify(row["text"], lang=row["lang"])
        ok = result.intent == row["intent"]
        ambiguous += result.certainty.value == "ambiguous"
        for key in ("all", row["lang"]):
            by_lang[key].append(ok)
        by_intent[row["intent"]].append(ok)
        if row["intent"] == "unknown":
            n_unknown += 1
            unknown_as_union += result.intent != "unknown"
        else:
            n_union += 1
            union_as_unknown += result.intent == "unknown"
        if not ok:
            confusions[(row["intent"], result.intent)] += 1
            wrong.append((row["intent"], result.intent, result.confidence, row["text"]))
    print(f"held-out file: {args.file.name}, {len(rows)} questions")
    for lang, oks in by_lang.items():
        print(f"top-1 {lang:6}: {pct(sum(oks), len(oks))}")
    print(f"answered as ambiguous (top-1 still counted): {ambiguous}")
    print(f"unknown answered as union: {pct(unknown_as_union, n_unknown)}")
    print(f"union answered as unknown: {pct(union_as_unknown, n_union)}")
    print("per intent:")
    for intent, oks in sorted(by_intent.items()):
        print(f"  {intent:26} {pct(sum(oks), len(oks))}")
    print("confusions (expected -> got: count):")
    for (exp, got), n in confusions.most_common():
        print(f"  {exp} -> {got}: {n}")
    if args.errors:
        for exp, got, conf, msg in wrong:
            print(f"  [{exp} -> {got} {conf:.2f}] {msg}")


if __name__ == "__main__":
    main()
