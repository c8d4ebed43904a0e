"""Keeping a fetch and its load moving: progress reported every few seconds rather than once per page (each
Dagster log line is a stored event), and Python's cyclic garbage collector paused while pages stream through.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Every:
    """True at most once every `seconds` (and the first time): `if progress(): log.info(...)`."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds, self._clock, self._last = seconds, clock, None

    def __call__(self) -> bool:
        now = self._clock()
        if self._last is None or now - self._last >= self.seconds:
            self._last = now
            return True
        return False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (as it was before, after it).

    A decoded page is about a hundred thousand small dicts and lists that live until it is staged; while they
    do, the collections their allocation triggers promote them, and every few pages a full collection rescans
    every live object of the process (Dagster's included). Pages hold no reference cycles — reference counting
    frees each one once it is staged — so nothing accumulates while the collector waits.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
