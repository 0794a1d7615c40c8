"""Index build time and per-question latency, for the real knowledge base and one 10x its size."""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering.engine import KnowledgeAnswerer  # noqa: E402
from bot.answering.kb_files import Knowledge, load_knowledge  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "answering" / "heldout.jsonl"


def synthesise(kb: Knowledge, factor: int, seed: int = 7) -> Knowledge:
    """A knowledge base `factor` times larger: each intent copied with reworded phrasings."""
    rng = random.Random(seed)
    pool = [t for e in kb.entries.values() for ts in e.phrasings.values() for t in ts]
    big = Knowledge(concepts=kb.concepts)
    for copy in range(factor):
        for intent, entry in kb.entries.items():
            name = intent if copy == 0 else f"{intent}.copy{copy}"
            phrasings = {
                lang: tuple(
                    t if copy == 0 else f"{t} {rng.choice(pool)[: rng.randint(2, 8)]}"
                    for t in texts
                )
                for lang, texts in entry.phrasings.items()
            }
            big.entries[name] = replace(entry, intent=name, phrasings=phrasings)
    return big


def questions() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line]
    qs = [(r["text"], r["lang"]) for r in rows]
    # hostile and unusual input too
    qs += [("", "zh_CN"), ("😀😀😀", "en"), ("\x00\x1b[31m京卡", "zh_CN"),
           ("我" * 10_000, "zh_CN"), ("京卡 " * 3_000, "zh_CN"), ("a" * 10_000, "en")]
    return qs


def measure(label: str, kb: Knowledge, qs: list[tuple[str, str]], rounds: int = 5) -> None:
    phrasings = sum(len(t) for e in kb.entries.values() for t in e.phrasings.values())
    start = time.perf_counter()
    answerer = KnowledgeAnswerer(kb)
    build = time.perf_counter() - start
    for text, lang in qs[:20]:  # warm caches
        answerer.classify(text, lang=lang)
    times: list[float] = []
    for _ in range(rounds):
        for text, lang in qs:
            t0 = time.perf_counter()
            answerer.classify(text, lang=lang)
            times.append(time.perf_counter() - t0)
    times.sort()
    p50 = statistics.median(times) * 1000
    p99 = times[int(len(times) * 0.99) - 1] * 1000
    worst = times[-1] * 1000
    print(f"{label}: {len(kb.entries)} intents, {phrasings} phrasings; "
          f"index build {build:.3f} s; latency p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
          f"max {worst:.3f} ms over {len(times)} questions")


def main() -> None:
    start = time.perf_counter()
    kb = load_knowledge()
    print(f"read and check the knowledge-base files: {time.perf_counter() - start:.3f} s")
    qs = questions()
    measure("real KB", kb, qs)
    measure("10x KB ", synthesise(kb, 10), qs)


if __name__ == "__main__":
    main()
