"""Index build time and per-question latency, for the real knowledge base and one 10x its size."""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering.engine import KnowledgeAnswerer
from bot.answering.kb_files import Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "bot" / "answering" / "heldout.jsonl"


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
    qs += [
        ("", "zh_CN"),
        ("😀😀😀", "en"),
        ("\x00\x1b[31m京卡", "zh_CN"),
        ("我" * 10_000, "zh_CN"),
        ("京卡 " * 3_000, "zh_CN"),
        ("a" * 10_000, "en"),
    ]
    return qs


def measure(label: str, kb: Knowledge, qs: list[tuple[str, str]], rounds: int = 5) -> None:
    phrasings = sum(len(t) for e in kb.entries.values() for t in e.phrasings.values())
    start, cpu_start = time.perf_counter(), time.process_time()
    answerer = KnowledgeAnswerer(kb)
    build, build_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    for text, lang in qs[:20]:  # warm caches
        answerer.classify(text, lang=lang)
    wall: list[list[float]] = [[] for _ in qs]
    cpu: list[list[float]] = [[] for _ in qs]
    for _ in range(rounds):
        for slot, (text, lang) in enumerate(qs):
            t0, c0 = time.perf_counter(), time.process_time()
            answerer.classify(text, lang=lang)
            cpu[slot].append(time.process_time() - c0)
            wall[slot].append(time.perf_counter() - t0)
    print(
        f"{label}: {len(kb.entries)} intents, {phrasings} phrasings; "
        f"index build {build:.3f} s wall clock, {build_cpu:.3f} s CPU"
    )
    for name, samples in (("wall clock", wall), ("CPU time  ", cpu)):
        times = sorted(t for ts in samples for t in ts)
        print(
            f"  {name} over {len(times)} calls: p50 {ms(times, 0.5)}, p99 {ms(times, 0.99)}, "
            f"max {times[-1] * 1000:.3f} ms"
        )
    medians = sorted(statistics.median(ts) for ts in wall)
    print(
        f"  wall clock, median of {rounds} calls per question: "
        f"p50 {ms(medians, 0.5)}, p99 {ms(medians, 0.99)}"
    )


def ms(sorted_times: list[float], q: float) -> str:
    return f"{sorted_times[min(int(len(sorted_times) * q), len(sorted_times) - 1)] * 1000:.3f} ms"


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f} (other processes add noise)")
    start = time.perf_counter()
    kb = load_knowledge()
    print(f"read and check the knowledge-base files: {time.perf_counter() - start:.3f} s")
    qs = questions()
    measure("real KB", kb, qs)
    measure("10x KB ", synthesise(kb, 10), qs)


if __name__ == "__main__":
    main()
