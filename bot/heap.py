"""Keeps the garbage collector off what start-up built, while the bot serves.

After start-up the process holds some 170,000 long-lived objects (modules, the knowledge index,
mappers, catalogs). A full collection walks all of them: a 50-70 ms pause that lands on
whichever members' messages are in flight, the slowest percentile of replies. Freezing them
after a collection leaves the collector only what messages allocate (CPython's own advice for
long-running servers, see `gc.freeze`). Frozen objects are still freed by reference counting;
only cycles among them stay, which is why a knowledge reload thaws, collects and freezes again.
"""

from __future__ import annotations

import gc


def freeze() -> None:
    """Collect what start-up left behind, then hide the rest from later collections."""
    gc.collect()
    gc.freeze()


def refreeze() -> None:
    """After a swap of long-lived state (a knowledge reload): let the old copy's cycles go."""
    gc.unfreeze()
    freeze()


def thaw() -> None:
    """Back to ordinary collection (the bot stopped; the process may go on, as tests do)."""
    gc.unfreeze()
