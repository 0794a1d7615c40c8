"""Three processes share one bot's send limit through Redis: together they never exceed it."""

from __future__ import annotations

import asyncio
import time

from bot.delivery.shared_limiter import RedisWindowLimiter
from bot.shared import SharedState


def busiest_window(starts: list[float], window: float) -> int:
    starts = sorted(starts)
    return max(sum(1 for t in starts[i:] if t - start < window)
               for i, start in enumerate(starts))


async def test_three_processes_together_keep_to_the_rate(
    shared_states: list[SharedState],
) -> None:
    rate, window = 10, 0.25
    limiters = [RedisWindowLimiter(state.redis, state.key("limit", "t"), rate, window=window)
                for state in shared_states]
    starts: list[float] = []

    async def send(limiter: RedisWindowLimiter) -> None:
        async with limiter.slot():
            starts.append(time.monotonic())
            await asyncio.sleep(0.005)  # the request itself

    began = time.monotonic()
    await asyncio.gather(*(send(limiters[i % 3]) for i in range(60)))
    elapsed = time.monotonic() - began

    assert len(starts) == 60
    assert busiest_window(starts, window) <= rate
    # Six windows' worth of requests: the limit was used, not just respected.
    assert elapsed < 6 * window * 2.5


async def test_a_429_seen_by_one_process_pauses_them_all(shared_states: list[SharedState]) -> None:
    first, second = (RedisWindowLimiter(state.redis, shared_states[0].key("limit", "p"), 30)
                     for state in shared_states[:2])
    first.pause(0.4)
    await asyncio.sleep(0.05)  # the pause reaches Redis
    began = time.monotonic()
    async with second.slot():
        waited = time.monotonic() - began
    assert waited >= 0.3


async def test_a_process_killed_mid_request_gives_its_slot_back(
    shared_states: list[SharedState],
) -> None:
    key = shared_states[0].key("limit", "k")
    dying = RedisWindowLimiter(shared_states[0].redis, key, 1, window=0.1, hold=0.4)
    await dying.acquire()  # never released: the process died mid-request
    survivor = RedisWindowLimiter(shared_states[1].redis, key, 1, window=0.1, hold=0.4)
    began = time.monotonic()
    async with survivor.slot():
        waited = time.monotonic() - began
    assert 0.2 <= waited < 1.5


async def test_one_chat_hears_from_all_processes_a_second_apart(
    shared_states: list[SharedState],
) -> None:
    key = shared_states[0].key("limit", "chat")
    one, other = (RedisWindowLimiter(state.redis, key, 30, chat_interval=0.3)
                  for state in shared_states[:2])
    async with one.slot("4001"):
        began = time.monotonic()
        async with other.slot("4002"):  # another chat does not wait
            assert time.monotonic() - began < 0.1
    async with other.slot("4001"):
        assert time.monotonic() - began >= 0.25


async def test_a_chat_waiting_for_its_interval_holds_up_no_other_chat(
    shared_states: list[SharedState],
) -> None:
    limiter = RedisWindowLimiter(shared_states[0].redis, shared_states[0].key("limit", "h"),
                                 30, chat_interval=1.0)
    async with limiter.slot("4001"):
        pass
    began = time.monotonic()
    waiting = asyncio.create_task(limiter.acquire("4001"))
    await asyncio.sleep(0.05)
    async with limiter.slot("4002"):
        assert time.monotonic() - began < 0.3
    await waiting
    assert time.monotonic() - began >= 0.9
