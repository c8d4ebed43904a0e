"""Unit tests of toggl_warehouse.extract.pacing: `Every` says yes at most once per interval."""

from __future__ import annotations

from toggl_warehouse.extract.pacing import Every


def test_every_says_yes_once_per_interval() -> None:
    now = [0.0]
    every = Every(10, clock=lambda: now[0])
    answers = []
    for moment in (0, 3, 9.9, 10, 15, 20.5):
        now[0] = moment
        answers.append(every())
    assert answers == [True, False, False, True, False, True]
