"""Unit tests of toggl_warehouse.transform.totals.flatten_totals (and bucket_starts).

Covers: every field of the seed's totals, graph and rates objects; one totals row per window; graph
bucket_index and bucket_start for day, week (Monday on/before the window start, also when it is a Monday or a
Sunday) and month resolutions (across a year end), resolution case-insensitive; by_rate kept as a dict ({}
when null or missing); rates with a null currency as "" and repeated rate/currency pairs summed; numbers
given as strings; missing fields as 0; a null/empty totals object; an unknown resolution; columns and dtypes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from toggl_warehouse.transform.totals import (
    GRAPH_COLUMNS,
    RATES_COLUMNS,
    TOTALS_COLUMNS,
    bucket_starts,
    flatten_totals,
)

START = date(2026, 3, 1)
END = date(2026, 3, 3)
KEY = {"report_key": "client-hours", "window_start": START, "window_end": END}

SEED_TOTALS: dict[str, Any] = {
    "billable_amount_in_cents": 45000,
    "graph": [
        {"billable_amount_in_cents": 20000, "by_rate": {"5000": 14400}, "labour_cost_in_cents": 9000,
         "seconds": 18000},
        {"billable_amount_in_cents": 0, "by_rate": None, "labour_cost_in_cents": 0, "seconds": 0},
        {"billable_amount_in_cents": 25000, "by_rate": {"5000": 10800, "10000": 3600}, "labour_cost_in_cents": 11000,
         "seconds": 16200},
    ],
    "labour_cost_in_cents": 20000,
    "rates": [
        {"billable_seconds": 25200, "currency": "EUR", "hourly_rate_in_cents": 5000},
        {"billable_seconds": 3600, "currency": "EUR", "hourly_rate_in_cents": 10000},
    ],
    "resolution": "day",
    "seconds": 34200,
    "tracked_days": 2,
}


def test_seed_totals_map_every_field() -> None:
    frames = flatten_totals(SEED_TOTALS, "client-hours", START, END)

    assert frames.totals.to_dict("records") == [
        {**KEY, "resolution": "day", "seconds": 34200, "billable_amount_in_cents": 45000,
         "labour_cost_in_cents": 20000, "tracked_days": 2}
    ]
    assert frames.graph.to_dict("records") == [
        {**KEY, "bucket_index": 0, "bucket_start": date(2026, 3, 1), "seconds": 18000,
         "billable_amount_in_cents": 20000, "labour_cost_in_cents": 9000, "by_rate": {"5000": 14400}},
        {**KEY, "bucket_index": 1, "bucket_start": date(2026, 3, 2), "seconds": 0,
         "billable_amount_in_cents": 0, "labour_cost_in_cents": 0, "by_rate": {}},
        {**KEY, "bucket_index": 2, "bucket_start": date(2026, 3, 3), "seconds": 16200,
         "billable_amount_in_cents": 25000, "labour_cost_in_cents": 11000,
         "by_rate": {"5000": 10800, "10000": 3600}},
    ]
    assert frames.rates.to_dict("records") == [
        {**KEY, "hourly_rate_in_cents": 5000, "currency": "EUR", "billable_seconds": 25200},
        {**KEY, "hourly_rate_in_cents": 10000, "currency": "EUR", "billable_seconds": 3600},
    ]


def test_columns_and_dtypes() -> None:
    frames = flatten_totals(SEED_TOTALS, "r", START, END)

    assert tuple(frames.totals.columns) == TOTALS_COLUMNS
    assert tuple(frames.graph.columns) == GRAPH_COLUMNS
    assert tuple(frames.rates.columns) == RATES_COLUMNS
    assert {k: str(v) for k, v in frames.totals.dtypes.items()} == {
        "report_key": "object", "window_start": "object", "window_end": "object", "resolution": "object",
        "seconds": "int64", "billable_amount_in_cents": "Int64", "labour_cost_in_cents": "Int64",
        "tracked_days": "int64",
    }
    assert {k: str(v) for k, v in frames.graph.dtypes.items()} == {
        "report_key": "object", "window_start": "object", "window_end": "object", "bucket_index": "int64",
        "bucket_start": "object", "seconds": "int64", "billable_amount_in_cents": "Int64",
        "labour_cost_in_cents": "Int64", "by_rate": "object",
    }
    assert {k: str(v) for k, v in frames.rates.dtypes.items()} == {
        "report_key": "object", "window_start": "object", "window_end": "object",
        "hourly_rate_in_cents": "int64", "currency": "object", "billable_seconds": "int64",
    }


@pytest.mark.parametrize(
    ("resolution", "window_start", "expected"),
    [
        pytest.param("day", date(2026, 2, 27), [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1),
                                                date(2026, 3, 2)], id="day-across-february"),
        pytest.param("week", date(2026, 3, 4), [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16),
                                                date(2026, 3, 23)], id="week-from-wednesday"),
        pytest.param("week", date(2026, 3, 2), [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16),
                                                date(2026, 3, 23)], id="week-from-monday"),
        pytest.param("week", date(2026, 1, 4), [date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12),
                                                date(2026, 1, 19)], id="week-from-sunday-across-year"),
        pytest.param("month", date(2025, 11, 15), [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1),
                                                   date(2026, 2, 1)], id="month-across-year"),
        pytest.param("month", date(2026, 1, 31), [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1),
                                                  date(2026, 4, 1)], id="month-from-the-31st"),
        pytest.param("Week", date(2026, 3, 4), [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16),
                                                date(2026, 3, 23)], id="case-insensitive"),
    ],
)
def test_graph_bucket_start_by_resolution(resolution: str, window_start: date, expected: list[date]) -> None:
    totals = {"resolution": resolution, "graph": [{"seconds": i} for i in range(4)]}

    graph = flatten_totals(totals, "r", window_start, date(2026, 12, 31)).graph

    assert graph["bucket_index"].tolist() == [0, 1, 2, 3]
    assert graph["bucket_start"].tolist() == expected
    assert graph["seconds"].tolist() == [0, 1, 2, 3]


def test_bucket_starts_zero_buckets() -> None:
    assert bucket_starts("month", START, 0) == []


def test_numbers_given_as_strings() -> None:
    totals = {
        "resolution": "day", "seconds": "7200", "billable_amount_in_cents": "10000", "labour_cost_in_cents": "0",
        "tracked_days": "1",
        "graph": [{"seconds": "7200", "billable_amount_in_cents": "10000", "labour_cost_in_cents": "250"}],
        "rates": [{"billable_seconds": "7200", "hourly_rate_in_cents": "5000", "currency": "USD"}],
    }

    frames = flatten_totals(totals, "r", START, START)

    assert frames.totals[["seconds", "billable_amount_in_cents", "labour_cost_in_cents", "tracked_days"]] \
        .to_dict("records") == [{"seconds": 7200, "billable_amount_in_cents": 10000, "labour_cost_in_cents": 0,
                                 "tracked_days": 1}]
    assert frames.graph[["seconds", "billable_amount_in_cents", "labour_cost_in_cents", "by_rate"]] \
        .to_dict("records") == [{"seconds": 7200, "billable_amount_in_cents": 10000, "labour_cost_in_cents": 250,
                                 "by_rate": {}}]
    assert frames.rates[["hourly_rate_in_cents", "currency", "billable_seconds"]].to_dict("records") == [
        {"hourly_rate_in_cents": 5000, "currency": "USD", "billable_seconds": 7200}
    ]


def test_missing_fields_are_zero() -> None:
    frames = flatten_totals({"resolution": "week", "graph": [{}], "rates": [{}]}, "r", START, END)

    assert frames.totals.to_dict("records") == [
        {**KEY, "report_key": "r", "resolution": "week", "seconds": 0, "billable_amount_in_cents": 0,
         "labour_cost_in_cents": 0, "tracked_days": 0}
    ]
    assert frames.graph.to_dict("records") == [
        {**KEY, "report_key": "r", "bucket_index": 0, "bucket_start": date(2026, 2, 23), "seconds": 0,
         "billable_amount_in_cents": 0, "labour_cost_in_cents": 0, "by_rate": {}}
    ]
    assert frames.rates.to_dict("records") == [
        {**KEY, "report_key": "r", "hourly_rate_in_cents": 0, "currency": "", "billable_seconds": 0}
    ]


@pytest.mark.parametrize("totals", [None, {}], ids=["null", "empty"])
def test_null_totals_give_one_zero_row_and_empty_graph_and_rates(totals: dict[str, Any] | None) -> None:
    frames = flatten_totals(totals, "r", START, END)

    assert frames.totals.to_dict("records") == [
        {**KEY, "report_key": "r", "resolution": None, "seconds": 0, "billable_amount_in_cents": 0,
         "labour_cost_in_cents": 0, "tracked_days": 0}
    ]
    assert len(frames.graph) == 0 and tuple(frames.graph.columns) == GRAPH_COLUMNS
    assert len(frames.rates) == 0 and tuple(frames.rates.columns) == RATES_COLUMNS
    assert str(frames.graph["seconds"].dtype) == "int64"


def test_rates_null_currency_is_empty_and_repeats_are_summed() -> None:
    rates = [
        {"billable_seconds": 100, "currency": None, "hourly_rate_in_cents": 5000},
        {"billable_seconds": 50, "currency": "USD", "hourly_rate_in_cents": 5000},
        {"billable_seconds": 25, "hourly_rate_in_cents": 5000},
        {"billable_seconds": 10, "currency": "", "hourly_rate_in_cents": 0},
    ]

    frame = flatten_totals({"rates": rates}, "r", START, END).rates

    assert frame[["hourly_rate_in_cents", "currency", "billable_seconds"]].to_dict("records") == [
        {"hourly_rate_in_cents": 5000, "currency": "", "billable_seconds": 125},
        {"hourly_rate_in_cents": 5000, "currency": "USD", "billable_seconds": 50},
        {"hourly_rate_in_cents": 0, "currency": "", "billable_seconds": 10},
    ]


def test_by_rate_is_a_copy_of_the_received_dict() -> None:
    by_rate = {"5000": 3600}
    graph = flatten_totals({"resolution": "day", "graph": [{"by_rate": by_rate}]}, "r", START, END).graph

    assert graph["by_rate"].iloc[0] == {"5000": 3600}
    assert graph["by_rate"].iloc[0] is not by_rate


@pytest.mark.parametrize("resolution", [None, "quarter", ""])
def test_unknown_resolution_with_buckets_raises(resolution: str | None) -> None:
    with pytest.raises(ValueError, match="resolution"):
        flatten_totals({"resolution": resolution, "graph": [{"seconds": 1}]}, "r", START, END)


def test_unknown_resolution_without_buckets_is_kept() -> None:
    frames = flatten_totals({"resolution": "quarter", "graph": []}, "r", START, END)

    assert frames.totals["resolution"].tolist() == ["quarter"]
    assert len(frames.graph) == 0


def test_fractional_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="fraction"):
        flatten_totals({"billable_amount_in_cents": 12.5}, "r", START, END)
