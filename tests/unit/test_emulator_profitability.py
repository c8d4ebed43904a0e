"""The emulator's profitability export (CSV variants, XLSX, errors), exercised over real HTTP."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime

import openpyxl
import pytest
import requests

from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator

START, END = date(2026, 2, 15), date(2026, 4, 15)
DEFAULT_HEADERS = ["Date", "Project", "Client", "Duration", "Billable duration", "Earnings (USD)",
                   "Labor cost (USD)", "Profit (USD)"]


@pytest.fixture(scope="module")
def emu():
    with TogglEmulator(EmulatorConfig(seed=7, start=START, end=END)) as emulator:
        yield emulator


def export(emu, body, ext="csv", workspace_id=None, auth="admin", variant=None):
    credentials = {"admin": (emu.api_token, "api_token"), "member": (emu.member_api_token, "api_token"),
                   None: None}[auth]
    wid = emu.workspace.id if workspace_id is None else workspace_id
    headers = {"X-Emulator-Variant": variant} if variant else {}
    return requests.post(f"{emu.base_url}/insights/api/v1/workspace/{wid}/profitability/projects.{ext}",
                         json=body, auth=credentials, headers=headers, timeout=10)


def read_csv(response, delimiter=","):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))


def seconds_of(hms: str) -> int:
    hours, minutes, seconds = (int(p) for p in hms.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def cents_of(text: str) -> int:
    return round(float(text.replace(",", ".")) * 100)


BODY = {"currency": "usd", "start_date": START.isoformat(), "end_date": END.isoformat(), "resolution": "month"}


def test_default_csv_layout_and_totals(emu):
    response = export(emu, BODY)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "X-Toggl-Quota-Remaining" in response.headers
    header, *rows = read_csv(response)
    assert header == DEFAULT_HEADERS
    *data, total = rows
    assert total[:3] == ["", "Total", ""]
    assert {r[0] for r in data} == {"2026-02-01", "2026-03-01", "2026-04-01"}
    assert any("\n" in r[1] for r in data) and any("," in r[1] for r in data)
    assert any(r[2] == 'Smith, Jones & "Partners"' for r in data)
    assert any(r[1] == "(No project)" and r[2] == "" for r in data)
    for column in (3, 4):
        assert sum(seconds_of(r[column]) for r in data) == seconds_of(total[column])
    for column in (5, 6, 7):
        assert sum(cents_of(r[column]) for r in data) == cents_of(total[column])
    for r in data:
        assert cents_of(r[7]) == cents_of(r[5]) - cents_of(r[6])
    entries = emu.workspace.entries_between(START, END)
    assert seconds_of(total[3]) == sum(e.seconds for e in entries)
    assert int(total[3].split(":")[0]) > 24  # hours beyond a day


def test_same_currency_earnings_match_shared_report_to_the_cent(emu):
    header, *rows = read_csv(export(emu, {**BODY, "resolution": "week"}))
    earnings = defaultdict(int)
    for r in rows[:-1]:
        earnings[r[1]] += cents_of(r[5])
    report = emu.report_rows("team_detailed", START, END)
    usd_projects = {p.name for p in emu.workspace.projects if p.currency == "USD"}
    expected = defaultdict(int)
    for row in report:
        if row["project_name"] in usd_projects:
            expected[row["project_name"]] += row["billable_amount_in_cents"]
    assert expected and all(earnings[name] == cents for name, cents in expected.items())


def test_other_currency_is_converted_per_entry(emu):
    ws = emu.workspace
    project = next(p for p in ws.projects if p.currency == "USD" and p.billable)
    rows = read_csv(export(emu, {**BODY, "currency": "eur", "project_ids": [project.id]}))
    assert rows[0][5] == "Earnings (EUR)"
    expected = sum((ws.amount_of(e) * 925 + 500) // 1000 for e in ws.entries_between(START, END)
                   if e.project_id == project.id)
    assert cents_of(rows[-1][5]) == expected


@pytest.mark.parametrize(("resolution", "first_period"), [("day", "2026-03-02"), ("week", "2026-03-02"),
                                                           ("month", "2026-03-01")])
def test_resolution_period_starts(emu, resolution, first_period):
    body = {**BODY, "start_date": "2026-03-02", "end_date": "2026-03-20", "resolution": resolution}
    periods = [date.fromisoformat(r[0]) for r in read_csv(export(emu, body))[1:-1]]
    assert periods == sorted(periods) and periods[0].isoformat() == first_period
    if resolution == "week":
        assert all(p.weekday() == 0 for p in periods)
    if resolution == "day":
        assert all(date(2026, 3, 2) <= p <= date(2026, 3, 20) for p in periods)


def test_filters_and_empty_result(emu):
    no_client = read_csv(export(emu, {**BODY, "client_ids": [None]}))[1:-1]
    assert no_client and all(r[2] == "" for r in no_client)
    empty = export(emu, {**BODY, "start_date": "2020-01-01", "end_date": "2020-01-31"})
    assert read_csv(empty) == [DEFAULT_HEADERS]


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"start_date": "2026-03-01"}, 400, "Invalid parameters"),
    ({**BODY, "resolution": "year"}, 400, "Invalid parameters"),
    ({**BODY, "start_date": "2026-03-10", "end_date": "2026-03-01"}, 400, "Invalid date span"),
])
def test_bad_parameters(emu, body, status, message):
    response = export(emu, body)
    assert (response.status_code, response.json()) == (status, message)


def test_access_errors(emu):
    assert export(emu, BODY, workspace_id=123).json() == "Invalid workspace ID"
    assert export(emu, BODY, workspace_id=123).status_code == 400
    member = export(emu, BODY, auth="member")
    assert (member.status_code, member.json()) == (403, "User has no access to workspace or is not admin")
    assert export(emu, BODY, auth=None).status_code == 401
    assert export(emu, BODY, ext="pdf").status_code == 404
    free = export(emu, BODY, workspace_id=emu.workspace_ids[1])
    assert free.status_code == 402
    assert "X-Toggl-Quota-Remaining" not in free.headers and "X-Toggl-Quota-Resets-In" not in free.headers


def test_semicolon_bom_variant_via_header(emu):
    response = export(emu, BODY, variant="delimiter=;;bom=true")
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, *rows = read_csv(response, delimiter=";")
    assert header == DEFAULT_HEADERS
    assert all("," in r[5] and "." not in r[5] for r in rows)


def test_alternate_headers_without_totals(emu):
    header, *rows = read_csv(export(emu, BODY, variant="headers=alternate;totals_row=false"))
    assert header == ["period", "project name", "CLIENT", "Project ID", "Total Hours", "Billable Hours",
                      "Earnings", "Labour Cost", "Profit", "Margin %"]
    assert all(r[1] != "Total" for r in rows)
    assert all(len(r[4].split(".")[1]) == 4 for r in rows)
    total_hours = sum(float(r[4]) for r in rows)
    assert total_hours == pytest.approx(sum(e.seconds for e in emu.workspace.entries_between(START, END)) / 3600,
                                        abs=0.001)


def test_variant_from_config():
    config = EmulatorConfig(start=START, end=END, profitability_csv={"delimiter": ";", "totals_row": False})
    with TogglEmulator(config) as emu:
        header, *rows = read_csv(export(emu, BODY), delimiter=";")
        assert header == DEFAULT_HEADERS and rows[-1][1] != "Total"
        overridden = read_csv(export(emu, BODY, variant="delimiter=,;totals_row=true"))
        assert overridden[0] == DEFAULT_HEADERS and overridden[-1][1] == "Total"


def test_xlsx_opens_with_openpyxl(emu):
    response = export(emu, BODY, ext="xlsx")
    assert response.headers["Content-Type"] == ("application/vnd.openxmlformats-officedocument"
                                                ".spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Profitability"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0].startswith("Project profitability — " + emu.workspace.name)
    assert all(v is None for v in values[1])
    assert list(values[2]) == ["Date", "Project", "Client", "Total hours", "Billable hours",
                               "Earnings (USD)", "Labor cost (USD)", "Profit (USD)"]
    *data, total = values[3:]
    assert total[1] == "Total"
    assert all(isinstance(r[0], datetime) for r in data)
    assert sum(r[3] for r in data) == pytest.approx(total[3])
    assert sum(r[5] for r in data) == pytest.approx(total[5])
    csv_rows = read_csv(export(emu, BODY))
    assert round(total[5] * 100) == cents_of(csv_rows[-1][5])
