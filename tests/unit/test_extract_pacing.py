"""Unit tests of toggl_warehouse.extract.pacing: fetch-ahead keeps order and hands an error over after the items
before it, stops its producer when the consumer stops; `Every` says yes at most once per interval."""

from __future__ import annotations

import threading

import pytest

from toggl_warehouse.extract.pacing import Every, fetch_ahead


def test_items_and_then_the_error_arrive_in_order() -> None:
    def pages():
        yield 1
        yield 2
        raise ValueError("page 3 is malformed")

    received = []
    with pytest.raises(ValueError, match="page 3 is malformed"):
        for page in fetch_ahead(pages()):
            received.append(page)
    assert received == [1, 2]


def test_the_producer_stays_at_most_depth_items_ahead_and_stops_with_the_consumer() -> None:
    produced: list[int] = []
    finished = threading.Event()

    def pages():
        try:
            for number in range(100):
                produced.append(number)
                yield number
        finally:
            finished.set()

    iterator = fetch_ahead(pages(), depth=2)
    assert next(iterator) == 0
    iterator.close()  # the consumer failed while landing page 0
    assert finished.wait(timeout=2)
    assert len(produced) <= 1 + 2 + 1  # the one consumed, the queue, and the one waiting to be handed over


def test_every_says_yes_once_per_interval() -> None:
    now = [0.0]
    every = Every(10, clock=lambda: now[0])
    answers = []
    for moment in (0, 3, 9.9, 10, 15, 20.5):
        now[0] = moment
        answers.append(every())
    assert answers == [True, False, False, True, False, True]
