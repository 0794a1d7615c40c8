"""Build time (training, and loading from the cache), per-question latency including hostile
input, and the engine's memory, for the real knowledge base and one 10x its size."""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering.engine import KnowledgeAnswerer
from bot.answering.kb_files import Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "bot" / "answering" / "heldout_v2_blind.jsonl"


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
        ("我" * 100_000, "zh_CN"),
        ("京卡 " * 30_000, "zh_CN"),
        ("a" * 100_000, "en"),
        ("\ud800\udfff 京卡\ud83d", "zh_CN"),
        ("\u202e\u200b\ufeff" * 1000, "en"),
        ("Привет, как дела? مرحبا", "en"),
    ]
    return qs


def measure(label: str, kb: Knowledge, qs: list[tuple[str, str]], rounds: int = 5) -> None:
    phrasings = sum(len(t) for e in kb.entries.values() for t in e.phrasings.values())
    start, cpu_start = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as cache:
        answerer = KnowledgeAnswerer(kb, Path(cache))
        build, build_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        start = time.perf_counter()
        KnowledgeAnswerer(kb, Path(cache))
        cached = time.perf_counter() - start
    for text, lang in qs[:20]:  # warm caches
        answerer.classify(text, lang=lang)
    wall: list[list[float]] = [[] for _ in qs]
    cpu: list[list[float]] = [[] for _ in qs]
    for _ in range(rounds):
        for slot, (text, lang) in enumerate(qs):
            answerer.forget_readings()  # each round reads afresh, not the kept short readings
            t0, c0 = time.perf_counter(), time.process_time()
            answerer.classify(text, lang=lang)
            cpu[slot].append(time.process_time() - c0)
            wall[slot].append(time.perf_counter() - t0)
    print(
        f"{label}: {len(kb.entries)} intents, {phrasings} phrasings; "
        f"training {build:.3f} s wall clock, {build_cpu:.3f} s CPU; "
        f"from the cache {cached:.3f} s"
    )
    for name, samples in (("wall clock", wall), ("CPU time  ", cpu)):
        times = sorted(t for ts in samples for t in ts)
        print(
            f"  {name} over {len(times)} calls: p50 {ms(times, 0.5)}, p99 {ms(times, 0.99)}, "
            f"max {times[-1] * 1000:.3f} ms"
        )
    worst = max(max(ts) for ts, (text, _) in zip(wall, qs, strict=True) if len(text) > 1000)
    print(f"  slowest hostile input (>1,000 characters): {worst * 1000:.3f} ms")
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
    print(engine_memory())


RSS_PROBE = """
import resource, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize() / 2**20
base = rss()
from bot.answering import load_answerer
load_answerer(None, Path(sys.argv[2]))
print(f"{base:.1f} {rss():.1f} {'sklearn' in sys.modules}")
"""


def engine_memory() -> str:
    """RSS of a fresh process before and after loading the engine from a warm cache (what a
    restarted bot pays): the engine's own memory, without scikit-learn."""
    with tempfile.TemporaryDirectory() as cache:
        subprocess.run([sys.executable, "-c", RSS_PROBE, str(ROOT), cache], check=True,
                       capture_output=True)
        out = subprocess.run([sys.executable, "-c", RSS_PROBE, str(ROOT), cache], check=True,
                             capture_output=True, text=True).stdout.split()
    before, after, sklearn = float(out[0]), float(out[1]), out[2] == "True"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"engine RSS (fresh process, from the cache): {after - before:.1f} MB "
            f"({before:.1f} -> {after:.1f} MB; scikit-learn imported: {sklearn}); "
            f"this benchmark's peak, training included: {peak:.0f} MB")


if __name__ == "__main__":
    main()
