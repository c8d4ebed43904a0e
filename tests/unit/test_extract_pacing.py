"""Unit tests of toggl_warehouse.extract.pacing: `Every` says yes at most once per interval; `collector_paused`
pauses the garbage collector for its block and restores it as it was, also after an error."""

from __future__ import annotations

import gc

import pytest

from toggl_warehouse.extract.pacing import Every, collector_paused


def test_every_says_yes_once_per_interval() -> None:
    now = [0.0]
    every = Every(10, clock=lambda: now[0])
    answers = []
    for moment in (0, 3, 9.9, 10, 15, 20.5):
        now[0] = moment
        answers.append(every())
    assert answers == [True, False, False, True, False, True]


def test_the_collector_is_paused_in_the_block_and_restored_after_it() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError, match="a page"), collector_paused():
        raise ValueError("a page")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before, so it stays off
    finally:
        gc.enable()
