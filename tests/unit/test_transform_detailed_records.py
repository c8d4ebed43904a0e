"""Unit tests of toggl_warehouse.transform.detailed.time_entry_records (the COPY-ready form of a detailed page).

Covers: the seed row as one exact tuple in DETAILED_COLUMNS order with COPY-ready Python types (int, str,
bool, datetime.date, timezone-aware datetime keeping the string's offset, lists); the sums (seconds, cents
to the cent, rows per entry_date); hidden amounts as None; running timers (stop null, negative seconds);
grouped rows whose shares sum to the row amount; null amounts as None; names a row lacks taken from the
response's dictionaries (tag_names aligned with tag_ids); the error messages of malformed entries; and, on a
varied synthetic page, every value of a COPY-ready type and the sums agreeing with the rows.
"""

from __future__ import annotations

import random
from copy import deepcopy
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from toggl_warehouse.transform.detailed import DETAILED_COLUMNS, time_entry_records
from tests.unit.test_transform_detailed import SEED_ROW, entry, row

PLUS_ONE = timezone(timedelta(hours=1))


def column(records: list[tuple], name: str) -> list[Any]:
    """One column of the records."""
    position = DETAILED_COLUMNS.index(name)
    return [record[position] for record in records]


def test_seed_row_is_one_exact_tuple() -> None:
    result = time_entry_records([deepcopy(SEED_ROW)], "client-hours")

    assert result.rows == [
        (
            "client-hours", 9001, date(2026, 3, 2),
            datetime(2026, 3, 2, 9, 0, tzinfo=PLUS_ONE), datetime(2026, 3, 2, 11, 30, tzinfo=PLUS_ONE),
            9000, False, datetime(2026, 3, 2, 10, 30, 5, tzinfo=timezone.utc),
            101, "Ann Lee", "ann.lee@example.com", 2001, "Website relaunch", "#2da608", "#2DA608", "Acme Corp",
            3001, "Mockups", "Homepage mockups", True, [11, 12], ["design", "urgent"], 5000, "EUR", 12500, 12500,
            3600, 3600,
        )
    ]
    assert result.seconds == 9000
    assert result.billable_amount_in_cents == 12500
    assert result.rows_by_date == {date(2026, 3, 2): 1}


def test_values_are_copy_ready_python_types() -> None:
    (record,) = time_entry_records([deepcopy(SEED_ROW)], "r").rows
    values = dict(zip(DETAILED_COLUMNS, record))

    assert len(record) == len(DETAILED_COLUMNS)
    for name in ("time_entry_id", "seconds", "user_id", "project_id", "task_id", "hourly_rate_in_cents",
                 "row_billable_amount_in_cents", "billable_amount_in_cents"):
        assert type(values[name]) is int, name
    for name in ("is_running", "billable"):
        assert type(values[name]) is bool, name
    assert type(values["entry_date"]) is date
    for name in ("start_at", "stop_at", "updated_at"):
        assert type(values[name]) is datetime and values[name].tzinfo is not None, name
    assert values["start_at"].utcoffset() == timedelta(hours=1)  # the string's own offset is kept
    assert type(values["tag_ids"]) is list and type(values["tag_names"]) is list


def test_sums_and_rows_by_date_over_a_page() -> None:
    rows = [
        row([entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z"),
             entry(2, 120, "2026-03-01T23:30:00-05:00", "2026-03-01T23:32:00-05:00")], billable_amount_in_cents=10),
        row([entry(3, 3600, "2026-03-03T00:30:00+01:00", "2026-03-03T01:30:00+01:00")],
            billable_amount_in_cents="7"),
        row([entry(4, -1772440200, "2026-03-03T09:00:00Z", None)], billable_amount_in_cents=None),
        row([]),
    ]

    result = time_entry_records(rows, "r")

    assert column(result.rows, "time_entry_id") == [1, 2, 3, 4]
    assert result.seconds == 60 + 120 + 3600 + 0
    assert result.billable_amount_in_cents == 17
    assert column(result.rows, "billable_amount_in_cents")[3] is None  # null stays null: unpriced is not free
    assert sum(column(result.rows, "billable_amount_in_cents")[:3]) == 17
    assert result.rows_by_date == {date(2026, 3, 2): 1, date(2026, 3, 1): 1, date(2026, 3, 3): 2}
    assert column(result.rows, "row_billable_amount_in_cents") == [10, 10, 7, None]


def test_hidden_amounts_are_none() -> None:
    rows = [row([entry(1, 3600, "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"),
                 entry(2, 1800, "2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z")], billable_amount_in_cents=12345),
            row([entry(3, 60, "2026-03-02T11:00:00Z", "2026-03-02T11:01:00Z")], billable_amount_in_cents="x")]

    result = time_entry_records(rows, "r", amounts_hidden=True)

    assert result.billable_amount_in_cents is None
    assert column(result.rows, "row_billable_amount_in_cents") == [None, None, None]
    assert column(result.rows, "billable_amount_in_cents") == [None, None, None]
    assert column(result.rows, "hourly_rate_in_cents") == [5000, 5000, 5000]
    assert result.seconds == 5460


@pytest.mark.parametrize(
    ("entries", "expected_seconds", "expected_running", "expected_stop"),
    [
        pytest.param([entry(1, -1772440200, "2026-03-02T09:30:00+01:00", None)], [0], [True], [None],
                     id="negative-seconds-stop-null"),
        pytest.param([entry(1, 1200, "2026-03-02T09:30:00+01:00", None)], [1200], [True], [None],
                     id="stop-null-positive-seconds"),
        pytest.param([entry(1, -5, "2026-03-02T09:00:00+01:00", "2026-03-02T09:00:00+01:00")], [0], [True],
                     [datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)], id="negative-seconds-with-stop"),
    ],
)
def test_running_timers(
    entries: list[dict[str, Any]], expected_seconds: list[int], expected_running: list[bool],
    expected_stop: list[datetime | None],
) -> None:
    result = time_entry_records([row(entries)], "r")

    assert column(result.rows, "seconds") == expected_seconds
    assert column(result.rows, "is_running") == expected_running
    assert column(result.rows, "stop_at") == expected_stop
    assert result.seconds == sum(expected_seconds)


@pytest.mark.parametrize(
    ("amount", "seconds", "expected_shares"),
    [
        pytest.param(100, [3600, 3600, 3600], [34, 33, 33], id="100-over-three"),
        pytest.param(1000, [3600, 0, 1800], [667, 0, 333], id="zero-second-entry"),
        pytest.param(100, [0, 0, 0], [34, 33, 33], id="all-zero-seconds"),
        pytest.param(500, [1800, -1772440200], [500, 0], id="running-timer-weighs-nothing"),
        pytest.param(-100, [60, 60, 60], [-34, -33, -33], id="negative-amount"),
        pytest.param(0, [60, 120], [0, 0], id="zero-amount"),
        pytest.param("301", [600, 1200], [100, 201], id="amount-as-text"),
    ],
)
def test_grouped_row_shares_sum_to_row_amount(amount: Any, seconds: list[int], expected_shares: list[int]) -> None:
    entries = [entry(i, value, f"2026-03-02T0{i}:00:00+01:00", f"2026-03-02T0{i}:10:00+01:00")
               for i, value in enumerate(seconds, start=1)]

    result = time_entry_records([row(entries, billable_amount_in_cents=amount)], "r")

    assert column(result.rows, "billable_amount_in_cents") == expected_shares
    assert sum(expected_shares) == int(amount)
    assert column(result.rows, "row_billable_amount_in_cents") == [int(amount)] * len(seconds)
    assert result.billable_amount_in_cents == int(amount)


def test_row_fields_fall_back_and_null_as_documented() -> None:
    source = row([entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z", at=None)],
                 project_hex=None, project_hex_color="#00BB00", billable=None, tag_ids=None, tag_names=None,
                 project_id=None, description=None)

    values = dict(zip(DETAILED_COLUMNS, time_entry_records([source], "r").rows[0]))

    assert values["project_hex"] == "#00BB00"
    assert values["billable"] is False
    assert values["tag_ids"] == [] and values["tag_names"] == []
    assert values["project_id"] is None and values["description"] is None
    assert values["updated_at"] is None


def test_a_row_with_only_time_entries() -> None:
    (record,) = time_entry_records([{"time_entries": [entry(1, 60, "2026-03-02T09:00:00", None)]}], "r").rows
    values = dict(zip(DETAILED_COLUMNS, record))

    assert values["start_at"] == datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # no offset: read as UTC
    assert values["user_id"] is None and values["username"] is None and values["currency"] is None
    assert values["row_billable_amount_in_cents"] is None and values["billable_amount_in_cents"] is None


def test_input_is_not_mutated() -> None:
    rows = [row([entry(1, 60, "2026-03-02T09:00:00Z", None), entry(2, -60, "2026-03-02T10:00:00Z", None)],
                tag_ids=None, billable_amount_in_cents=None)]
    before = deepcopy(rows)

    time_entry_records(rows, "r")

    assert rows == before


@pytest.mark.parametrize(
    ("bad_entry", "message"),
    [
        pytest.param({"seconds": 60, "start": "2026-03-02T09:00:00Z", "stop": None},
                     "time entry without 'id' at position 1 of the page", id="no-id"),
        pytest.param({"id": 1, "seconds": 60, "stop": None}, "time entry without 'start' at position 1 of the page",
                     id="no-start"),
        pytest.param({"id": 1, "seconds": 60, "start": "03/02/2026 09:00", "stop": None},
                     "a time entry start does not begin with a YYYY-MM-DD date", id="start-not-iso"),
        pytest.param({"id": 1, "seconds": 60, "start": "20260302T090000Z", "stop": None},
                     "a time entry start does not begin with a YYYY-MM-DD date", id="start-basic-format"),
        pytest.param({"id": 1, "seconds": 60, "start": "2026-W10-1T09:00:00Z", "stop": None},
                     "a time entry start does not begin with a YYYY-MM-DD date", id="start-week-date"),
        pytest.param({"id": 1, "seconds": 60, "start": 20260302, "stop": None},
                     "a time entry start does not begin with a YYYY-MM-DD date", id="start-not-text"),
        pytest.param({"id": 1, "seconds": 60, "start": "2026-03-02Tnine", "stop": None},
                     "a time entry 'start' is not an ISO 8601 timestamp", id="start-time-not-iso"),
        pytest.param({"id": 1, "seconds": 60, "start": "2026-03-02T09:00:00Z", "stop": "later"},
                     "a time entry 'stop' is not an ISO 8601 timestamp", id="stop-not-iso"),
        pytest.param({"id": 1, "seconds": 60, "start": "2026-03-02T09:00:00Z", "stop": None, "at": "soon"},
                     "a time entry 'at' is not an ISO 8601 timestamp", id="at-not-iso"),
    ],
)
def test_malformed_entries_raise(bad_entry: dict[str, Any], message: str) -> None:
    rows = [row([entry(9, 60, "2026-03-02T08:00:00Z", None), bad_entry])]

    with pytest.raises(ValueError, match=message):
        time_entry_records(rows, "r")


def test_a_missing_id_is_named_before_a_missing_start() -> None:
    rows = [row([{"id": 1, "seconds": 60, "stop": None}]),
            row([{"seconds": 60, "start": "2026-03-02T09:00:00Z", "stop": None}])]

    with pytest.raises(ValueError, match="without 'id' at position 1"):
        time_entry_records(rows, "r")


def test_an_amount_that_is_not_an_integer_raises() -> None:
    with pytest.raises(ValueError, match="fraction"):
        time_entry_records([row([entry(1, 60, "2026-03-02T09:00:00Z", None)], billable_amount_in_cents=1.5)], "r")


def varied_page(seed: int = 3, rows: int = 300) -> list[dict[str, Any]]:
    """Seed-shaped rows of 1..4 entries mixing offsets, running timers, nulls and amounts as text."""
    rng = random.Random(seed)
    offsets = ["Z", "+00:00", "+01:00", "-05:00", "+05:30", "+09:00", ""]
    page: list[dict[str, Any]] = []
    entry_id = 1
    for number in range(rows):
        entries = []
        for _ in range(rng.randint(1, 4)):
            day = rng.randint(1, 28)
            hour = rng.randint(0, 23)
            offset = rng.choice(offsets)
            seconds = rng.choice([0, 60, 1800, 3600, 7201, -1772440200])
            start = f"2026-02-{day:02d}T{hour:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
            if rng.random() < 0.2:
                start += f".{rng.randint(0, 999999):06d}"
            stop = None if seconds < 0 or rng.random() < 0.05 else f"2026-02-{day:02d}T23:59:59{offset}"
            entries.append(entry(entry_id, seconds, start + offset, stop,
                                 at=None if rng.random() < 0.05 else f"2026-03-0{rng.randint(1, 9)}T12:00:00{offset}"))
            entry_id += 1
        fields: dict[str, Any] = {
            "billable_amount_in_cents": rng.choice([None, 0, 1, 99, 12345, "250", -17]),
            "billable": rng.choice([True, False, None]),
            "tag_ids": rng.choice([None, [], [1, 2]]),
            "tag_names": rng.choice([None, [], ["a", "b"]]),
            "project_id": rng.choice([None, 2001]),
            "user_id": rng.choice([None, 101]),
            "task_id": rng.choice([None, 3001]),
            "hourly_rate_in_cents": rng.choice([None, 5000]),
            "description": rng.choice([None, "", "nan", "Café ☕ \"x\"\nline"]),
            "client_name": rng.choice([None, "Acme"]),
            "project_hex": rng.choice([None, "#AA0000"]),
            "project_hex_color": "#00BB00",
            "row_number": number + 1,
        }
        page.append(row(entries, **fields))
    return page


COPY_TYPES = {
    "report_key": {str}, "time_entry_id": {int}, "entry_date": {date}, "start_at": {datetime},
    "stop_at": {datetime, type(None)}, "seconds": {int}, "is_running": {bool}, "updated_at": {datetime, type(None)},
    "billable": {bool}, "tag_ids": {list}, "tag_names": {list},
}
"""The Python types a column's values may have on the varied page; every other column: int, str or None."""


@pytest.mark.parametrize("amounts_hidden", [False, True])
def test_a_varied_page_gives_copy_ready_values_and_sums_that_agree_with_its_rows(amounts_hidden: bool) -> None:
    result = time_entry_records(varied_page(), "r", amounts_hidden=amounts_hidden)

    assert len(result.rows) > 600
    for record in result.rows:
        for name, value in zip(DETAILED_COLUMNS, record):
            assert type(value) in COPY_TYPES.get(name, {int, str, type(None)}), (name, record[1], value)
        assert record[3].tzinfo is not None and (record[4] is None or record[4].tzinfo is not None)
    values = {name: [record[i] for record in result.rows] for i, name in enumerate(DETAILED_COLUMNS)}
    assert result.seconds == sum(values["seconds"])
    if amounts_hidden:
        assert result.billable_amount_in_cents is None
        assert set(values["billable_amount_in_cents"]) == set(values["row_billable_amount_in_cents"]) == {None}
    else:
        assert result.billable_amount_in_cents == sum(v for v in values["billable_amount_in_cents"] if v is not None)
    days = values["entry_date"]
    assert result.rows_by_date == {day: days.count(day) for day in set(days)}


SWAGGER_DICTIONARIES = {
    "users": {"11": {"id": 11, "name": "Zoë", "email": "zoe@example.com", "group_ids": [3], "labour_cost": 4250}},
    "projects": {"501": {"id": 501, "name": "Relaunch", "client_id": 61, "color": "#06aaf5", "currency": "USD",
                         "fixed_fee": None, "estimated_seconds": 3600}},
    "clients": {"61": {"id": 61, "name": "Acme GmbH", "external_reference": None}},
    "tasks": {"7001": {"id": 7001, "name": "Design", "estimated_seconds": None, "tracked_seconds": 60}},
    "tags": {"9001": {"id": 9001, "name": "café"}, "9002": {"id": 9002, "name": "remote"}},
}


def test_a_row_with_ids_only_takes_every_name_from_the_dictionaries() -> None:
    source = {"user_id": 11, "username": "Zoë", "project_id": 501, "task_id": 7001, "billable": True,
              "description": "x", "tag_ids": [9002, 9001, 9999], "billable_amount_in_cents": None,
              "hourly_rate_in_cents": None, "currency": "USD", "row_number": 1,
              "time_entries": [entry(1, 60, "2026-03-02T09:00:00+13:00", "2026-03-02T09:01:00+13:00")]}

    (record,) = time_entry_records([source], "r", dictionaries=SWAGGER_DICTIONARIES).rows
    values = dict(zip(DETAILED_COLUMNS, record))

    assert (values["username"], values["email"], values["project_name"], values["project_color"],
            values["client_name"], values["task_name"]) == ("Zoë", "zoe@example.com", "Relaunch", "#06aaf5",
                                                             "Acme GmbH", "Design")
    assert values["tag_ids"] == [9002, 9001, 9999] and values["tag_names"] == ["remote", "café", None]
    assert values["billable_amount_in_cents"] is None and values["hourly_rate_in_cents"] is None
    assert values["entry_date"] == date(2026, 3, 2)


def test_names_the_row_carries_are_kept_over_the_dictionaries() -> None:
    source = row([entry(1, 60, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z")], project_id=501,
                 project_name="As served", tag_ids=[9001], tag_names=["served tag"])

    (record,) = time_entry_records([source], "r", dictionaries=SWAGGER_DICTIONARIES).rows
    values = dict(zip(DETAILED_COLUMNS, record))

    assert values["project_name"] == "As served" and values["tag_names"] == ["served tag"]


def test_offsets_are_those_written_in_start_and_stop_and_none_without_one() -> None:
    result = time_entry_records([row([
        entry(1, 3600, "2026-03-02T23:30:00-09:30", "2026-03-03T00:30:00-09:30"),
        entry(2, 60, "2026-03-02T09:00:00", None),
    ])], "r")

    assert column(result.rows, "utc_offset_seconds") == [-34200, None]
    assert column(result.rows, "stop_utc_offset_seconds") == [-34200, None]
