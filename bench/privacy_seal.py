"""What encryption at rest costs: sealing and opening a claim document (AES-GCM with a wrapped
data key) by size, a sealed column value, a phone blind index, and re-wrapping a document for
a key rotation. Prints the figures; random bytes, nothing tuned on.

    .venv/bin/python bench/privacy_seal.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import documents
from models.crypto import Keyring, new_master_key


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    old = Keyring.from_text(new_master_key())
    ring = Keyring.from_text(new_master_key(), (new_master_key(),))
    print("document    seal ms   open ms   seal MB/s   rewrap ms (rotation)")
    for size in (200 * 1024, 2 * 1024 * 1024, 10 * 1024 * 1024):
        data = b"\xff\xd8\xff" + os.urandom(size - 3)
        sealed = documents.seal(data, ring)
        under_old = documents.seal(data, old)
        rotating = Keyring(ring.current, (old.current,))
        seal = _median_ms(lambda d=data: documents.seal(d, ring), 15)
        unseal = _median_ms(lambda s=sealed: documents.unseal(s, ring), 15)
        rewrap = _median_ms(
            lambda u=under_old, r=rotating: documents.rewrap(u, r), 15)
        print(f"{size / 1024:>7.0f} KB {seal:>8.2f} {unseal:>9.2f} "
              f"{size / 1024 / 1024 / (seal / 1000):>11.0f} {rewrap:>12.2f}")
    count = 20000
    start = time.perf_counter()
    values = [ring.seal_text(f"1380000{n:04d}") for n in range(count)]
    sealed_us = (time.perf_counter() - start) / count * 1e6
    start = time.perf_counter()
    for value in values:
        ring.open_text(value)
    opened_us = (time.perf_counter() - start) / count * 1e6
    start = time.perf_counter()
    for n in range(count):
        ring.blind_index(f"1380000{n:04d}")
    index_us = (time.perf_counter() - start) / count * 1e6
    print(f"column value: seal {sealed_us:.1f} us, open {opened_us:.1f} us; "
          f"blind index {index_us:.1f} us ({count} values, 11-digit phones)")


if __name__ == "__main__":
    main()
