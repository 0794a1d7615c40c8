"""The per-member token bucket: a burst of 5, then one a second; one "slow down" a flood."""

from __future__ import annotations

from bot.channels.fairness import Admission, MemberBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_one_warning_then_silence() -> None:
    buckets = MemberBuckets(1.0, 5, clock=Clock())
    verdicts = [buckets.admit("telegram:1") for _ in range(9)]
    assert verdicts == [Admission.PASS] * 5 + [Admission.WARN] + [Admission.DROP] * 3
    assert buckets.admit("telegram:2") is Admission.PASS  # another member is not affected


def test_a_sustained_flood_gets_one_a_second_and_one_warning() -> None:
    clock = Clock()
    buckets = MemberBuckets(1.0, 5, clock=clock)
    verdicts = []
    for step in range(100):  # ten messages a second for ten seconds
        clock.now = step / 10
        verdicts.append(buckets.admit("wechat:oAbc"))
    assert verdicts.count(Admission.WARN) == 1
    assert 5 + 9 <= verdicts.count(Admission.PASS) <= 5 + 10


def test_after_a_quiet_spell_a_new_flood_is_told_again() -> None:
    clock = Clock()
    buckets = MemberBuckets(1.0, 5, clock=clock)
    first = [buckets.admit("k") for _ in range(7)]
    clock.now = 10.0
    second = [buckets.admit("k") for _ in range(7)]
    assert first.count(Admission.WARN) == second.count(Admission.WARN) == 1
