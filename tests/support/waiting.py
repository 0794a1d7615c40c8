"""Waiting for something another task or process does, with a deadline that fails the test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_until(condition: Callable[[], bool], seconds: float) -> float:
    """Seconds it took until `condition()` held; AssertionError after `seconds`."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    while not condition():
        if loop.time() - began > seconds:
            raise AssertionError(f"not within {seconds:.1f} s")
        await asyncio.sleep(0.05)
    return loop.time() - began
