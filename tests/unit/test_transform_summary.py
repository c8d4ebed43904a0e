"""Unit tests of toggl_warehouse.transform.summary.flatten_summary.

Covers: a list-shaped and a map-shaped ``sub_groups`` give the same rows; every field mapped, with exact
values; null group and sub-group ids become 0 and id-less sub-groups (sub-grouping by time entries) are keyed
by the md5 of their title; a map key gives the id (or, when not numeric, the title); sub-groups with one
identity are merged; numbers as strings; the grouping from the arguments or Toggl's default; ``names``
joined; empty and null input; columns and dtypes; malformed groups refused.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest

from toggl_warehouse.transform.summary import SUMMARY_COLUMNS, flatten_summary

START, END = date(2026, 3, 2), date(2026, 3, 8)
KEY = {"report_key": "team", "window_start": START, "window_end": END, "grouping": "projects",
       "sub_grouping": "users"}


def md5(text: str) -> str:
    return "md5:" + hashlib.md5(text.encode("utf-8")).hexdigest()


def groups(sub_groups_of) -> list[dict[str, Any]]:
    """Two groups (a project and 'no project'), sub-grouped by users, in the shape `sub_groups_of` builds."""
    return [
        {"id": 1001, "ids": [], "names": ["Website"], "project_color": "#06aaf5", "project_hex_color": "#06aaf5",
         "sub_groups": sub_groups_of([{"id": 7, "title": "Ada", "seconds": 3600, "ids": [11, 12]},
                                      {"id": 8, "title": "Bob", "seconds": 1800, "ids": [13]}])},
        {"id": None, "ids": [], "names": [], "project_color": None, "project_hex_color": None,
         "sub_groups": sub_groups_of([{"id": 7, "title": "Ada", "seconds": 600, "ids": [14]}])},
    ]


EXPECTED = [
    {**KEY, "group_id": 1001, "group_name": "Website", "sub_group_key": "id:7", "sub_group_id": 7,
     "sub_group_title": "Ada", "project_color": "#06aaf5", "project_hex_color": "#06aaf5", "seconds": 3600,
     "rates": [], "time_entry_ids": [11, 12]},
    {**KEY, "group_id": 1001, "group_name": "Website", "sub_group_key": "id:8", "sub_group_id": 8,
     "sub_group_title": "Bob", "project_color": "#06aaf5", "project_hex_color": "#06aaf5", "seconds": 1800,
     "rates": [], "time_entry_ids": [13]},
    {**KEY, "group_id": 0, "group_name": None, "sub_group_key": "id:7", "sub_group_id": 7,
     "sub_group_title": "Ada", "project_color": None, "project_hex_color": None, "seconds": 600,
     "rates": [], "time_entry_ids": [14]},
]


def test_list_shaped_sub_groups() -> None:
    frame = flatten_summary(groups(list), "team", START, END, grouping="projects", sub_grouping="users")

    assert frame.to_dict("records") == EXPECTED


def test_map_shaped_sub_groups_keyed_by_id_give_the_same_rows() -> None:
    as_map = flatten_summary(groups(lambda subs: {str(s["id"]): s for s in subs}), "team", START, END,
                             grouping="projects", sub_grouping="users")
    # ... also when the elements do not repeat their id.
    without_ids = flatten_summary(
        groups(lambda subs: {str(s["id"]): {k: v for k, v in s.items() if k != "id"} for s in subs}),
        "team", START, END, grouping="projects", sub_grouping="users",
    )

    assert as_map.to_dict("records") == EXPECTED
    assert without_ids.to_dict("records") == EXPECTED


def test_time_entry_sub_groups_without_ids_are_keyed_by_their_title() -> None:
    data = [{"id": 1001, "names": ["Website"], "sub_groups": [
        {"id": None, "title": "Standup", "seconds": 900, "ids": [1]},
        {"id": None, "title": "Code review", "seconds": 1200, "ids": [2, 3]},
        {"id": None, "title": None, "seconds": 60, "ids": [4]},
    ]}]

    frame = flatten_summary(data, "team", START, END, grouping="projects", sub_grouping="time_entries")

    assert frame[["group_id", "sub_group_key", "sub_group_id", "sub_group_title", "seconds", "time_entry_ids"]].to_dict(
        "records") == [
        {"group_id": 1001, "sub_group_key": md5("Standup"), "sub_group_id": 0, "sub_group_title": "Standup",
         "seconds": 900, "time_entry_ids": [1]},
        {"group_id": 1001, "sub_group_key": md5("Code review"), "sub_group_id": 0, "sub_group_title": "Code review",
         "seconds": 1200, "time_entry_ids": [2, 3]},
        {"group_id": 1001, "sub_group_key": md5(""), "sub_group_id": 0, "sub_group_title": None,
         "seconds": 60, "time_entry_ids": [4]},
    ]
    assert frame["sub_grouping"].tolist() == ["time_entries"] * 3


def test_a_non_numeric_map_key_is_the_title_of_an_id_less_sub_group() -> None:
    data = [{"id": 5, "sub_groups": {"Standup": {"seconds": "900"}, "null": {"title": "x", "seconds": 1}}}]

    frame = flatten_summary(data, "team", START, END)

    assert frame[["sub_group_key", "sub_group_id", "sub_group_title", "seconds"]].to_dict("records") == [
        {"sub_group_key": md5("Standup"), "sub_group_id": 0, "sub_group_title": "Standup", "seconds": 900},
        {"sub_group_key": md5("x"), "sub_group_id": 0, "sub_group_title": "x", "seconds": 1},
    ]


def test_sub_groups_with_one_identity_are_merged() -> None:
    rate_a = {"hourly_rate_in_cents": 5000, "currency": "USD", "billable_seconds": 3600}
    rate_b = {"hourly_rate_in_cents": 7000, "currency": "USD", "billable_seconds": 600}
    data = [{"id": 1, "sub_groups": [
        {"id": 7, "title": "Ada", "seconds": 3600, "ids": [1], "rates": [rate_a]},
        {"id": 7, "title": "Ada", "seconds": 600, "ids": [2], "rates": [rate_b]},
    ]}]

    [row] = flatten_summary(data, "team", START, END).to_dict("records")

    assert (row["seconds"], row["time_entry_ids"], row["rates"]) == (4200, [1, 2], [rate_a, rate_b])


def test_numbers_as_strings_and_missing_values() -> None:
    data = [{"id": "1001", "names": ["Website", "ACME"], "sub_groups": [
        {"id": "7", "title": "Ada", "seconds": "3600", "ids": ["11", None]},
        {"id": 8, "title": "Bob"},
    ]}]

    frame = flatten_summary(data, "team", START, END)

    assert frame[["group_id", "group_name", "sub_group_id", "seconds", "time_entry_ids"]].to_dict("records") == [
        {"group_id": 1001, "group_name": "Website, ACME", "sub_group_id": 7, "seconds": 3600, "time_entry_ids": [11]},
        {"group_id": 1001, "group_name": "Website, ACME", "sub_group_id": 8, "seconds": 0, "time_entry_ids": []},
    ]
    assert frame["grouping"].tolist() == ["projects", "projects"]  # Toggl's defaults
    assert frame["sub_grouping"].tolist() == ["time_entries", "time_entries"]


def test_a_group_title_names_the_group_without_names() -> None:
    frame = flatten_summary([{"id": 3, "title": "Ada", "sub_groups": [{"id": 1, "seconds": 5}]}], "t", START, END)
    assert frame["group_name"].tolist() == ["Ada"]


@pytest.mark.parametrize("empty", [None, [], [{"id": 1, "sub_groups": None}], [{"id": 1, "sub_groups": {}}]])
def test_no_groups_give_an_empty_frame_with_the_columns(empty) -> None:
    frame = flatten_summary(empty, "team", START, END)

    assert frame.empty and tuple(frame.columns) == SUMMARY_COLUMNS


def test_columns_and_dtypes() -> None:
    frame = flatten_summary(groups(list), "team", START, END)

    assert tuple(frame.columns) == SUMMARY_COLUMNS
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == {
        **{name: "object" for name in SUMMARY_COLUMNS}, "group_id": "int64", "sub_group_id": "int64", "seconds": "int64",
    }
    assert isinstance(frame["window_start"][0], date)


@pytest.mark.parametrize("bad", [[1], [{"id": 1, "sub_groups": [3]}], [{"id": 1, "sub_groups": [{"seconds": 1.5}]}]])
def test_malformed_groups_are_refused(bad) -> None:
    with pytest.raises(ValueError):
        flatten_summary(bad, "team", START, END)
