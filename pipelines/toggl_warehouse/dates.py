"""Date helpers: range chunks (client windows, backfill chunks) and Toggl's day / week / month periods."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PERIOD_RESOLUTIONS = ("day", "week", "month")


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


def period_start(day: date, resolution: str) -> date:
    """First day of the period holding `day`: the day itself, the Monday of its week, the 1st of its month."""
    if resolution == "week":
        return day - timedelta(days=day.weekday())
    if resolution == "month":
        return day.replace(day=1)
    if resolution == "day":
        return day
    raise ValueError(f"unknown resolution {resolution!r}; expected one of {', '.join(PERIOD_RESOLUTIONS)}")


def period_end(start: date, resolution: str) -> date:
    """Last day of the period that begins on `start`."""
    return next_period(start, resolution) - timedelta(days=1)


def next_period(start: date, resolution: str) -> date:
    """First day of the period after the one beginning on `start`."""
    if resolution == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    if resolution == "week":
        return start + timedelta(days=7)
    return start + timedelta(days=1)


def period_starts(start: date, end: date, resolution: str) -> list[date]:
    """First day of every period intersecting [start, end]."""
    starts, cursor = [], period_start(start, resolution)
    while cursor <= end:
        starts.append(cursor)
        cursor = next_period(cursor, resolution)
    return starts
