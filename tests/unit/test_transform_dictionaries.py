"""Unit tests of toggl_warehouse.transform.dictionaries.flatten_dictionaries.

Covers: all six dictionaries in Toggl's shape (objects keyed by id string) and as lists of objects; bare name
strings; the id taken from the entry's id field before the key; users' name from fullname / full_name / name;
projects' cid / hex_color and tasks' pid alternatives; attributes = the whole entry (a copy); "filters" and
unknown keys skipped; missing, null and empty dictionaries giving empty frames with the right columns; a
repeated id (last wins); an entry without a usable id; columns and dtypes (int64 keys, Int64 nullable
references, nullable booleans, text None never "nan").
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from toggl_warehouse.transform.dictionaries import DIMENSION_COLUMNS, flatten_dictionaries

TOGGL_SHAPE: dict[str, Any] = {
    "clients": {"301": {"id": 301, "name": "Acme Corp"}, "302": {"id": 302, "name": "Café Ünïcode"}},
    "projects": {
        "2001": {"id": 2001, "name": "Website relaunch", "client_id": 301, "color": "#2da608", "billable": True,
                 "active": True, "currency": "EUR", "is_private": False},
        "2002": {"id": 2002, "name": "Internal", "client_id": None, "color": "#0b83d9", "billable": False,
                 "active": False, "currency": None},
    },
    "tags": {"11": {"id": 11, "name": "design"}, "12": {"id": 12, "name": "urgent"}},
    "tasks": {"3001": {"id": 3001, "name": "Mockups", "project_id": 2001, "estimated_seconds": 7200}},
    "users": {"101": {"id": 101, "fullname": "Ann Lee", "email": "ann.lee@example.com"}},
    "user_groups": {"41": {"id": 41, "name": "Designers"}},
    "filters": {"clients": {"301": {}}, "projects": {}},
    "something_new": {"1": {"id": 1}},
}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as None."""
    return [{k: (None if not isinstance(v, dict) and pd.isna(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def test_toggl_shape_every_table() -> None:
    frames = flatten_dictionaries(TOGGL_SHAPE)

    assert set(frames) == set(DIMENSION_COLUMNS)
    assert records(frames["clients"]) == [
        {"client_id": 301, "name": "Acme Corp", "attributes": {"id": 301, "name": "Acme Corp"}},
        {"client_id": 302, "name": "Café Ünïcode", "attributes": {"id": 302, "name": "Café Ünïcode"}},
    ]
    assert records(frames["projects"]) == [
        {"project_id": 2001, "name": "Website relaunch", "client_id": 301, "color": "#2da608", "billable": True,
         "active": True, "currency": "EUR", "attributes": TOGGL_SHAPE["projects"]["2001"]},
        {"project_id": 2002, "name": "Internal", "client_id": None, "color": "#0b83d9", "billable": False,
         "active": False, "currency": None, "attributes": TOGGL_SHAPE["projects"]["2002"]},
    ]
    assert records(frames["tags"]) == [
        {"tag_id": 11, "name": "design", "attributes": {"id": 11, "name": "design"}},
        {"tag_id": 12, "name": "urgent", "attributes": {"id": 12, "name": "urgent"}},
    ]
    assert records(frames["tasks"]) == [
        {"task_id": 3001, "name": "Mockups", "project_id": 2001, "attributes": TOGGL_SHAPE["tasks"]["3001"]}
    ]
    assert records(frames["users"]) == [
        {"user_id": 101, "name": "Ann Lee", "email": "ann.lee@example.com",
         "attributes": TOGGL_SHAPE["users"]["101"]}
    ]
    assert records(frames["user_groups"]) == [
        {"user_group_id": 41, "name": "Designers", "attributes": {"id": 41, "name": "Designers"}}
    ]


def test_columns_and_dtypes() -> None:
    frames = flatten_dictionaries(TOGGL_SHAPE)

    for table, columns in DIMENSION_COLUMNS.items():
        assert tuple(frames[table].columns) == columns, table
    assert {k: str(v) for k, v in frames["projects"].dtypes.items()} == {
        "project_id": "int64", "name": "object", "client_id": "Int64", "color": "object", "billable": "boolean",
        "active": "boolean", "currency": "object", "attributes": "object",
    }
    assert {k: str(v) for k, v in frames["tasks"].dtypes.items()} == {
        "task_id": "int64", "name": "object", "project_id": "Int64", "attributes": "object",
    }
    assert {k: str(v) for k, v in frames["users"].dtypes.items()} == {
        "user_id": "int64", "name": "object", "email": "object", "attributes": "object",
    }
    assert frames["projects"]["currency"].tolist() == ["EUR", None]


def test_list_shape_and_bare_names() -> None:
    frames = flatten_dictionaries({
        "clients": [{"id": 301, "name": "Acme"}, {"id": "302", "name": "Beta"}],
        "tags": {"11": "design", "12": "urgent"},
        "users": [{"id": 5, "name": "Bo", "email": None}],
    })

    assert records(frames["clients"]) == [
        {"client_id": 301, "name": "Acme", "attributes": {"id": 301, "name": "Acme"}},
        {"client_id": 302, "name": "Beta", "attributes": {"id": "302", "name": "Beta"}},
    ]
    assert records(frames["tags"]) == [
        {"tag_id": 11, "name": "design", "attributes": {"name": "design"}},
        {"tag_id": 12, "name": "urgent", "attributes": {"name": "urgent"}},
    ]
    assert records(frames["users"]) == [{"user_id": 5, "name": "Bo", "email": None,
                                         "attributes": {"id": 5, "name": "Bo", "email": None}}]


def test_id_field_wins_over_key_and_key_is_the_fallback() -> None:
    frames = flatten_dictionaries({"clients": {"1": {"id": 99, "name": "A"}, "2": {"name": "B"}}})

    assert frames["clients"]["client_id"].tolist() == [99, 2]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"fullname": "Ann Lee", "full_name": "x", "name": "y"}, "Ann Lee"),
        ({"full_name": "Ann Lee", "name": "y"}, "Ann Lee"),
        ({"name": "Ann Lee"}, "Ann Lee"),
        ({"fullname": None, "name": "Ann Lee"}, "Ann Lee"),
        ({"email": "a@example.com"}, None),
    ],
)
def test_user_name_alternatives(entry: dict[str, Any], expected: str | None) -> None:
    frame = flatten_dictionaries({"users": {"7": entry}})["users"]

    assert frame["name"].tolist() == [expected]
    assert frame["attributes"].tolist() == [entry]


def test_project_and_task_alternative_field_names() -> None:
    frames = flatten_dictionaries({
        "projects": {"5": {"name": "P", "cid": 301, "hex_color": "#abcdef"}},
        "tasks": {"6": {"name": "T", "pid": 5}},
    })

    assert records(frames["projects"])[0] | {"attributes": None} == {
        "project_id": 5, "name": "P", "client_id": 301, "color": "#abcdef", "billable": None, "active": None,
        "currency": None, "attributes": None,
    }
    assert frames["tasks"]["project_id"].tolist() == [5]


def test_attributes_are_a_copy() -> None:
    source = {"clients": {"1": {"name": "A", "notes": ["x"]}}}

    attributes = flatten_dictionaries(source)["clients"]["attributes"].iloc[0]
    attributes["name"] = "changed"

    assert source["clients"]["1"]["name"] == "A"


@pytest.mark.parametrize("dictionaries", [None, {}, {"clients": None, "tags": {}, "users": []},
                                          {"filters": {"clients": {"1": {"name": "A"}}}}])
def test_missing_or_empty_give_empty_frames_with_columns(dictionaries: dict[str, Any] | None) -> None:
    frames = flatten_dictionaries(dictionaries)

    assert set(frames) == set(DIMENSION_COLUMNS)
    for table, columns in DIMENSION_COLUMNS.items():
        assert len(frames[table]) == 0, table
        assert tuple(frames[table].columns) == columns, table
    assert str(frames["projects"]["project_id"].dtype) == "int64"
    assert str(frames["projects"]["client_id"].dtype) == "Int64"


def test_repeated_id_last_entry_wins() -> None:
    frame = flatten_dictionaries({"tags": [{"id": 1, "name": "old"}, {"id": 2, "name": "b"},
                                           {"id": 1, "name": "new"}]})["tags"]

    assert frame["tag_id"].tolist() == [2, 1]
    assert frame["name"].tolist() == ["b", "new"]


@pytest.mark.parametrize("dictionary", [[{"name": "no id"}], {"abc": {"name": "no numeric key"}}, ["bare"]])
def test_entry_without_usable_id_raises(dictionary: Any) -> None:
    with pytest.raises(ValueError, match="clients dictionary entry without an integer id"):
        flatten_dictionaries({"clients": dictionary})
