"""The emulator's two dialects over real HTTP: `swagger` (Toggl's spec and real captures) beside `enriched`.

Covers: swagger rows carry exactly the key set real v3 rows have (ids, no names, no email) and null money where
no rate applies; keyset paging honours first_timestamp + first_id only (a first_row_number alone restarts),
sends all three X-Next-* headers and caps the page at 50; following the keyset serves every row once, in the
order of enriched paging; entries carry their users' offsets (+13:00, -08:00/-07:00, +05:45, +01:00/+02:00) and
each one's date is its user's local date; dictionaries have the swagger's shape; summary sub-groups are a map
of {title, seconds}; a fixed-range report sends no X-Range-*; the enriched dialect is unchanged; an unknown
dialect is refused; `toggl-warehouse emulator --dialect` defaults to swagger.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import requests

from toggl_warehouse.cli import _parser
from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator

START, END = date(2026, 9, 1), date(2026, 11, 30)
WINDOW = {"start_date": "2026-10-20", "end_date": "2026-11-08"}  # Berlin and Los Angeles leave DST inside it
REAL_ROW_KEYS = {"user_id", "username", "project_id", "task_id", "billable", "description", "tag_ids",
                 "billable_amount_in_cents", "hourly_rate_in_cents", "currency", "time_entries", "row_number"}


@pytest.fixture(scope="module")
def swagger():
    with TogglEmulator(EmulatorConfig(seed=7, start=START, end=END, dialect="swagger")) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def enriched():
    with TogglEmulator(EmulatorConfig(seed=7, start=START, end=END)) as emulator:
        yield emulator


def post(emu, key, body):
    return requests.post(f"{emu.base_url}/reports/api/v3/shared/{emu.reports[key].token}", json=body,
                         auth=(emu.api_token, "api_token"), timeout=10)


def test_swagger_rows_have_ids_only_and_null_money_without_a_rate(swagger):
    response = post(swagger, "team_detailed", {**WINDOW, "page_size": 500})
    rows = response.json()["detailed_results"]["report"]

    assert len(rows) == 50 and response.headers["X-Page-Size"] == "50"  # capped whatever is asked
    assert all(set(row) == REAL_ROW_KEYS for row in rows)
    unpriced = [row for row in swagger.report_rows("team_detailed", date(2026, 10, 20), date(2026, 11, 8))
                if row["project_id"] is None]
    assert unpriced and all(row["hourly_rate_in_cents"] is None and row["billable_amount_in_cents"] is None
                            for row in unpriced)


def test_keyset_paging_serves_every_row_once_and_ignores_a_row_number_alone(swagger, enriched):
    first = post(swagger, "team_detailed", WINDOW)
    headers = first.headers
    assert {"X-Next-ID", "X-Next-Row-Number", "X-Next-Timestamp"} <= set(headers)
    assert "X-Range-Start" in headers
    restarted = post(swagger, "team_detailed", {**WINDOW, "first_row_number": int(headers["X-Next-Row-Number"])})
    assert restarted.json()["detailed_results"]["report"][0]["row_number"] == 1

    ids, body, response = [], dict(WINDOW), first
    while True:
        rows = response.json()["detailed_results"]["report"]
        ids += [entry["id"] for row in rows for entry in row["time_entries"]]
        if "X-Next-Timestamp" not in response.headers:
            break
        next_start = int(response.headers["X-Next-Timestamp"])
        body = {**WINDOW, "first_timestamp": next_start, "first_id": int(response.headers["X-Next-ID"])}
        response = post(swagger, "team_detailed", body)
        first_entry = response.json()["detailed_results"]["report"][0]["time_entries"][0]
        assert int(datetime.fromisoformat(first_entry["start"]).timestamp()) == next_start
    expected = [e["id"] for row in swagger.report_rows("team_detailed", date(2026, 10, 20), date(2026, 11, 8))
                for e in row["time_entries"]]
    assert ids == expected and len(ids) == len(set(ids)) > 100


def test_each_user_works_in_their_own_zone_and_their_entries_have_their_local_dates(swagger):
    offsets: dict[int, set[str]] = {}
    for row in swagger.report_rows("team_detailed", date(2026, 10, 20), date(2026, 11, 8)):
        for entry in row["time_entries"]:
            offsets.setdefault(row["user_id"], set()).add(entry["start"][-6:])
            assert "2026-10-20" <= entry["start"][:10] <= "2026-11-08"
    users = swagger.workspace.users
    assert offsets[users[0].id] == {"+02:00", "+01:00"}  # Europe/Berlin, across its DST change
    assert offsets[users[1].id] == {"+13:00"}  # Pacific/Auckland
    assert offsets[users[2].id] == {"-07:00", "-08:00"}  # America/Los_Angeles, across its DST change
    assert offsets[users[3].id] == {"+05:45"}  # Asia/Kathmandu


def test_dictionaries_and_summary_sub_groups_have_the_swagger_shape(swagger):
    body = post(swagger, "team_summary", WINDOW).json()
    dictionaries = body["dictionaries"]
    project = next(iter(dictionaries["projects"].values()))
    user = next(iter(dictionaries["users"].values()))
    assert {"client_id", "color", "currency", "fixed_fee", "estimated_seconds"} <= set(project)
    assert not {"billable", "active"} & set(project)
    assert {"group_ids", "labour_cost"} <= set(user)
    assert all(set(group) == {"id", "name"} for group in dictionaries["user_groups"].values())
    groups = body["summary_results"]["report"]["groups"]
    assert groups and all(isinstance(g["sub_groups"], dict) for g in groups)
    assert all(set(sub) == {"title", "seconds"} for g in groups for sub in g["sub_groups"].values())


def test_a_fixed_range_report_sends_no_range_headers_in_swagger_only(swagger, enriched):
    assert not {"X-Range-Start", "X-Range-End"} & set(post(swagger, "fixed_range", WINDOW).headers)
    assert {"X-Range-Start", "X-Range-End"} <= set(post(enriched, "fixed_range", WINDOW).headers)


def test_the_enriched_dialect_is_as_before(enriched):
    response = post(enriched, "team_detailed", {**WINDOW, "page_size": 500})
    rows = response.json()["detailed_results"]["report"]
    assert len(rows) > 50 and "X-Next-Timestamp" not in response.headers and "X-Page-Size" not in response.headers
    assert {"project_name", "client_name", "task_name", "tag_names", "email"} <= set(rows[0])
    assert {entry["start"][-6:] for row in rows for entry in row["time_entries"]} <= {"+01:00", "+02:00"}
    assert all(row["hourly_rate_in_cents"] is not None for row in rows)


def test_an_unknown_dialect_is_refused_and_the_cli_defaults_to_swagger():
    with pytest.raises(ValueError, match="emulator dialect must be one of swagger, enriched, got 'v2'"):
        EmulatorConfig(dialect="v2")
    assert _parser().parse_args(["emulator"]).dialect == "swagger"
    assert _parser().parse_args(["emulator", "--dialect", "enriched"]).dialect == "enriched"
