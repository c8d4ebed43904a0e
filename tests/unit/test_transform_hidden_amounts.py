"""Unit tests of hidden amounts: a shared report saved with ``hide_amounts: true``.

Covers: ``amounts_hidden`` reading the response flag (true, false, missing, "true" text, None body); every
flattener given ``amounts_hidden=True`` returning ``pd.NA`` or None (never 0) for every money column whatever Toggl
served in it (0, null, absent, a real number), while seconds, rates and keys are kept; visible amounts unchanged
and still nullable Int64; weekly days emitted by their seconds alone; summary rate money nulled.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from toggl_warehouse.transform.amounts import amounts_hidden
from toggl_warehouse.transform.detailed import time_entry_records
from toggl_warehouse.transform.summary import flatten_summary
from toggl_warehouse.transform.totals import flatten_totals
from toggl_warehouse.transform.weekly import flatten_weekly

MONDAY, SUNDAY = date(2026, 3, 2), date(2026, 3, 8)
SERVED_AMOUNTS = [0, None, "absent", 12345]
"""What Toggl might put in a hidden amount; which one it does is undocumented."""


def _with_amount(record: dict, key: str, served: object) -> dict:
    record = dict(record)
    if served == "absent":
        record.pop(key, None)
    else:
        record[key] = served
    return record


def _entry(entry_id: int, seconds: int) -> dict:
    return {"id": entry_id, "seconds": seconds, "start": "2026-03-02T09:00:00+01:00",
            "stop": "2026-03-02T10:00:00+01:00", "at": "2026-03-02T10:00:00+00:00"}


def _detailed_row(served: object) -> dict:
    row = {"user_id": 1, "billable": True, "hourly_rate_in_cents": 5000, "currency": "EUR",
           "billable_amount_in_cents": 0, "time_entries": [_entry(1, 3600), _entry(2, 1800)]}
    return _with_amount(row, "billable_amount_in_cents", served)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"hide_amounts": True}, True),
        ({"hide_amounts": "true"}, True),
        ({"hide_amounts": False}, False),
        ({"hide_amounts": None}, False),
        ({}, False),
        (None, False),
    ],
)
def test_amounts_hidden_reads_the_response_flag(body, expected) -> None:
    assert amounts_hidden(body) is expected


@pytest.mark.parametrize("served", SERVED_AMOUNTS)
def test_detailed_hidden_amounts_are_none(served) -> None:
    records = time_entry_records([_detailed_row(served)], "r", amounts_hidden=True)

    assert [(r[24], r[25], r[5], r[22]) for r in records.rows] == [(None, None, 3600, 5000), (None, None, 1800, 5000)]
    assert records.billable_amount_in_cents is None


def test_detailed_visible_amounts_are_split_as_before() -> None:
    records = time_entry_records([_detailed_row(100)], "r")

    assert [(r[24], r[25]) for r in records.rows] == [(100, 67), (100, 33)]
    assert records.billable_amount_in_cents == 100


@pytest.mark.parametrize("served", SERVED_AMOUNTS)
def test_totals_and_graph_hidden_billable_money_is_na_and_labour_cost_is_kept(served) -> None:
    bucket = _with_amount({"seconds": 60, "labour_cost_in_cents": 7, "by_rate": {"5000": 12}},
                          "billable_amount_in_cents", served)
    totals = {**_with_amount({"seconds": 60, "labour_cost_in_cents": 7, "resolution": "day"},
                             "billable_amount_in_cents", served),
              "graph": [bucket], "rates": [{"billable_seconds": 60, "hourly_rate_in_cents": 5000, "currency": "EUR"}]}

    frames = flatten_totals(totals, "r", MONDAY, MONDAY, amounts_hidden=True)

    for frame in (frames.totals, frames.graph):
        assert frame["billable_amount_in_cents"].isna().all()
        assert frame["labour_cost_in_cents"].tolist() == [7]  # Toggl still sends it: kept
        assert frame["seconds"].tolist() == [60]
    assert frames.graph["by_rate"].tolist() == [{}]
    assert frames.rates["billable_seconds"].tolist() == [60]


def test_totals_visible_money_is_kept() -> None:
    frames = flatten_totals({"seconds": 60, "billable_amount_in_cents": 5, "resolution": "day"}, "r", MONDAY, MONDAY)

    assert frames.totals["billable_amount_in_cents"].tolist() == [5]
    assert frames.totals["labour_cost_in_cents"].tolist() == [0]


@pytest.mark.parametrize("served", [[0] * 7, None, [None] * 7, [500, 0, 0, 0, 0, 0, 0]])
def test_weekly_hidden_amounts_are_na_and_days_follow_seconds(served) -> None:
    row = {"user_id": 1, "project_id": 2, "hourly_rate_in_cents": 5000, "currency": "EUR",
           "seconds": [3600, 0, 0, 0, 0, 0, 0], "billable_seconds": [0, 1800, 0, 0, 0, 0, 0],
           "billable_amounts_in_cents": served}

    frame = flatten_weekly([row], "w", MONDAY, SUNDAY, amounts_hidden=True)

    assert frame["day"].tolist() == [MONDAY, date(2026, 3, 3)]
    assert str(frame["billable_amount_in_cents"].dtype) == "Int64"
    assert frame["billable_amount_in_cents"].isna().all()
    assert frame["seconds"].tolist() == [3600, 0]


def test_summary_hidden_rate_money_is_null() -> None:
    groups = [{"id": 7, "names": ["P"], "sub_groups": [
        {"id": None, "title": "work", "seconds": 60,
         "rates": [{"hourly_rate_in_cents": 5000, "billable_seconds": 60, "billable_amount_in_cents": 0}]}]}]

    frame = flatten_summary(groups, "s", MONDAY, SUNDAY, amounts_hidden=True)

    assert frame["rates"].tolist() == [[{"hourly_rate_in_cents": 5000, "billable_seconds": 60,
                                         "billable_amount_in_cents": None}]]
    assert frame["seconds"].tolist() == [60]
    assert groups[0]["sub_groups"][0]["rates"][0]["billable_amount_in_cents"] == 0  # input untouched


def test_empty_hidden_frames_keep_nullable_dtypes() -> None:
    assert str(flatten_weekly([], "w", MONDAY, SUNDAY, amounts_hidden=True)["billable_amount_in_cents"].dtype) == "Int64"
    assert pd.isna(flatten_totals({}, "r", MONDAY, MONDAY, amounts_hidden=True).totals.loc[0, "labour_cost_in_cents"])
