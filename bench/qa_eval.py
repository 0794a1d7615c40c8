"""Accuracy of the answering engine: grouped cross-validation on the training phrasings, the dev
sets, and the blind set (score it once, at the end: never tune on its errors).

    bench/qa_eval.py --cv [--errors]     grouped k-fold CV on the knowledge-base phrasings
    bench/qa_eval.py --dev [--errors]    the four older held-out files (tuning/dev figures)
    bench/qa_eval.py --blind             tests/bot/answering/heldout_v2_blind.jsonl, per kind
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering.engine import KnowledgeAnswerer
from bot.answering.kb_files import Knowledge, load_knowledge
from bot.answering.text import _t2s, normalize

HERE = Path(__file__).resolve().parent.parent / "tests" / "bot" / "answering"
DEV = (
    "heldout.jsonl", "heldout_fresh.jsonl", "heldout_final.jsonl", "heldout_blind.jsonl",
    "dev_v2.jsonl",
)
BLIND = "heldout_v2_blind.jsonl"
NEAR_DUPLICATE = 0.5  # character-bigram Jaccard at or above this: the same group


@dataclass(frozen=True)
class Case:
    intent: str
    lang: str
    text: str
    kind: str


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:5.1f}% ({n}/{d})" if d else "  n/a"


def inferred_kind(lang: str, text: str) -> str:
    """The kind of a training phrasing, read from its text (phrasings carry no kind)."""
    if lang == "en":
        return "english"
    if text.isascii():
        return "pinyin"
    if _t2s().convert(text) != text:
        return "traditional"
    if re.search(r"[a-zA-Z]{2,}", text):
        return "mixed"
    return "long" if len(text) >= 36 else "plain"


def groups(cases: list[Case]) -> list[int]:
    """Group near-duplicate phrasings of one intent (union-find on bigram overlap)."""
    grams = []
    for case in cases:
        norm = normalize(case.text).replace(" ", "")
        grams.append({norm[i : i + 2] for i in range(len(norm) - 1)} or {norm})
    parent = list(range(len(cases)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(cases)):
        for j in range(i + 1, len(cases)):
            if cases[i].intent != cases[j].intent:
                continue
            a, b = grams[i], grams[j]
            if len(a & b) / len(a | b) >= NEAR_DUPLICATE:
                parent[root(i)] = root(j)
    return [root(i) for i in range(len(cases))]


def phrasing_cases(kb: Knowledge) -> list[Case]:
    return [
        Case(entry.intent, lang, text, inferred_kind(lang, text))
        for entry in kb.entries.values()
        for lang, texts in entry.phrasings.items()
        for text in texts
    ]


def without(kb: Knowledge, left_out: set[tuple[str, str]]) -> Knowledge:
    train = Knowledge(concepts=kb.concepts)
    for intent, entry in kb.entries.items():
        kept = {
            lang: tuple(t for t in texts if (intent, t) not in left_out)
            for lang, texts in entry.phrasings.items()
        }
        train.entries[intent] = replace(entry, phrasings=kept)
    return train


def cross_validate(kb: Knowledge, folds: int) -> list[tuple[Case, str]]:
    cases = phrasing_cases(kb)
    group_of = groups(cases)
    order = {g: n for n, g in enumerate(dict.fromkeys(group_of))}
    out: list[tuple[Case, str]] = []
    for k in range(folds):
        test = [c for c, g in zip(cases, group_of, strict=True) if order[g] % folds == k]
        answerer = KnowledgeAnswerer(without(kb, {(c.intent, c.text) for c in test}))
        out += [(c, answerer.classify(c.text, lang=c.lang).intent) for c in test]
    print(f"grouped {folds}-fold cross-validation: {len(cases)} phrasings in "
          f"{len(order)} groups of near-duplicates (kinds read from the text)")
    return out


def tune(kb: Knowledge, folds: int) -> None:
    """Pick the softmax temperature (log loss) and the unknown threshold (accuracy) from
    out-of-fold predictions; print the choice, to be copied into model.py and engine.py."""
    import numpy as np

    from bot.answering import engine as engine_module
    from bot.answering import model as model_module

    cases = phrasing_cases(kb)
    group_of = groups(cases)
    order = {g: n for n, g in enumerate(dict.fromkeys(group_of))}
    rows: list[tuple[Case, dict[str, float], bool]] = []
    saved, model_module.TEMPERATURE = model_module.TEMPERATURE, 1.0
    for k in range(folds):
        test = [c for c, g in zip(cases, group_of, strict=True) if order[g] % folds == k]
        answerer = KnowledgeAnswerer(without(kb, {(c.intent, c.text) for c in test}))
        for c in test:
            feats = answerer.featurizer.question_features(normalize(c.text))
            has_topic = any(key[0] in engine_module.TOPIC_PREFIXES for key in feats)
            rows.append((c, answerer.model.probabilities(feats), has_topic))
    model_module.TEMPERATURE = saved
    classes = tuple(rows[0][1])
    logits = np.log(np.array([[r[1][c] for c in classes] for r in rows]) + 1e-12)
    truth = np.array([classes.index(r[0].intent) for r in rows])
    best_t, best_loss = 1.0, float("inf")
    for t in np.arange(0.5, 8.01, 0.25):
        z = logits * t
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float(logp[np.arange(len(rows)), truth].mean())
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    print(f"temperature {best_t:.2f} (out-of-fold log loss {best_loss:.3f})")
    unknown = classes.index("unknown")
    topic = np.array([r[2] for r in rows])
    best: tuple[float, float, float, float] = (-1.0, 0.0, 0.0, 0.0)
    for bias in np.arange(0.0, 0.61, 0.05):
        z = logits.copy()
        z[:, unknown] += bias
        z = z * best_t
        probs = np.exp(z - z.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        probs[:, unknown] = -1.0  # the best union intent
        top = probs.argmax(axis=1)
        top_p = probs[np.arange(len(rows)), top]
        says_unknown = z.argmax(axis=1) == unknown
        for th_topic in np.arange(0.0, 0.61, 0.1):
            for th_bare in np.arange(0.0, 0.91, 0.05):
                th = np.where(topic, th_topic, th_bare)
                got = np.where(says_unknown | (top_p < th), unknown, top)
                acc = float((got == truth).mean())
                key = (acc, -bias, -th_topic, -th_bare)
                if key > best:
                    best = key
    acc, bias, th_topic, th_bare = best
    print(f"unknown bias {-bias:.2f}, threshold with a topic term {-th_topic:.2f}, "
          f"everyday words {-th_bare:.2f}: {100 * acc:.1f}% out of fold")


def read_cases(names: Iterable[str]) -> list[Case]:
    cases = []
    for name in names:
        for line in (HERE / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                lang = "en" if row["lang"].startswith("en") else "zh"
                kind = row.get("kind") or inferred_kind(lang, row["text"])
                cases.append(Case(row["intent"], row["lang"], row["text"], kind))
    return cases


def report(results: list[tuple[Case, str]], errors: bool) -> None:
    tables: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    unknown_bad = union_bad = n_unknown = 0
    for case, got in results:
        ok = got == case.intent
        tables["all"]["top-1"].append(ok)
        tables["language"]["en" if case.lang.startswith("en") else "zh"].append(ok)
        tables["kind"][case.kind].append(ok)
        tables["intent"][case.intent].append(ok)
        if case.intent == "unknown":
            n_unknown += 1
            unknown_bad += got != "unknown"
        else:
            union_bad += got == "unknown"
    for title, table in tables.items():
        print(f"{title}:")
        for key, oks in sorted(table.items()):
            print(f"  {key:26} {pct(sum(oks), len(oks))}")
    print(f"union questions answered unknown: {pct(union_bad, len(results) - n_unknown)}")
    print(f"off-topic answered as a union topic: {pct(unknown_bad, n_unknown)}")
    if errors:
        for case, got in results:
            if got != case.intent:
                print(f"  [{case.kind}] {case.intent} -> {got}: {case.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--tune", action="store_true", help="pick temperature and thresholds")
    parser.add_argument("--dev", action="store_true")
    parser.add_argument("--blind", action="store_true")
    parser.add_argument("--file", type=str, help="another labelled .jsonl under tests/")
    parser.add_argument("--errors", action="store_true", help="list every wrong answer")
    args = parser.parse_args()
    kb = load_knowledge()
    if args.tune:
        tune(kb, args.folds)
    if args.cv:
        report(cross_validate(kb, args.folds), args.errors)
    names = [*(DEV if args.dev else ()), *((BLIND,) if args.blind else ()),
             *((args.file,) if args.file else ())]
    if names:
        answerer = KnowledgeAnswerer(kb)
        cases = read_cases(names)
        print(f"{', '.join(names)}: {len(cases)} messages")
        report([(c, answerer.classify(c.text, lang=c.lang).intent) for c in cases],
               args.errors and not args.blind)


if __name__ == "__main__":
    main()
