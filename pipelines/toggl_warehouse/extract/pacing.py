"""Progress reporting for a fetch: a line every few seconds rather than once per page (each Dagster log line
is a stored event)."""

from __future__ import annotations

import time
from collections.abc import Callable


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
