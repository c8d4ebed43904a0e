"""Unit tests of toggl_warehouse.transform.detailed.time_entry_records, column by column (the rows as a frame
of plain Python values, so each column can be asserted on its own; the exact tuples and their Python types
are in test_transform_detailed_records.py).

Covers: every field of the seed's detailed row and of its time_entries (at_tz accepted and ignored,
row_number ignored) mapped to the right column; text holding None and never "nan", lists for tags; grouped rows
whose entry shares sum to the row amount exactly (100 over three, zero-second entries, all-zero seconds,
running timers with stop null and with negative seconds); pages mixing rows of 1..n entries (row fields land
on the right entries); entry_date as the local date written in start (crossing midnight with +01:00, -05:00
and +09:00, DST changes in Berlin and New York); null project/task/client/user; unicode, quotes and newlines
in descriptions; tag lists; project_hex_color fallback; missing amounts; rows without entries; empty input;
and the errors for malformed entries.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import date
from typing import Any

import pandas as pd
import pytest

from toggl_warehouse.transform.detailed import DETAILED_COLUMNS, time_entry_records


def ts(text: str) -> pd.Timestamp:
    """An expected UTC instant."""
    return pd.Timestamp(text).tz_convert("UTC")


SEED_ROW: dict[str, Any] = {
    "billable": True,
    "billable_amount_in_cents": 12500,
    "client_name": "Acme Corp",
    "currency": "EUR",
    "description": "Homepage mockups",
    "email": "ann.lee@example.com",
    "hourly_rate_in_cents": 5000,
    "project_color": "#2da608",
    "project_hex": "#2DA608",
    "project_id": 2001,
    "project_name": "Website relaunch",
    "row_number": 1,
    "tag_ids": [11, 12],
    "tag_names": ["design", "urgent"],
    "task_id": 3001,
    "task_name": "Mockups",
    "time_entries": [
        {
            "at": "2026-03-02T10:30:05+00:00",
            "at_tz": "2026-03-02T11:30:05+01:00",
            "id": 9001,
            "seconds": 9000,
            "start": "2026-03-02T09:00:00+01:00",
            "stop": "2026-03-02T11:30:00+01:00",
        }
    ],
    "user_id": 101,
    "username": "Ann Lee",
}

TEXT_COLUMNS = ("report_key", "username", "email", "project_name", "project_color", "project_hex", "client_name",
                "task_name", "description", "currency")


def flatten_time_entries(rows: list[dict[str, Any]], report_key: str, **options: Any) -> pd.DataFrame:
    """The records of `rows` as a frame of object columns (the values exactly as the records hold them)."""
    records = time_entry_records(rows, report_key, **options).rows
    return pd.DataFrame({name: pd.Series([record[i] for record in records], dtype=object)
                         for i, name in enumerate(DETAILED_COLUMNS)})


def nullable(series: pd.Series) -> list[Any]:
    """The values of a nullable column with every missing value as None."""
    return [None if pd.isna(value) else value for value in series]


def row(entries: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A seed-shaped detailed row with the given time entries and overridden fields."""
    return {**deepcopy(SEED_ROW), **fields, "time_entries": entries}


def entry(entry_id: int, seconds: int | None, start: str, stop: str | None, **fields: Any) -> dict[str, Any]:
    """A seed-shaped time entry."""
    return {"id": entry_id, "seconds": seconds, "start": start, "stop": stop, "at": "2026-03-05T12:00:00Z",
            "at_tz": "2026-03-05T13:00:00+01:00", **fields}


def test_seed_row_maps_every_field() -> None:
    frame = flatten_time_entries([deepcopy(SEED_ROW)], "client-hours")

    assert frame.to_dict("records") == [
        {
            "report_key": "client-hours",
            "time_entry_id": 9001,
            "entry_date": date(2026, 3, 2),
            "start_at": ts("2026-03-02T08:00:00Z"),
            "stop_at": ts("2026-03-02T10:30:00Z"),
            "seconds": 9000,
            "is_running": False,
            "updated_at": ts("2026-03-02T10:30:05Z"),
            "user_id": 101,
            "username": "Ann Lee",
            "email": "ann.lee@example.com",
            "project_id": 2001,
            "project_name": "Website relaunch",
            "project_color": "#2da608",
            "project_hex": "#2DA608",
            "client_name": "Acme Corp",
            "task_id": 3001,
            "task_name": "Mockups",
            "description": "Homepage mockups",
            "billable": True,
            "tag_ids": [11, 12],
            "tag_names": ["design", "urgent"],
            "hourly_rate_in_cents": 5000,
            "currency": "EUR",
            "row_billable_amount_in_cents": 12500,
            "billable_amount_in_cents": 12500,
            "utc_offset_seconds": 3600,
            "stop_utc_offset_seconds": 3600,
        }
    ]


def test_rows_without_time_entries_produce_nothing() -> None:
    rows = [row([]), row(None), {k: v for k, v in SEED_ROW.items() if k != "time_entries"}, deepcopy(SEED_ROW)]

    frame = flatten_time_entries(rows, "r")

    assert frame["time_entry_id"].tolist() == [9001]


def test_input_is_not_mutated() -> None:
    rows = [row([entry(1, 60, "2026-03-02T09:00:00Z", None), entry(2, -60, "2026-03-02T10:00:00Z", None)],
                tag_ids=None, billable_amount_in_cents=None)]
    before = deepcopy(rows)

    flatten_time_entries(rows, "r")

    assert rows == before


@pytest.mark.parametrize(
    ("amount", "entries", "expected_shares", "expected_seconds", "expected_running"),
    [
        pytest.param(
            100,
            [
                entry(1, 3600, "2026-03-02T09:00:00+01:00", "2026-03-02T10:00:00+01:00"),
                entry(2, 3600, "2026-03-02T10:00:00+01:00", "2026-03-02T11:00:00+01:00"),
                entry(3, 3600, "2026-03-02T11:00:00+01:00", "2026-03-02T12:00:00+01:00"),
            ],
            [34, 33, 33],
            [3600, 3600, 3600],
            [False, False, False],
            id="100-cents-over-three-equal",
        ),
        pytest.param(
            1000,
            [
                entry(1, 3600, "2026-03-02T09:00:00+01:00", "2026-03-02T10:00:00+01:00"),
                entry(2, 0, "2026-03-02T10:00:00+01:00", "2026-03-02T10:00:00+01:00"),
                entry(3, 1800, "2026-03-02T11:00:00+01:00", "2026-03-02T11:30:00+01:00"),
            ],
            [667, 0, 333],
            [3600, 0, 1800],
            [False, False, False],
            id="zero-second-entry",
        ),
        pytest.param(
            100,
            [
                entry(1, 0, "2026-03-02T09:00:00+01:00", "2026-03-02T09:00:00+01:00"),
                entry(2, 0, "2026-03-02T10:00:00+01:00", "2026-03-02T10:00:00+01:00"),
                entry(3, 0, "2026-03-02T11:00:00+01:00", "2026-03-02T11:00:00+01:00"),
            ],
            [34, 33, 33],
            [0, 0, 0],
            [False, False, False],
            id="all-zero-seconds-split-equally",
        ),
        pytest.param(
            500,
            [
                entry(1, 1800, "2026-03-02T09:00:00+01:00", "2026-03-02T09:30:00+01:00"),
                entry(2, -1772440200, "2026-03-02T09:30:00+01:00", None),
            ],
            [500, 0],
            [1800, 0],
            [False, True],
            id="running-timer-negative-seconds-stop-null",
        ),
        pytest.param(
            301,
            [
                entry(1, 600, "2026-03-02T09:00:00+01:00", "2026-03-02T09:10:00+01:00"),
                entry(2, 1200, "2026-03-02T09:30:00+01:00", None),
            ],
            [100, 201],
            [600, 1200],
            [False, True],
            id="running-timer-stop-null-positive-seconds",
        ),
        pytest.param(
            -100,
            [
                entry(1, 60, "2026-03-02T09:00:00+01:00", "2026-03-02T09:01:00+01:00"),
                entry(2, 60, "2026-03-02T09:01:00+01:00", "2026-03-02T09:02:00+01:00"),
                entry(3, 60, "2026-03-02T09:02:00+01:00", "2026-03-02T09:03:00+01:00"),
            ],
            [-34, -33, -33],
            [60, 60, 60],
            [False, False, False],
            id="negative-amount",
        ),
    ],
)
def test_grouped_row_shares_sum_to_row_amount(
    amount: int,
    entries: list[dict[str, Any]],
    expected_shares: list[int],
    expected_seconds: list[int],
    expected_running: list[bool],
) -> None:
    frame = flatten_time_entries([row(entries, billable_amount_in_cents=amount)], "r")

    assert frame["billable_amount_in_cents"].tolist() == expected_shares
    assert sum(expected_shares) == amount
    assert frame["row_billable_amount_in_cents"].tolist() == [amount] * len(entries)
    assert frame["seconds"].tolist() == expected_seconds
    assert frame["is_running"].tolist() == expected_running
    assert frame["stop_at"].isna().tolist() == [e["stop"] is None for e in entries]


def test_negative_seconds_with_a_stop_still_counts_as_running() -> None:
    frame = flatten_time_entries(
        [row([entry(1, -5, "2026-03-02T09:00:00+01:00", "2026-03-02T09:00:00+01:00")])], "r"
    )

    assert frame["seconds"].tolist() == [0]
    assert frame["is_running"].tolist() == [True]
    assert frame["stop_at"].tolist() == [ts("2026-03-02T08:00:00Z")]


@pytest.mark.parametrize(
    "amount_field", [pytest.param({}, id="missing"), pytest.param({"billable_amount_in_cents": None}, id="null")]
)
def test_a_missing_or_null_amount_is_null_not_zero(amount_field: dict[str, Any]) -> None:
    source = row([entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z"),
                  entry(2, 60, "2026-03-02T09:01:00Z", "2026-03-02T09:02:00Z")])
    del source["billable_amount_in_cents"]
    source.update(amount_field)

    frame = flatten_time_entries([source], "r")

    assert frame["row_billable_amount_in_cents"].isna().tolist() == [True, True]
    assert frame["billable_amount_in_cents"].isna().tolist() == [True, True]


def test_page_mixing_row_sizes_puts_row_fields_on_their_entries() -> None:
    rows = [
        row([entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z"),
             entry(2, 120, "2026-03-02T10:00:00Z", "2026-03-02T10:02:00Z")],
            username="Ann", user_id=1, project_id=None, tag_ids=[1], tag_names=["a"], billable_amount_in_cents=10),
        row([entry(3, 60, "2026-03-03T09:00:00Z", "2026-03-03T09:01:00Z")],
            username="Bob", user_id=2, project_id=7, tag_ids=None, tag_names=None, billable_amount_in_cents=5,
            billable=False),
        row([entry(4, 1, "2026-03-04T09:00:00Z", "2026-03-04T09:00:01Z"),
             entry(5, 1, "2026-03-04T10:00:00Z", "2026-03-04T10:00:01Z"),
             entry(6, 1, "2026-03-04T11:00:00Z", "2026-03-04T11:00:01Z")],
            username="Cy", user_id=None, project_id=8, tag_ids=[3, 4], tag_names=["c", "d"],
            billable_amount_in_cents=4),
    ]

    frame = flatten_time_entries(rows, "r")

    assert frame["time_entry_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["username"].tolist() == ["Ann", "Ann", "Bob", "Cy", "Cy", "Cy"]
    assert nullable(frame["user_id"]) == [1, 1, 2, None, None, None]
    assert nullable(frame["project_id"]) == [None, None, 7, 8, 8, 8]
    assert frame["billable"].tolist() == [True, True, False, True, True, True]
    assert frame["tag_ids"].tolist() == [[1], [1], [], [3, 4], [3, 4], [3, 4]]
    assert frame["tag_names"].tolist() == [["a"], ["a"], [], ["c", "d"], ["c", "d"], ["c", "d"]]
    assert frame["row_billable_amount_in_cents"].tolist() == [10, 10, 5, 4, 4, 4]
    assert frame["billable_amount_in_cents"].tolist() == [3, 7, 5, 2, 1, 1]
    assert frame["entry_date"].tolist() == [date(2026, 3, 2)] * 2 + [date(2026, 3, 3)] + [date(2026, 3, 4)] * 3


@pytest.mark.parametrize(
    ("start", "stop", "seconds", "entry_date", "start_utc", "stop_utc", "offsets"),
    [
        pytest.param("2026-03-01T23:30:00+01:00", "2026-03-02T00:30:00+01:00", 3600, date(2026, 3, 1),
                     "2026-03-01T22:30:00Z", "2026-03-01T23:30:00Z", (3600, 3600), id="plus-one-late-evening-crosses-midnight"),
        pytest.param("2026-03-01T21:00:00-05:00", "2026-03-01T23:00:00-05:00", 7200, date(2026, 3, 1),
                     "2026-03-02T02:00:00Z", "2026-03-02T04:00:00Z", (-18000, -18000), id="minus-five-utc-is-next-day"),
        pytest.param("2026-03-02T07:00:00+09:00", "2026-03-02T08:00:00+09:00", 3600, date(2026, 3, 2),
                     "2026-03-01T22:00:00Z", "2026-03-01T23:00:00Z", (32400, 32400), id="plus-nine-utc-is-previous-day"),
        pytest.param("2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00", 3600, date(2026, 3, 29),
                     "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", (3600, 7200), id="berlin-spring-forward"),
        pytest.param("2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", 3600, date(2026, 11, 1),
                     "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", (-14400, -18000), id="new-york-fall-back"),
        pytest.param("2026-03-02T09:15:30.250Z", "2026-03-02T09:16:00Z", 29, date(2026, 3, 2),
                     "2026-03-02T09:15:30.250Z", "2026-03-02T09:16:00Z", (0, 0), id="zulu-fractional-seconds"),
    ],
)
def test_entry_date_is_the_local_date_written_in_start(
    start: str, stop: str, seconds: int, entry_date: date, start_utc: str, stop_utc: str, offsets: tuple[int, int]
) -> None:
    frame = flatten_time_entries([row([entry(1, seconds, start, stop)])], "r")

    assert frame["entry_date"].tolist() == [entry_date]
    assert frame["start_at"].tolist() == [ts(start_utc)]
    assert frame["stop_at"].tolist() == [ts(stop_utc)]
    assert frame["seconds"].tolist() == [seconds]
    assert (frame["utc_offset_seconds"].iloc[0], frame["stop_utc_offset_seconds"].iloc[0]) == offsets


def test_updated_at_comes_from_at_and_at_tz_is_ignored() -> None:
    frame = flatten_time_entries(
        [row([entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z",
                    at="2026-03-04T18:00:00-05:00", at_tz="1999-01-01T00:00:00+00:00"),
              entry(2, 60, "2026-03-02T10:00:00Z", "2026-03-02T10:01:00Z", at=None)])],
        "r",
    )

    assert frame["updated_at"].iloc[0] == ts("2026-03-04T23:00:00Z")
    assert pd.isna(frame["updated_at"].iloc[1])


def test_null_project_task_client_and_user() -> None:
    source = row(
        [entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z")],
        project_id=None, project_name=None, project_color=None, project_hex=None, client_name=None,
        task_id=None, task_name=None, user_id=None, hourly_rate_in_cents=None, currency=None,
        description=None, email=None, username=None, billable=None,
    )

    record = flatten_time_entries([source], "r").to_dict("records")[0]

    for name in ("project_id", "task_id", "user_id", "hourly_rate_in_cents"):
        assert record[name] is None, name
    for name in ("project_name", "project_color", "project_hex", "client_name", "task_name", "currency",
                 "description", "email", "username"):
        assert record[name] is None, name
    assert record["billable"] is False


def test_missing_fields_are_null_not_nan_text() -> None:
    frame = flatten_time_entries([{"time_entries": [entry(1, 60, "2026-03-02T09:00:00Z", None)]}], "r")

    for name in TEXT_COLUMNS:
        values = frame[name].tolist()
        assert "nan" not in values and "None" not in values, name
    assert frame["description"].tolist() == [None]
    assert frame["project_id"].isna().tolist() == [True]
    assert frame["tag_ids"].tolist() == [[]]
    assert frame["tag_names"].tolist() == [[]]


@pytest.mark.parametrize(
    "description",
    [
        'Café ☕ "quoted" and \'single\' — naïve 日本語 🚀',
        "first line\nsecond line\r\n\ttabbed \\ backslash",
        "",
        "   leading and trailing spaces   ",
        "nan",
        "NULL",
    ],
)
def test_description_is_kept_verbatim(description: str) -> None:
    frame = flatten_time_entries(
        [row([entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z")], description=description)], "r"
    )

    assert frame["description"].tolist() == [description]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"project_hex": "#AA0000"}, "#AA0000", id="project_hex"),
        pytest.param({"project_hex": None, "project_hex_color": "#00BB00"}, "#00BB00", id="weekly-style-fallback"),
        pytest.param({"project_hex": "#AA0000", "project_hex_color": "#00BB00"}, "#AA0000", id="project_hex-wins"),
    ],
)
def test_project_hex_with_weekly_style_fallback(fields: dict[str, Any], expected: str) -> None:
    source = row([entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z")], **fields)
    if "project_hex" not in fields:
        del source["project_hex"]

    frame = flatten_time_entries([source], "r")

    assert frame["project_hex"].tolist() == [expected]


@pytest.mark.parametrize(
    ("bad_entry", "message"),
    [
        pytest.param({"seconds": 60, "start": "2026-03-02T09:00:00Z", "stop": None}, "'id'", id="no-id"),
        pytest.param({"id": 1, "seconds": 60, "stop": None}, "'start'", id="no-start"),
        pytest.param({"id": 1, "seconds": 60, "start": "03/02/2026 09:00", "stop": None}, "YYYY-MM-DD",
                     id="start-not-iso"),
        pytest.param({"id": 1, "seconds": 60, "start": "2026-03-02T09:00:00Z", "stop": "later"}, "'stop'",
                     id="stop-not-iso"),
    ],
)
def test_malformed_entries_raise(bad_entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        flatten_time_entries([row([bad_entry])], "r")
