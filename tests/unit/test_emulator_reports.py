"""The emulator's shared-report endpoint, auth, quota and faults, exercised over real HTTP."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta

import pytest
import requests

from toggl_warehouse.toggl.emulator import EmulatorConfig, Fault, TogglEmulator

START, END = date(2026, 2, 15), date(2026, 4, 15)  # 60 days, across the 2026-03-29 DST change


@pytest.fixture(scope="module")
def emu():
    with TogglEmulator(EmulatorConfig(seed=7, start=START, end=END)) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _no_faults(emu):
    emu.faults.clear()
    yield
    emu.faults.clear()


def post(emu, key, body=None, auth="admin", **kw):
    token = emu.reports[key].token if key in emu.reports else key
    credentials = {"admin": (emu.api_token, "api_token"), "member": (emu.member_api_token, "api_token"),
                   "password": (emu.email, emu.password), None: None}.get(auth, auth)
    return requests.post(f"{emu.base_url}/reports/api/v3/shared/{token}", json=body or {},
                         auth=credentials, timeout=10, **kw)


def fetch_all(emu, key, body, auth="admin"):
    """Follow X-Next-Row-Number to the end; return (rows, pages)."""
    rows, pages, body = [], [], dict(body)
    while True:
        response = post(emu, key, body, auth)
        assert response.status_code == 200, response.text
        pages.append(response)
        rows += response.json()["detailed_results"]["report"]
        if "X-Next-Row-Number" not in response.headers:
            assert "X-Next-ID" not in response.headers
            return rows, pages
        body["first_row_number"] = int(response.headers["X-Next-Row-Number"])


# ---- paging, totals, dates --------------------------------------------------------------------

def test_paging_gives_every_row_once_and_matches_report_rows(emu):
    body = {"start_date": START.isoformat(), "end_date": END.isoformat(), "page_size": 40}
    rows, pages = fetch_all(emu, "team_detailed", body)
    assert len(pages) > 3
    assert rows == emu.report_rows("team_detailed", START, END)
    assert [r["row_number"] for r in rows] == list(range(1, len(rows) + 1))
    ids = [e["id"] for r in rows for e in r["time_entries"]]
    assert len(ids) == len(set(ids)) == len(emu.workspace.entries_between(START, END))
    totals = [p.json()["detailed_results"]["totals"] for p in pages]
    assert all(t == totals[0] for t in totals)
    for page in pages:
        assert page.headers["X-Range-Start"] == START.isoformat()
        assert page.headers["X-Range-End"] == END.isoformat()


def test_next_id_is_first_entry_of_next_page(emu):
    first = post(emu, "team_detailed", {"start_date": "2026-03-01", "end_date": "2026-03-10", "page_size": 5})
    second = post(emu, "team_detailed", {"start_date": "2026-03-01", "end_date": "2026-03-10", "page_size": 5,
                                         "first_row_number": int(first.headers["X-Next-Row-Number"])})
    next_row = second.json()["detailed_results"]["report"][0]
    assert int(first.headers["X-Next-ID"]) == next_row["time_entries"][0]["id"]
    assert next_row["row_number"] == 6
    by_id = post(emu, "team_detailed", {"start_date": "2026-03-01", "end_date": "2026-03-10", "page_size": 5,
                                        "first_id": int(first.headers["X-Next-ID"])})
    assert by_id.json()["detailed_results"]["report"] == second.json()["detailed_results"]["report"]


def test_totals_equal_sums_of_rows(emu):
    rows, pages = fetch_all(emu, "team_detailed", {"start_date": "2026-02-16", "end_date": "2026-04-12",
                                                   "page_size": 500})
    totals = pages[0].json()["detailed_results"]["totals"]
    entries = [e for r in rows for e in r["time_entries"]]
    assert totals["seconds"] == sum(e["seconds"] for e in entries)
    assert totals["billable_amount_in_cents"] == sum(r["billable_amount_in_cents"] for r in rows)
    assert totals["tracked_days"] == len({e["start"][:10] for e in entries})
    assert totals["resolution"] == "week"
    graph = totals["graph"]
    assert len(graph) == 8  # Mon 2026-02-16 .. Sun 2026-04-12
    for measure in ("seconds", "billable_amount_in_cents", "labour_cost_in_cents"):
        assert sum(b[measure] for b in graph) == totals[measure]
    assert sum(v for b in graph for v in b["by_rate"].values()) == totals["billable_amount_in_cents"]
    billable = sum(e["seconds"] for r in rows if r["billable"] for e in r["time_entries"])
    assert sum(r["billable_seconds"] for r in totals["rates"]) == billable
    assert {r["currency"] for r in totals["rates"]} >= {"USD", "EUR"}


def test_canonical_amount_per_row(emu):
    ws = emu.workspace
    for row in emu.report_rows("team_detailed", START, END):
        (entry,) = row["time_entries"]
        expected = (2 * entry["seconds"] * row["hourly_rate_in_cents"] + 3600) // 7200 if row["billable"] else 0
        assert row["billable_amount_in_cents"] == expected == ws.amount_of(ws.entry(entry["id"]))


@pytest.mark.parametrize(("days", "resolution", "buckets"), [(7, "day", 7), (31, "day", 31),
                                                              (200, "month", 8)])
def test_resolution_and_graph_buckets(emu, days, resolution, buckets):
    start = date(2026, 1, 20)
    end = start + timedelta(days=days - 1)
    totals = post(emu, "team_detailed", {"start_date": start.isoformat(), "end_date": end.isoformat()}
                  ).json()["detailed_results"]["totals"]
    assert totals["resolution"] == resolution
    assert len(totals["graph"]) == buckets


def test_dates_are_honoured_and_default_to_last_seven_days(emu):
    rows, _ = fetch_all(emu, "team_detailed", {"start_date": "2026-03-28", "end_date": "2026-03-30",
                                               "page_size": 200})
    assert rows and {r["time_entries"][0]["start"][:10] for r in rows} <= {"2026-03-28", "2026-03-29",
                                                                          "2026-03-30"}
    offsets = {e["start"][-6:] for r in rows for e in r["time_entries"]}
    assert offsets == {"+01:00", "+02:00"}  # DST shows in the strings
    default = post(emu, "team_detailed")
    assert default.headers["X-Range-Start"] == (END - timedelta(days=6)).isoformat()
    assert default.headers["X-Range-End"] == END.isoformat()


def test_running_timer_and_midnight_crossing_entries(emu):
    rows = emu.report_rows("team_detailed", START, END)
    running = [e for r in rows for e in r["time_entries"] if e["stop"] is None]
    assert len(running) == 1 and running[0]["seconds"] > 0
    assert running[0]["start"][:10] == END.isoformat()
    crossing = [e for r in rows for e in r["time_entries"] if e["stop"] and e["stop"][:10] != e["start"][:10]]
    assert crossing
    assert any(e["seconds"] == 0 for r in rows for e in r["time_entries"])


def test_filters(emu):
    body = {"start_date": START.isoformat(), "end_date": END.isoformat(), "page_size": 1000}
    ws = emu.workspace
    no_project = post(emu, "team_detailed", {**body, "project_ids": [None]}).json()["detailed_results"]
    assert no_project["report"] and all(r["project_id"] is None for r in no_project["report"])
    user = ws.users[2].id
    mine = post(emu, "team_detailed", {**body, "user_ids": [user], "billable": True}).json()
    assert all(r["user_id"] == user and r["billable"] for r in mine["detailed_results"]["report"])
    cafe = post(emu, "team_detailed", {**body, "description": "CAFÉ"}).json()["detailed_results"]["report"]
    assert cafe and all("café" in r["description"].lower() for r in cafe)
    assert len(mine["detailed_results"]["report"]) == len(emu.report_rows(
        "team_detailed", START, END, user_ids=[user], billable=True))


def test_dictionaries_and_envelope(emu):
    data = post(emu, "team_detailed", {"start_date": START.isoformat(), "end_date": END.isoformat()}).json()
    assert data["report_type"] == "detailed" and data["public"] is False
    assert data["summary_results"] is None and data["weekly_results"] is None
    assert data["input_params"] == {"start_date": START.isoformat(), "end_date": END.isoformat()}
    dictionaries = data["dictionaries"]
    assert set(dictionaries) == {"clients", "projects", "tags", "tasks", "users", "user_groups", "filters"}
    for project_id, project in dictionaries["projects"].items():
        assert str(project["id"]) == project_id
        assert {"name", "client_id", "color", "billable", "active", "currency"} <= set(project)
    row = data["detailed_results"]["report"][0]
    assert list(row) == ["user_id", "username", "email", "project_id", "project_name", "project_color",
                         "project_hex", "client_name", "task_id", "task_name", "description", "billable",
                         "billable_amount_in_cents", "hourly_rate_in_cents", "currency", "tag_ids",
                         "tag_names", "row_number", "time_entries"]
    assert set(row["time_entries"][0]) == {"id", "seconds", "start", "stop", "at", "at_tz"}


def test_grouped_report_groups_alike_entries(emu):
    rows, _ = fetch_all(emu, "grouped_detailed", {"start_date": START.isoformat(), "end_date": END.isoformat(),
                                                  "page_size": 300}, auth=None)
    ws = emu.workspace
    assert any(len(r["time_entries"]) > 1 for r in rows)
    for row in rows:
        entries = [ws.entry(e["id"]) for e in row["time_entries"]]
        keys = {(e.user_id, e.project_id, e.task_id, e.description, e.billable, e.tag_ids, e.date)
                for e in entries}
        assert len(keys) == 1
        assert row["billable_amount_in_cents"] == sum(ws.amount_of(e) for e in entries)
    assert sum(len(r["time_entries"]) for r in rows) == len(ws.entries_between(START, END))


def test_fixed_range_report_ignores_body_dates(emu):
    saved = emu.reports["fixed_range"].saved_params
    response = post(emu, "fixed_range", {"start_date": "2026-02-20", "end_date": "2026-02-21"})
    assert response.status_code == 200
    assert response.headers["X-Range-Start"] == saved["start_date"]
    assert response.headers["X-Range-End"] == saved["end_date"]
    assert response.json()["fixed_daterange"] is True


# ---- errors and auth ---------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "body", "auth", "status", "message"), [
    ("broken", {}, "admin", 400, "report_type does not exist in params"),
    ("team_detailed", {"start_date": "2026-03-10", "end_date": "2026-03-01"}, "admin", 400,
     "The report period is not supported"),
    ("team_detailed", {"start_date": "2025-01-01", "end_date": "2026-01-02"}, "admin", 400,
     "The report period is not supported"),
    ("team_detailed", {}, None, 401, "Unable to extract authentication data"),
    ("team_detailed", {}, ("nobody@example.com", "wrong"), 401, "Incorrect username and/or password"),
    ("grouped_detailed", {}, ("0" * 32, "api_token"), 401, "Incorrect username and/or password"),
    ("team_detailed", {}, "member", 403, "Invalid token"),
    ("f" * 32, {}, "admin", 403, "Invalid token"),
])
def test_error_answers(emu, key, body, auth, status, message):
    response = post(emu, key, body, auth)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == message
    assert "X-Toggl-Quota-Remaining" in response.headers


def test_public_and_private_access(emu):
    assert post(emu, "grouped_detailed", auth=None).status_code == 200
    assert post(emu, "grouped_detailed", auth="member").status_code == 200
    assert post(emu, "team_detailed", auth="password").status_code == 200
    assert post(emu, "fixed_range", auth="member").status_code == 403


def test_unknown_route_is_404(emu):
    response = requests.get(f"{emu.base_url}/reports/api/v3/nothing", auth=(emu.api_token, "api_token"))
    assert response.status_code == 404 and response.json() == "Not found"


def test_too_big_report():
    config = EmulatorConfig(start=START, end=END, too_big_rows=100)
    with TogglEmulator(config) as emu:
        small = post(emu, "team_detailed", {"start_date": "2026-03-02", "end_date": "2026-03-03"})
        assert small.status_code == 200
        big = post(emu, "team_detailed", {"start_date": START.isoformat(), "end_date": END.isoformat()})
        assert big.status_code == 500 and big.json() == "report is too big to be exported"


# ---- quota, rate limit, faults -------------------------------------------------------------------

def test_quota_headers_decrease_and_run_out():
    with TogglEmulator(EmulatorConfig(start=START, end=END, quota_per_hour=3)) as emu:
        remaining = [int(post(emu, "team_detailed").headers["X-Toggl-Quota-Remaining"]) for _ in range(3)]
        assert remaining == [2, 1, 0]
        over = post(emu, "team_detailed")
        assert over.status_code == 402 and isinstance(over.json(), str)
        assert over.headers["X-Toggl-Quota-Remaining"] == "0"
        assert 0 < int(over.headers["X-Toggl-Quota-Resets-In"]) <= 3600
        quota = requests.get(f"{emu.base_url}/api/v9/me/quota", auth=(emu.api_token, "api_token")).json()
        assert quota == [{"organization_id": emu.organization.id, "remaining": 0,
                          "resets_in_secs": quota[0]["resets_in_secs"], "total": 3}]
        assert post(emu, "grouped_detailed", auth="member").status_code == 200  # per user


def test_min_interval_answers_429():
    with TogglEmulator(EmulatorConfig(start=START, end=END, min_interval_seconds=5)) as emu:
        assert post(emu, "team_detailed").status_code == 200
        second = post(emu, "team_detailed")
        assert second.status_code == 429 and second.headers["Retry-After"] == "1"


def test_faults_fire_once(emu):
    emu.faults.add(Fault.server_error())
    first, second = post(emu, "team_detailed"), post(emu, "team_detailed")
    assert (first.status_code, second.status_code) == (500, 200)
    assert first.json() == "Internal Server Error"


@pytest.mark.parametrize(("fault", "status", "headers"), [
    (Fault.rate_limited(retry_after=3), 429, {"Retry-After": "3"}),
    (Fault.quota_exceeded(resets_in=2), 402, {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "2"}),
    (Fault.too_big(), 500, {}),
])
def test_fault_kinds(emu, fault, status, headers):
    emu.faults.add(fault)
    response = post(emu, "team_detailed")
    assert response.status_code == status
    assert headers.items() <= response.headers.items()
    assert "X-Toggl-Quota-Remaining" in response.headers


def test_plan_lacks_feature_fault_has_no_quota_headers(emu):
    emu.faults.add(Fault.plan_lacks_feature())
    response = post(emu, "team_detailed")
    assert response.status_code == 402
    assert "X-Toggl-Quota-Remaining" not in response.headers


def test_fault_path_filter_times_slow_and_drop(emu):
    emu.faults.add(Fault(status=503, path_contains="/insights/", times=2))
    assert post(emu, "team_detailed").status_code == 200
    assert len(emu.faults.pending()) == 1
    emu.faults.clear()
    emu.faults.add(Fault.slow(0.3))
    began = time.monotonic()
    assert post(emu, "team_detailed").status_code == 200
    assert time.monotonic() - began >= 0.3
    emu.faults.add(Fault(drop_connection=True))
    with pytest.raises(requests.ConnectionError):
        post(emu, "team_detailed")
    assert post(emu, "team_detailed").status_code == 200


def test_request_log_counts_calls(emu):
    before = len(emu.request_log)
    fetch_all(emu, "team_detailed", {"start_date": "2026-03-01", "end_date": "2026-03-31", "page_size": 30})
    calls = emu.request_log[before:]
    assert calls and all(method == "POST" and body.get("page_size") == 30 for method, _, body in calls)
    expected_pages = -(-len(emu.report_rows("team_detailed", date(2026, 3, 1), date(2026, 3, 31))) // 30)
    assert len(calls) == expected_pages


def test_report_tokens_never_logged(emu, caplog, capsys):
    caplog.set_level(logging.DEBUG, logger="toggl_warehouse.toggl.emulator")
    post(emu, "team_detailed")
    post(emu, "grouped_detailed", auth=None)
    captured = capsys.readouterr()
    emulator_lines = [r.getMessage() for r in caplog.records if r.name.startswith("toggl_warehouse.toggl.emulator")]
    text = "\n".join(emulator_lines) + captured.out + captured.err
    assert any("/shared/<redacted> HTTP" in line for line in emulator_lines)
    for report in emu.reports.values():
        assert report.token not in text


def test_info_endpoint(emu):
    info = requests.get(f"{emu.base_url}/_emulator/info").json()
    assert info["base_url"] == emu.base_url and info["api_token"] == emu.api_token
    assert info["workspace_ids"] == emu.workspace_ids
    assert info["reports"] == {k: r.token for k, r in emu.reports.items()}


# ---- mutations ------------------------------------------------------------------------------------

def test_mutations_show_in_the_report():
    with TogglEmulator(EmulatorConfig(start=START, end=END)) as emu:
        ws = emu.workspace
        day = date(2026, 3, 10)
        body = {"start_date": day.isoformat(), "end_date": day.isoformat(), "page_size": 200}
        entries = ws.entries_between(day, day)
        victim, mover, edited = entries[0], entries[1], entries[2]
        ws.delete_entry(victim.id)
        ws.move_entry(mover.id, datetime.fromisoformat("2026-03-12T09:00:00+01:00"))
        updated = ws.update_entry(edited.id, description="edited, \"quoted\"")
        assert updated.at > edited.at
        ids = {e["id"] for r in fetch_all(emu, "team_detailed", body)[0] for e in r["time_entries"]}
        assert victim.id not in ids and mover.id not in ids and edited.id in ids
        moved = emu.report_rows("team_detailed", date(2026, 3, 12), date(2026, 3, 12))
        assert any(e["id"] == mover.id and e["start"] == "2026-03-12T09:00:00+01:00"
                   for r in moved for e in r["time_entries"])


# ---- summary, weekly, cursor paging -----------------------------------------------------------------

def test_first_timestamp_cursor_paging(emu):
    body = {"start_date": "2026-03-01", "end_date": "2026-03-10", "page_size": 5}
    first = post(emu, "team_detailed", body)
    rows = emu.report_rows("team_detailed", date(2026, 3, 1), date(2026, 3, 10))
    next_entry = rows[5]["time_entries"][0]
    timestamp = int(datetime.fromisoformat(next_entry["start"]).timestamp())
    second = post(emu, "team_detailed", {**body, "first_timestamp": timestamp,
                                         "first_id": int(first.headers["X-Next-ID"])})
    assert second.json()["detailed_results"]["report"] == rows[5:10]


def test_summary_report(emu):
    body = {"start_date": "2026-03-01", "end_date": "2026-03-31"}
    data = post(emu, "team_summary", body).json()
    assert data["report_type"] == "summary" and data["detailed_results"] is None
    groups = data["summary_results"]["report"]["groups"]
    totals = data["summary_results"]["totals"]
    assert sum(s["seconds"] for g in groups for s in g["sub_groups"]) == totals["seconds"]
    assert totals == emu.report_totals("team_summary", date(2026, 3, 1), date(2026, 3, 31))
    assert {g["id"] for g in groups} == {p["project_id"] for p in emu.report_rows(
        "team_summary", date(2026, 3, 1), date(2026, 3, 31))}
    by_user = post(emu, "team_summary", {**body, "grouping": "users", "sub_grouping": "projects"}).json()
    assert len(by_user["summary_results"]["report"]["groups"]) == len(emu.workspace.users)


def test_weekly_report(emu):
    data = post(emu, "team_weekly", {"start_date": "2026-03-23", "end_date": "2026-03-29"}).json()
    rows, totals = data["weekly_results"]["report"], data["weekly_results"]["totals"]
    assert rows and all(len(r["seconds"]) == len(r["billable_amounts_in_cents"]) == 7 for r in rows)
    assert sum(sum(r["seconds"]) for r in rows) == totals["seconds"]
    assert sum(sum(r["billable_amounts_in_cents"]) for r in rows) == totals["billable_amount_in_cents"]
    too_long = post(emu, "team_weekly", {"start_date": "2026-03-01", "end_date": "2026-03-31"})
    assert (too_long.status_code, too_long.json()) == (400, "The report period is not supported")
