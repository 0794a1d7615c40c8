"""A progress line for long staff commands (imports, `broadcast send --wait`): a bar with
rows/s and time left on a terminal, a plain line every few seconds when the output is a file."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

BAR = 24  # characters of the bar
TTY_INTERVAL = 0.2  # seconds between redraws on a terminal
LOG_INTERVAL = 5.0  # seconds between plain lines in a log


class Progress:
    def __init__(
        self, label: str, total: int | None, *, unit: str = "rows",
        stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.clock = clock
        self.done = 0
        self.started = self._shown = clock()

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        for item in items:
            yield item
            self.advance()
        self.finish()

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if now - self._shown >= (TTY_INTERVAL if self.tty else LOG_INTERVAL):
            self._shown = now
            self._show(now)

    def set(self, done: int) -> None:
        self.advance(done - self.done)

    def finish(self) -> None:
        self._show(self.clock())
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()

    def _show(self, now: float) -> None:
        line = self.line(now)
        self.stream.write(f"\r{line}\033[K" if self.tty else f"{line}\n")
        self.stream.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.label}: {self.done:,} {self.unit}, {rate:,.0f} {self.unit}/s"
        if not self.total:
            return f"{text}, {_clock(elapsed)} so far"
        share = min(self.done / self.total, 1.0)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        bar = "#" * int(share * BAR) + "." * (BAR - int(share * BAR))
        head = f"[{bar}] " if self.tty else ""
        return (f"{head}{text} of {self.total:,} ({share:.0%}), "
                f"{_clock(max(left, 0.0))} left")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"
