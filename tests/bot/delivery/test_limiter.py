"""The sliding-window limiter keeps to the limit in every 1-second window, on a fake clock."""

from __future__ import annotations

from bot.delivery.limiter import PerChatLimiter, SlidingWindowLimiter
from tests.support.delivery import FakeTime


def busiest_window(intervals: list[tuple[float, float]]) -> int:
    """Most requests a server could count in one 1-second window, whenever within its
    (start, end) each request arrived: a request counts if its interval meets the window."""
    worst = 0
    for start, _end in intervals:
        worst = max(worst, sum(1 for s, e in intervals if e >= start and s < start + 1.0))
    return worst


async def test_never_more_than_the_rate_in_any_window() -> None:
    time = FakeTime()
    limiter = SlidingWindowLimiter(30, clock=time.monotonic, sleep=time.sleep)
    intervals = []
    for _ in range(200):
        await limiter.acquire()
        start = time.mono
        time.advance(0.004)  # the request's round trip
        limiter.release()
        intervals.append((start, time.mono))
    assert busiest_window(intervals) <= 30
    elapsed = intervals[-1][1] - intervals[0][0]
    assert 200 / elapsed > 30 * 0.9  # and it does not dawdle: close to the limit


async def test_a_burst_is_allowed_only_up_to_the_rate() -> None:
    time = FakeTime()
    limiter = SlidingWindowLimiter(5, clock=time.monotonic, sleep=time.sleep)
    for _ in range(5):
        await limiter.acquire()
        limiter.release()
    assert time.mono == 1000.0  # five at once: no wait
    await limiter.acquire()
    assert time.mono >= 1001.0  # the sixth waits for the first to leave the window


async def test_pause_holds_every_request() -> None:
    time = FakeTime()
    limiter = SlidingWindowLimiter(30, clock=time.monotonic, sleep=time.sleep)
    limiter.pause(12)
    await limiter.acquire()
    assert time.mono >= 1012.0


async def test_one_message_a_second_to_one_chat() -> None:
    time = FakeTime()
    per_chat = PerChatLimiter(1.0, clock=time.monotonic, sleep=time.sleep)
    await per_chat.wait("7")
    await per_chat.done("7")
    await per_chat.wait("8")
    assert time.mono == 1000.0
    await per_chat.wait("7")
    assert time.mono >= 1001.0
