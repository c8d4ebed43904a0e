"""`toggl-warehouse doctor` through the CLI against the emulator and the test database.

Covers: a healthy set-up prints one ok line per item and exits 0 after at most one request per report and
workspace plus one for the quota; that request's answer gives one note line per fact learned of the API
(page size served, cursor headers, names or ids in rows, quota headers, the export's header row), and a
report refusing the seven-day period is asked for yesterday alone; a wrong report token, a private report read with a non-admin token, a
wrong API token and a workspace without the profitability feature each fail their own line with a hint and a
non-zero exit; an unmigrated database is reported; no token, password or report token is ever printed.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from toggl_warehouse.cli import main
from toggl_warehouse.dates import yesterday
from toggl_warehouse.toggl.emulator import Fault
from toggl_warehouse.warehouse.database import drop_database, ensure_database

pytestmark = pytest.mark.integration


def _doctor(capsys) -> tuple[int, str]:
    code = main(["doctor"])
    out, err = capsys.readouterr()
    return code, out + err


def _assert_no_secret(output: str, emulator) -> None:
    for secret in (emulator.api_token, emulator.member_api_token, emulator.password,
                   *(report.token for report in emulator.reports.values())):
        assert secret not in output


def test_healthy_setup_passes_with_one_request_per_item(emulator, pipeline_env, engine, capsys):
    pipeline_env(emulator, reports=("team_detailed", "team_weekly"), TOGGL_WORKSPACE_IDS=emulator.workspace.id)
    before = len(emulator.request_log)

    code, output = _doctor(capsys)

    assert code == 0, output
    lines = [line for line in output.splitlines() if not line.startswith("[note]")]
    assert [line.split("]")[0] for line in lines[:-1]] == ["[ok  "] * 6, output
    assert "credentials: accepted; API quota" in output
    assert "report 'team_detailed': detailed report readable" in output
    assert "report 'team_weekly': weekly report readable" in output
    assert f"workspace {emulator.workspace.id}: profitability export readable" in output
    assert "migrations: current" in output and lines[-1] == "all checks passed"
    assert len(emulator.request_log) - before <= 2 + 1 + 1
    _assert_no_secret(output, emulator)


def test_each_broken_item_fails_its_own_line_with_a_hint(emulator, pipeline_env, engine, monkeypatch, capsys):
    pipeline_env(emulator, reports=("team_detailed",), TOGGL_WORKSPACE_IDS=f"{emulator.workspace.id},999999")
    monkeypatch.setenv("TOGGL_SHARED_REPORTS", f"team_detailed={emulator.reports['team_detailed'].token},"
                                               f"typo=0123456789abcdef0123456789abcdef")

    code, output = _doctor(capsys)

    assert code == 1
    assert "[ok  ] report 'team_detailed'" in output
    typo = next(line for line in output.splitlines() if "report 'typo'" in line)
    assert typo.startswith("[FAIL]") and "Reports" in typo and "Share" in typo
    unknown = next(line for line in output.splitlines() if "workspace 999999" in line)
    assert unknown.startswith("[FAIL]") and "fix:" in unknown
    assert output.splitlines()[-1] == "2 problem(s) found"
    _assert_no_secret(output, emulator)
    assert "0123456789abcdef0123456789abcdef" not in output


def test_wrong_api_token_fails_credentials_with_where_to_find_it(emulator, pipeline_env, engine, monkeypatch, capsys):
    pipeline_env(emulator, reports=("grouped_detailed",))  # a public report stays readable
    monkeypatch.setenv("TOGGL_API_TOKEN", "not-a-valid-token-123456")

    code, output = _doctor(capsys)

    assert code == 1
    credentials = next(line for line in output.splitlines() if "credentials" in line)
    assert credentials.startswith("[FAIL]") and "Profile settings" in credentials and "API Token" in credentials
    assert "not-a-valid-token-123456" not in output


def test_private_report_with_a_member_token_fails(emulator, pipeline_env, engine, monkeypatch, capsys):
    pipeline_env(emulator, reports=("team_detailed",))
    monkeypatch.setenv("TOGGL_API_TOKEN", emulator.member_api_token)

    code, output = _doctor(capsys)

    assert code == 1
    line = next(line for line in output.splitlines() if "report 'team_detailed'" in line)
    assert line.startswith("[FAIL]") and "403" in line and "workspace admin" in line
    _assert_no_secret(output, emulator)


def test_unmigrated_database_is_reported(emulator, pipeline_env, database_server_url, monkeypatch, capsys):
    pipeline_env(emulator, reports=("grouped_detailed",))
    name = f"tw_doctor_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("DATABASE_URL", ensure_database(database_server_url, name))
    try:
        code, output = _doctor(capsys)
    finally:
        drop_database(database_server_url, name)

    assert code == 0  # loads apply migrations themselves: a warning, not a failure
    line = next(line for line in output.splitlines() if "migrations" in line)
    assert line.startswith("[warn]") and "toggl-warehouse migrate" in line


# What the notes say of each emulator dialect's answers: today's (names in rows, row-number cursor, no page cap)
# and Toggl's spec (ids only, all three cursor headers, X-Page-Size).
NOTES_OF_THE_PAGE = {
    "enriched": [
        "[note] report 'team_detailed' page size: asked 5 rows a page, served 5 with more to come; no X-Page-Size "
        "header: Toggl pages at that size",
        "[note] report 'team_detailed' cursor headers: X-Next-ID, X-Next-Row-Number came back (not X-Next-Timestamp)",
        "[note] report 'team_detailed' rows: carry names beside their ids (user_id, project_id, task_id, tag_ids)",
    ],
    "swagger": [
        "[note] report 'team_detailed' page size: asked 5 rows a page, served 5 with more to come; X-Page-Size: 5: "
        "Toggl pages at that size",
        "[note] report 'team_detailed' cursor headers: X-Next-ID, X-Next-Row-Number, X-Next-Timestamp came back",
        "[note] report 'team_detailed' rows: carry names for user_id but ids only for project_id, task_id, tag_ids; "
        "those names come from the dictionaries (clients, projects, tags, tasks, user_groups, users)",
    ],
}


@pytest.mark.both_dialects
def test_notes_say_what_the_answers_showed_of_the_api(emulator, pipeline_env, engine, capsys, emulator_dialect):
    pipeline_env(emulator, reports=("team_detailed", "team_summary"), TOGGL_WORKSPACE_IDS=emulator.workspace.id,
                 TOGGL_PAGE_SIZE=5)
    before = len(emulator.request_log)

    code, output = _doctor(capsys)

    assert code == 0, output
    assert [line for line in output.splitlines() if line.startswith("[note]")] == [
        *NOTES_OF_THE_PAGE[emulator_dialect],
        "[note] report 'team_detailed' quota headers: present (X-Toggl-Quota-Remaining, X-Toggl-Quota-Resets-In)",
        "[note] report 'team_summary' quota headers: present (X-Toggl-Quota-Remaining, X-Toggl-Quota-Resets-In)",
        f"[note] workspace {emulator.workspace.id} export headers: Date | Project | Client | Duration | "
        "Billable duration | Earnings (USD) | Labor cost (USD) | Profit (USD)",
    ]
    assert len(emulator.request_log) - before == 1 + 2 + 1  # the notes cost no request of their own
    _assert_no_secret(output, emulator)
    for user in emulator.workspace.users:
        assert user.name not in output and user.email not in output


def test_a_report_that_refuses_seven_days_is_probed_for_yesterday(emulator, pipeline_env, engine, capsys):
    pipeline_env(emulator, reports=("team_weekly",))
    emulator.faults.add(Fault(status=400, body='"The report period is not supported"',
                              path_contains=emulator.reports["team_weekly"].token))
    before = len(emulator.request_log)

    code, output = _doctor(capsys)

    assert code == 0, output
    assert "[ok  ] report 'team_weekly': weekly report readable" in output
    asked = [(body["start_date"], body["end_date"]) for _, _, body in emulator.request_log[before:] if "start_date" in body]
    day = yesterday("UTC").isoformat()
    assert asked == [((yesterday("UTC") - timedelta(days=6)).isoformat(), day), (day, day)]
