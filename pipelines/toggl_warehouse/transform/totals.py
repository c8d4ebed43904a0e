"""Report totals flattening: this module owns turning the ``totals`` object of a report response (detailed,
summary or weekly alike) for one fetched window into three DataFrames with the columns of
``toggl.report_totals`` (one row), ``toggl.report_totals_graph`` (one row per graph bucket, with the date
the bucket starts) and ``toggl.report_rates`` (one row per hourly rate and currency), each minus
``loaded_at``. No I/O.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import pandas as pd

from toggl_warehouse.dates import PERIOD_RESOLUTIONS, next_period, period_start
from toggl_warehouse.transform.amounts import to_int
from toggl_warehouse.transform.frames import frame
from toggl_warehouse.warehouse import tables

TOTALS_COLUMNS: tuple[str, ...] = tables.REPORT_TOTALS.column_names
"""Columns of ``toggl.report_totals`` minus ``loaded_at``, in table order, as declared in ``warehouse.tables``."""

GRAPH_COLUMNS: tuple[str, ...] = tables.REPORT_TOTALS_GRAPH.column_names
"""Columns of ``toggl.report_totals_graph`` minus ``loaded_at``, in table order, as declared in ``warehouse.tables``."""

RATES_COLUMNS: tuple[str, ...] = tables.REPORT_RATES.column_names
"""Columns of ``toggl.report_rates`` minus ``loaded_at``, in table order, as declared in ``warehouse.tables``."""

_AMOUNTS = ("billable_amount_in_cents", "labour_cost_in_cents")
_HIDDEN = ("billable_amount_in_cents",)
"""What ``hide_amounts`` hides: the billable amount. Labour cost, which Toggl still sends, is kept."""
_MEASURES = ("seconds", *_AMOUNTS)


class TotalsFrames(NamedTuple):
    """The three tables flattened from one window's totals."""

    totals: pd.DataFrame
    graph: pd.DataFrame
    rates: pd.DataFrame


def flatten_totals(
    totals: dict[str, Any] | None,
    report_key: str,
    window_start: date,
    window_end: date,
    *,
    amounts_hidden: bool = False,
) -> TotalsFrames:
    """Flatten a report's ``totals`` object for one fetched window.

    ``totals`` gets exactly one row. ``graph`` gets one row per element of ``totals["graph"]``, numbered from
    0, whose ``bucket_start`` follows the resolution: ``day`` -> ``window_start`` + i days; ``week`` -> the
    Monday on or before ``window_start`` + 7·i days; ``month`` -> the first of ``window_start``'s month + i
    months. ``by_rate`` stays a Python dict (``{}`` when null). ``rates`` gets one row per rate and currency
    (a null currency becomes ``""``; repeated rate/currency pairs are summed so the key stays unique).
    Missing numbers become 0; numbers given as strings are accepted. With ``amounts_hidden`` (the response's
    ``hide_amounts``) the billable amount of the totals and of every graph bucket is ``pd.NA`` and
    ``by_rate`` (amounts per rate) is ``{}``; every figure Toggl still sends is kept: seconds, the rates'
    billable seconds and the labour cost (``pd.NA`` when Toggl sends it null or not at all).

    Dtypes: integer measures int64, the two money columns nullable Int64; ``window_start``/``window_end``/``bucket_start`` object holding
    ``datetime.date``; ``resolution``/``currency``/``report_key`` object holding ``str`` (``resolution`` may
    be ``None``); ``by_rate`` object holding dicts.

    Args:
        totals: The ``totals`` object as decoded from JSON (``None`` is read as empty).
        report_key: Name of the shared report.
        window_start: First date of the fetched window.
        window_end: Last date of the fetched window (inclusive).
        amounts_hidden: True when the response hides its amounts.

    Returns:
        ``TotalsFrames(totals, graph, rates)`` with the columns :data:`TOTALS_COLUMNS`,
        :data:`GRAPH_COLUMNS` and :data:`RATES_COLUMNS`.

    Raises:
        ValueError: The graph has buckets but the resolution is not day, week or month; or a number is
            not an integer.
    """
    totals = totals or {}
    key = {"report_key": report_key, "window_start": window_start, "window_end": window_end}
    resolution = totals.get("resolution")
    totals_row = {
        **key,
        "resolution": resolution,
        **_measures(totals, amounts_hidden),
        "tracked_days": to_int(totals.get("tracked_days")),
    }
    graph = totals.get("graph") or []
    starts = bucket_starts(resolution, window_start, len(graph)) if graph else []
    graph_rows = [
        {
            **key,
            "bucket_index": index,
            "bucket_start": start,
            **_measures(bucket, amounts_hidden),
            "by_rate": {} if amounts_hidden else dict(bucket.get("by_rate") or {}),
        }
        for index, (bucket, start) in enumerate(zip(graph, starts))
    ]
    rate_rows = [{**key, **rate} for rate in _rates(totals.get("rates") or [])]
    return TotalsFrames(
        totals=_frame([totals_row], tables.REPORT_TOTALS),
        graph=_frame(graph_rows, tables.REPORT_TOTALS_GRAPH),
        rates=_frame(rate_rows, tables.REPORT_RATES),
    )


def bucket_starts(resolution: str | None, window_start: date, count: int) -> list[date]:
    """The first date of each of ``count`` graph buckets of a window, by resolution.

    Args:
        resolution: ``"day"``, ``"week"`` or ``"month"`` (case-insensitive).
        window_start: First date of the window.
        count: Number of buckets.

    Returns:
        ``count`` dates: consecutive days from ``window_start``; consecutive Mondays from the Monday on or
        before it; or consecutive firsts of the month from ``window_start``'s month.

    Raises:
        ValueError: ``resolution`` is none of the three.
    """
    kind = (resolution or "").strip().lower()
    if kind in PERIOD_RESOLUTIONS:
        starts, cursor = [], period_start(window_start, kind)
        for _ in range(count):
            starts.append(cursor)
            cursor = next_period(cursor, kind)
        return starts
    raise ValueError(f"unknown totals graph resolution {resolution!r}; expected day, week or month")


def _measures(source: dict[str, Any], amounts_hidden: bool) -> dict[str, Any]:
    """Seconds, billable amount and labour cost of a totals object or graph bucket (missing -> 0; with hidden
    amounts, the billable amount and a labour cost not sent -> ``pd.NA``)."""
    measures: dict[str, Any] = {name: to_int(source.get(name)) for name in _MEASURES}
    if amounts_hidden:
        measures.update(dict.fromkeys(_HIDDEN, pd.NA))
        if source.get("labour_cost_in_cents") is None:  # not sent: unknown, not 0
            measures["labour_cost_in_cents"] = pd.NA
    return measures


def _rates(rates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rate rows keyed by (rate, currency), in first-seen order; repeated keys have their seconds summed."""
    merged: dict[tuple[int, str], int] = {}
    for rate in rates:
        key = (to_int(rate.get("hourly_rate_in_cents")), rate.get("currency") or "")
        merged[key] = merged.get(key, 0) + to_int(rate.get("billable_seconds"))
    return [
        {"hourly_rate_in_cents": hourly, "currency": currency, "billable_seconds": seconds}
        for (hourly, currency), seconds in merged.items()
    ]


def _frame(rows: list[dict[str, Any]], spec: tables.TableSpec) -> pd.DataFrame:
    """Build a frame with exactly ``spec``'s columns, of their declared dtypes."""
    return frame(spec, {name: [row[name] for row in rows] for name in spec.column_names})
