"""Date-range helpers shared by the client (request windows) and the backfill (run chunks)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def date_chunks(start: date, end: date, max_days: int) -> Iterator[tuple[date, date]]:
    """Cut [start, end] into consecutive inclusive windows of at most `max_days` days."""
    if end < start:
        raise ValueError(f"the date range {start}..{end} ends before it starts")
    if max_days < 1:
        raise ValueError("a window must span at least one day")
    cursor = start
    while cursor <= end:
        window_end = min(end, cursor + timedelta(days=max_days - 1))
        yield cursor, window_end
        cursor = window_end + timedelta(days=1)


def yesterday(timezone: str) -> date:
    """Yesterday's date in `timezone`: the last complete day, and so the last daily partition."""
    return datetime.now(ZoneInfo(timezone)).date() - timedelta(days=1)
