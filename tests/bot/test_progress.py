"""Staff watching a long import see rows done, rows/s and time left; a log gets plain lines."""

from __future__ import annotations

import io

from bot.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_redrawn_bar_with_rate_and_time_left() -> None:
    screen, now = Terminal(), [0.0]
    progress = Progress("import roster", 1000, stream=screen, clock=lambda: now[0])
    for _ in range(4):
        now[0] += 1.0
        progress.advance(100)
    progress.finish()
    out = screen.getvalue()
    assert "\n" not in out[:-1] and out.count("\r") == 5
    assert "[#########...............] import roster: 400 rows, 100 rows/s of 1,000 (40%), " \
           "0:06 left" in out


def test_a_log_gets_a_plain_line_every_few_seconds() -> None:
    log, now = io.StringIO(), [0.0]
    progress = Progress("import roster", None, stream=log, clock=lambda: now[0])
    for _ in range(12):
        now[0] += 1.0
        progress.advance(50)
    progress.finish()
    lines = log.getvalue().splitlines()
    assert lines == ["import roster: 250 rows, 50 rows/s, 0:05 so far",
                     "import roster: 500 rows, 50 rows/s, 0:10 so far",
                     "import roster: 600 rows, 50 rows/s, 0:12 so far"]
