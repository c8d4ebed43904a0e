"""Toggl as it really answers (issue 16): `toggl-warehouse backfill` against the emulator's `swagger` dialect.

Covers, through the CLI: rows with ids only land every entry exactly once with every name resolved from the
dictionaries (tag_names aligned with tag_ids), unpriced work as NULL money (the gate comparing the priced
cents), each entry under its user's local date across +13:00, -08:00, +05:45 and two DST changes, all three
cursor values sent back with the page size capped at 50, the swagger dictionaries landed with their unknown
fields; a Toggl that repeats a page stops in one line with two requests and nothing loaded; a fixed-range
report without X-Range-* headers lands once under its saved dates, whatever window is asked; both 402 lines
(the plan's text, and a bare 402 decided by the last quota seen), never "upgrade" for a quota.
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import date

import pytest
import sqlalchemy as sa

from toggl_warehouse.cli import main
from toggl_warehouse.toggl.emulator import EmulatorConfig, Fault, TogglEmulator
from tests.integration.pipeline_helpers import report_requests, warehouse_checksums

pytestmark = pytest.mark.integration

REPORTS = ("team_detailed", "grouped_detailed")
START, END = date(2026, 10, 20), date(2026, 11, 8)  # Berlin leaves DST on Oct 25, Los Angeles on Nov 1
CURSOR_FIELDS = ("first_id", "first_row_number", "first_timestamp")


def swagger_emulator(**overrides) -> TogglEmulator:
    config = {"seed": 7, "start": date(2026, 9, 1), "end": date(2026, 11, 30), "dialect": "swagger", **overrides}
    return TogglEmulator(EmulatorConfig(**config))


@pytest.fixture
def swagger():
    with swagger_emulator() as emulator:
        yield emulator


def backfill(start: date, end: date) -> int:
    return main(["backfill", "--start", start.isoformat(), "--end", end.isoformat()])


def landed(engine, report_key: str) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT time_entry_id, entry_date, start_at, username, email, project_name, project_color, client_name, "
            "task_name, tag_ids, tag_names, hourly_rate_in_cents, billable_amount_in_cents, "
            "row_billable_amount_in_cents FROM toggl.report_time_entries WHERE report_key = :key"
        ), {"key": report_key}).all()


def failed_line(out: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith("FAILED ")]
    return line.split(": ", 1)[1]


def test_rows_with_ids_only_land_once_with_names_null_money_and_local_dates(swagger, pipeline_env, clean_warehouse):
    pipeline_env(swagger, reports=REPORTS, TOGGL_PAGE_SIZE=200)  # asks 200 a page; Toggl serves 50
    ws = swagger.workspace

    assert backfill(START, END) == 0

    for key in REPORTS:
        rows = swagger.report_rows(key, START, END)
        assert "project_name" not in rows[0] and "email" not in rows[0]  # the swagger dialect's rows: ids only
        expected = {e["id"]: (row, e) for row in rows for e in row["time_entries"]}
        got = landed(clean_warehouse, key)
        assert sorted(r.time_entry_id for r in got) == sorted(expected)  # every entry, each once
        assert report_requests(swagger, key) == math.ceil(len(rows) / 50)
        for r in got:
            row, entry = expected[r.time_entry_id]
            user, project, task = ws.user(row["user_id"]), ws.project(row["project_id"]), ws.task(row["task_id"])
            client = ws.client(project.client_id) if project else None
            assert (r.username, r.email) == (user.name, user.email)
            assert (r.project_name, r.project_color) == ((project.name, project.color) if project else (None, None))
            assert r.client_name == (client.name if client else None)
            assert r.task_name == (task.name if task else None)
            assert r.tag_ids == row["tag_ids"] and r.tag_names == [ws.tag(t).name for t in row["tag_ids"]]
            assert r.entry_date.isoformat() == entry["start"][:10]  # the user's own local date
            assert (r.hourly_rate_in_cents, r.row_billable_amount_in_cents) == (
                row["hourly_rate_in_cents"], row["billable_amount_in_cents"])
        unpriced = [r for r in got if expected[r.time_entry_id][0]["hourly_rate_in_cents"] is None]
        assert unpriced and all(r.billable_amount_in_cents is None for r in unpriced)
        assert sum(r.billable_amount_in_cents or 0 for r in got) == swagger.report_totals(key, START, END)[
            "billable_amount_in_cents"]
        offsets = {entry["start"][-6:] for _, entry in expected.values()}
        assert {"+13:00", "-08:00", "-07:00", "+05:45", "+02:00", "+01:00"} <= offsets
    pages = [body for _, path, body in swagger.request_log if swagger.reports["team_detailed"].token in path]
    assert "first_id" not in pages[0] and all(all(f in body for f in CURSOR_FIELDS) for body in pages[1:])
    with clean_warehouse.connect() as conn:
        project = conn.execute(sa.text("SELECT attributes FROM toggl.projects LIMIT 1")).scalar()
        user = conn.execute(sa.text("SELECT attributes FROM toggl.users LIMIT 1")).scalar()
        groups = conn.execute(sa.text("SELECT count(*) FROM toggl.user_groups")).scalar()
    assert {"fixed_fee", "estimated_seconds", "currency"} <= set(project) and "billable" not in project
    assert {"group_ids", "labour_cost"} <= set(user) and groups == len(ws.user_groups)


def test_a_toggl_that_repeats_a_page_stops_in_one_line_and_loads_nothing(swagger, pipeline_env, clean_warehouse,
                                                                        capsys):
    swagger.workspace.dialect = dataclasses.replace(swagger.workspace.dialect, honours_cursor=False)
    pipeline_env(swagger, reports=("team_detailed",), TOGGL_PAGE_SIZE=50)

    assert backfill(START, END) == 1

    second = [body for _, path, body in swagger.request_log if swagger.reports["team_detailed"].token in path][1]
    cursor = {field: second[field] for field in CURSOR_FIELDS}
    assert failed_line(capsys.readouterr().out) == (
        f"Toggl repeated page 1 of report 'team_detailed' {START}..{END} as "
        f"page 2 (the same first row) although its cursor {cursor} was sent back; stopped after 2 pages, nothing was "
        "loaded (fetch 1 kept 1 page(s) in toggl_raw for inspection)"
    )
    assert report_requests(swagger, "team_detailed") == 2
    assert landed(clean_warehouse, "team_detailed") == []


def test_a_fixed_range_report_without_range_headers_lands_once_under_its_saved_dates(swagger, pipeline_env,
                                                                                    clean_warehouse):
    pipeline_env(swagger, reports=("fixed_range",))
    saved = swagger.reports["fixed_range"].saved_params
    own = (date.fromisoformat(saved["start_date"]), date.fromisoformat(saved["end_date"]))
    rows = swagger.report_rows("fixed_range")
    expected = sorted(e["id"] for row in rows for e in row["time_entries"])

    assert backfill(START, START.replace(day=29)) == 0
    first = warehouse_checksums(clean_warehouse)
    assert backfill(END.replace(day=1), END) == 0

    got = landed(clean_warehouse, "fixed_range")
    assert sorted(r.time_entry_id for r in got) == expected and len(expected) > 50
    assert {r.entry_date for r in got} <= {own[0].fromordinal(d) for d in range(own[0].toordinal(), own[1].toordinal() + 1)}
    assert warehouse_checksums(clean_warehouse)["toggl.report_time_entries"] == first["toggl.report_time_entries"]
    with clean_warehouse.connect() as conn:
        windows = conn.execute(sa.text("SELECT DISTINCT window_start, window_end FROM toggl.report_totals")).all()
    assert windows == [own]


def test_a_402_with_the_plan_text_says_the_plan(swagger, pipeline_env, clean_warehouse, capsys):
    swagger.faults.add(Fault(status=402, quota_headers=False,
                             body='"Request tried to utilized Premium functionality on workspace which is not Premium!"'))
    pipeline_env(swagger, reports=("team_detailed",), TOGGL_PAGE_SIZE=50)

    assert backfill(START, END) == 1

    assert failed_line(capsys.readouterr().out) == (
        "shared report 'team_detailed': Toggl says the workspace's plan does not include this feature (402): Request "
        "tried to utilized Premium functionality on workspace which is not Premium! Not retried: upgrade the workspace "
        "or remove this source from the configuration (fetch 1 kept 0 page(s) in toggl_raw for inspection)"
    )
    assert report_requests(swagger, "team_detailed") == 1


def test_a_bare_402_after_the_last_request_of_the_quota_says_quota_and_never_upgrade(pipeline_env, clean_warehouse,
                                                                                     capsys):
    with swagger_emulator(quota_per_hour=2) as emulator:  # page 1 leaves 1 request: a bare 402 next is the quota
        emulator.faults.add(Fault.slow(0))
        emulator.faults.add(Fault(status=402, body='""', quota_headers=False))
        pipeline_env(emulator, reports=("team_detailed",), TOGGL_PAGE_SIZE=50, TOGGL_MAX_QUOTA_WAIT_SECONDS=5)

        assert backfill(START, END) == 1

        line = failed_line(capsys.readouterr().out)
        assert re.fullmatch(
            r"shared report 'team_detailed': the hourly Toggl API quota is used up \(402\); it resets in 3\d\d\d s\. "
            r"That is more than TOGGL_MAX_QUOTA_WAIT_SECONDS=5; run again later: loads are resumable\. "
            r"\(fetch 1 kept 1 page\(s\); run again to continue from the next one\)", line), line
        assert "upgrade" not in line
        assert report_requests(emulator, "team_detailed") == 2
