"""Unit tests of toggl_warehouse.transform.weekly.flatten_weekly (and int_array).

Covers: every field of the seed's weekly row mapped, with exact values; ``day`` = window start + array
index; elements beyond the window's end ignored (a shorter window still gets 7 elements); days without
time or money not emitted; arrays as JSON arrays of numbers or strings, as a JSON string, as comma-separated
text (with braces, nulls); null ids in ``row_key``; rows with one identity merged day by day; empty input;
columns and dtypes; unreadable arrays refused.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from toggl_warehouse.transform.weekly import WEEKLY_COLUMNS, flatten_weekly, int_array

MONDAY, SUNDAY = date(2026, 3, 23), date(2026, 3, 29)


def row(**overrides: Any) -> dict[str, Any]:
    """A weekly row with every field of the seed (arrays typed as strings there)."""
    return {
        "user_id": 42, "user_name": "Ada Lovelace", "project_id": 1001, "project_name": "Website",
        "client_name": "ACME", "project_color": "#06aaf5", "project_hex_color": "#06aaf5", "planned_task_id": None,
        "hourly_rate_in_cents": 5000, "currency": "USD",
        "seconds": [3600, 0, 1800, 0, 0, 0, 60],
        "billable_seconds": [3600, 0, 0, 0, 0, 0, 60],
        "billable_amounts_in_cents": [5000, 0, 0, 0, 0, 0, 83],
        **overrides,
    }


IDENTITY = {
    "report_key": "weekly", "row_key": "42|1001||5000|USD", "user_id": 42, "user_name": "Ada Lovelace",
    "project_id": 1001, "project_name": "Website", "client_name": "ACME", "project_color": "#06aaf5",
    "project_hex_color": "#06aaf5", "planned_task_id": None, "hourly_rate_in_cents": 5000, "currency": "USD",
}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, with pandas' NA as None."""
    return [{k: (None if v is pd.NA else v) for k, v in r.items()} for r in frame.to_dict("records")]


def test_a_week_row_becomes_one_row_per_day_with_time() -> None:
    frame = flatten_weekly([row()], "weekly", MONDAY, SUNDAY)

    assert records(frame) == [
        {**IDENTITY, "day": date(2026, 3, 23), "seconds": 3600, "billable_seconds": 3600, "billable_amount_in_cents": 5000},
        {**IDENTITY, "day": date(2026, 3, 25), "seconds": 1800, "billable_seconds": 0, "billable_amount_in_cents": 0},
        {**IDENTITY, "day": date(2026, 3, 29), "seconds": 60, "billable_seconds": 60, "billable_amount_in_cents": 83},
    ]


def test_the_day_is_the_window_start_plus_the_index_and_elements_past_the_end_are_ignored() -> None:
    # A 3-day window starting on a Thursday: Toggl still sends 7 elements; the last four are not ours.
    start = date(2026, 3, 26)
    frame = flatten_weekly([row(seconds=[0, 10, 20, 30, 40, 50, 60], billable_seconds=None,
                                billable_amounts_in_cents=None)], "weekly", start, date(2026, 3, 28))

    assert frame[["day", "seconds"]].to_dict("records") == [
        {"day": date(2026, 3, 27), "seconds": 10},
        {"day": date(2026, 3, 28), "seconds": 20},
    ]
    assert frame["billable_seconds"].tolist() == [0, 0]


@pytest.mark.parametrize(
    "seconds",
    [
        ["3600", "0", "1800", "0", "0", "0", "60"],
        "[3600, 0, 1800, 0, 0, 0, 60]",
        '["3600", "0", "1800", null, "0", "0", "60"]',
        "3600,0,1800,0,0,0,60",
        "{3600,0,1800,null,0,,60}",
    ],
)
def test_arrays_typed_as_strings_are_read(seconds) -> None:
    typed = flatten_weekly([row(seconds=seconds)], "weekly", MONDAY, SUNDAY)

    assert records(typed) == records(flatten_weekly([row()], "weekly", MONDAY, SUNDAY))


def test_null_ids_make_empty_key_fields() -> None:
    frame = flatten_weekly([row(user_id=None, user_name=None, project_id=None, project_name=None, client_name=None,
                                hourly_rate_in_cents=None, currency=None, planned_task_id="77")],
                           "weekly", MONDAY, SUNDAY)

    assert frame["row_key"].unique().tolist() == ["||77||"]
    first = records(frame)[0]
    assert (first["user_id"], first["project_id"], first["planned_task_id"], first["currency"]) == (None, None, 77, None)


def test_rows_are_keyed_by_user_project_task_rate_and_currency() -> None:
    rows = [row(), row(hourly_rate_in_cents=7000, seconds=[0, 0, 0, 0, 0, 0, 5], billable_seconds=[],
                       billable_amounts_in_cents=[]),
            row(user_id=43, user_name="Bob", seconds=[5], billable_seconds=[5], billable_amounts_in_cents=[7])]

    frame = flatten_weekly(rows, "weekly", MONDAY, SUNDAY)

    assert frame[["row_key", "day", "seconds"]].to_dict("records") == [
        {"row_key": "42|1001||5000|USD", "day": date(2026, 3, 23), "seconds": 3600},
        {"row_key": "42|1001||5000|USD", "day": date(2026, 3, 25), "seconds": 1800},
        {"row_key": "42|1001||5000|USD", "day": date(2026, 3, 29), "seconds": 60},
        {"row_key": "42|1001||7000|USD", "day": date(2026, 3, 29), "seconds": 5},
        {"row_key": "43|1001||5000|USD", "day": date(2026, 3, 23), "seconds": 5},
    ]


def test_rows_with_one_identity_are_summed_day_by_day() -> None:
    frame = flatten_weekly([row(), row(project_name="Renamed", seconds=[1, 0, 0, 0, 0, 0, 0],
                                       billable_seconds=[1], billable_amounts_in_cents=[2])], "weekly", MONDAY, SUNDAY)

    first = records(frame)[0]
    assert (first["day"], first["seconds"], first["billable_seconds"], first["billable_amount_in_cents"],
            first["project_name"]) == (MONDAY, 3601, 3601, 5002, "Website")
    assert len(frame) == 3


def test_a_day_with_only_an_amount_is_kept() -> None:
    frame = flatten_weekly([row(seconds=[0], billable_seconds=[0], billable_amounts_in_cents=[-300])],
                           "weekly", MONDAY, SUNDAY)
    assert frame["billable_amount_in_cents"].tolist() == [-300]


@pytest.mark.parametrize("empty", [None, [], [row(seconds=None, billable_seconds=None, billable_amounts_in_cents=None)]])
def test_no_time_gives_an_empty_frame_with_the_columns(empty) -> None:
    frame = flatten_weekly(empty, "weekly", MONDAY, SUNDAY)

    assert frame.empty and tuple(frame.columns) == WEEKLY_COLUMNS


def test_columns_and_dtypes() -> None:
    frame = flatten_weekly([row()], "weekly", MONDAY, SUNDAY)

    assert tuple(frame.columns) == WEEKLY_COLUMNS
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == {
        **{name: "object" for name in WEEKLY_COLUMNS},
        **{name: "Int64" for name in ("user_id", "project_id", "planned_task_id", "hourly_rate_in_cents")},
        **{name: "int64" for name in ("seconds", "billable_seconds")},
        "billable_amount_in_cents": "Int64",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), ([], []), ("", []), ("{}", []), ([1, "2", None, " 3 "], [1, 2, 0, 3]), ("[1,2]", [1, 2]), ("4, 5", [4, 5])],
)
def test_int_array(value, expected) -> None:
    assert int_array(value, "seconds") == expected


@pytest.mark.parametrize("bad", ["[1,", "a,b", {"0": 1}, 12, [1.5]])
def test_unreadable_arrays_are_refused_naming_the_field(bad) -> None:
    with pytest.raises(ValueError, match="seconds"):
        int_array(bad, "seconds")


def test_a_malformed_row_is_refused() -> None:
    with pytest.raises(ValueError):
        flatten_weekly([["not", "an", "object"]], "weekly", MONDAY, SUNDAY)
    with pytest.raises(ValueError, match="user_id"):
        flatten_weekly([row(user_id="abc")], "weekly", MONDAY, SUNDAY)


def test_a_row_without_a_rate_is_unpriced_null_not_zero() -> None:
    unpriced = {"user_id": 1, "project_id": None, "hourly_rate_in_cents": None, "currency": "USD",
                "seconds": [3600, 1800, 0, 0, 0, 0, 0], "billable_seconds": [3600, 0, 0, 0, 0, 0, 0],
                "billable_amounts_in_cents": [0, 0, 0, 0, 0, 0, 0]}
    priced = {**unpriced, "project_id": 2, "hourly_rate_in_cents": 5000, "billable_amounts_in_cents": [5000, 0, 0, 0, 0, 0, 0]}

    frame = flatten_weekly([unpriced, unpriced, priced], "w", MONDAY, SUNDAY)

    assert frame["row_key"].tolist() == ["1||||USD", "1||||USD", "1|2||5000|USD", "1|2||5000|USD"]
    assert frame["seconds"].tolist() == [7200, 3600, 3600, 1800]  # the two unpriced rows merged day by day
    assert frame["billable_amount_in_cents"].isna().tolist() == [True, True, False, False]
    assert frame["billable_amount_in_cents"].tolist()[2:] == [5000, 0]
