"""One scheduler, one poller: a role held by one process at a time, taken over when it dies."""

from __future__ import annotations

import asyncio

from bot.leases import Lease
from bot.shared import SharedState
from tests.support.waiting import wait_until


class Role:
    """What a process does while it leads: counts how often it started and stopped."""

    def __init__(self) -> None:
        self.running = False
        self.started = 0

    async def gain(self) -> None:
        self.running, self.started = True, self.started + 1

    async def lose(self) -> None:
        self.running = False


def lease(state: SharedState | None, role: Role, ttl: float = 1.0) -> Lease:
    return Lease(state, "scheduler", ttl=ttl, on_gain=role.gain, on_loss=role.lose)


async def test_one_process_alone_leads_at_once() -> None:
    role = Role()
    alone = lease(None, role)
    await alone.start()
    assert role.running and alone.held
    await alone.stop()
    assert not role.running


async def test_only_one_of_two_processes_leads(shared_states: list[SharedState]) -> None:
    first, second = Role(), Role()
    a, b = lease(shared_states[0], first), lease(shared_states[1], second)
    await a.start()
    await b.start()
    await asyncio.sleep(1.2)  # several renewals
    assert (first.running, second.running) == (True, False)
    await a.stop()  # a normal stop hands the role over at once
    await wait_until(lambda: second.running, 1.0)
    await b.stop()


async def test_the_leader_dies_and_the_other_takes_over_within_seconds(
    shared_states: list[SharedState],
) -> None:
    first, second = Role(), Role()
    a, b = lease(shared_states[0], first), lease(shared_states[1], second)
    await a.start()
    await b.start()
    assert a._task is not None
    a._task.cancel()  # killed: no more renewals, nothing handed back
    took = await wait_until(lambda: second.running, 3.0)
    assert took < 2.5  # the lease's time to live (1 s) plus one renewal interval, with margin
    assert second.started == 1
    await b.stop()


async def test_a_leader_that_lost_its_lease_steps_down(shared_states: list[SharedState]) -> None:
    first = Role()
    a = lease(shared_states[0], first)
    await a.start()
    # Another process holds the key now (the first one was paused too long).
    await shared_states[1].redis.set(shared_states[1].key("lease", "scheduler"), "someone-else")
    await wait_until(lambda: not first.running, 1.5)
    await a.stop()
