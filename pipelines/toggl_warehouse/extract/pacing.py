"""Helpers that keep a fetch moving: the next page is requested while the current one is landed, progress is
reported every few seconds rather than once per page (each Dagster log line is a stored event), and Python's
cyclic garbage collector is paused while pages stream through.
"""

from __future__ import annotations

import gc
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


def fetch_ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Iterate `items` in a background thread, at most `depth` items ahead of the consumer.

    Items and the exception that ends the iteration arrive in order, so a page is always handed over
    before the error that followed it. When the consumer stops early (an error while landing), the
    producer stops at its next hand-over.
    """
    handed: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(handed, (item, None), stop):
                    return
            _put(handed, (_DONE, None), stop)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer, in order
            _put(handed, (_DONE, exc), stop)

    producer = threading.Thread(target=produce, name="toggl-fetch-ahead", daemon=True)
    producer.start()
    try:
        while True:
            item, error = handed.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        producer.join(timeout=1)


def _put(handed: queue.Queue, entry: tuple[Any, BaseException | None], stop: threading.Event) -> bool:
    """Hand `entry` over unless the consumer stopped; False when it did."""
    while not stop.is_set():
        try:
            handed.put(entry, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


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

    A decoded page is about a hundred thousand small dicts and lists; allocating them keeps triggering
    collections that rescan every live object of the process (Dagster's included), which measured ~40% of
    the time of parsing a page. Pages hold no reference cycles — reference counting frees each one as soon
    as it is staged — so nothing accumulates while the collector waits.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
