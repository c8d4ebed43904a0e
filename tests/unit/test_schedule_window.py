"""The daily run's dates: yesterday and the trailing days, and once a month the whole previous month."""

from __future__ import annotations

from datetime import date

import pytest

from toggl_warehouse.schedules import trailing_window
from toggl_warehouse.settings import Settings


@pytest.mark.parametrize(("today", "trailing", "window"), [
    (date(2026, 3, 7), 7, (date(2026, 2, 27), date(2026, 3, 6))),
    (date(2026, 3, 8), 7, (date(2026, 2, 1), date(2026, 3, 7))),  # Feb 28 is in the window for the last time
    (date(2026, 3, 9), 7, (date(2026, 3, 1), date(2026, 3, 8))),
    (date(2026, 1, 8), 7, (date(2025, 12, 1), date(2026, 1, 7))),
    (date(2026, 4, 1), 0, (date(2026, 3, 1), date(2026, 3, 31))),
    (date(2026, 4, 2), 0, (date(2026, 4, 1), date(2026, 4, 1))),
])
def test_the_daily_window_settles_the_previous_month_once(today, trailing, window):
    settings = Settings(trailing_days=trailing, start_date=date(2025, 1, 1))
    assert trailing_window(today, settings) == window


def test_the_window_never_starts_before_the_start_date():
    settings = Settings(trailing_days=7, start_date=date(2026, 2, 10))
    assert trailing_window(date(2026, 3, 8), settings) == (date(2026, 2, 10), date(2026, 3, 7))
