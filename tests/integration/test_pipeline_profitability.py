"""End-to-end: the profitability projects export from the emulator (real HTTP) into Postgres through Dagster.

Covers: CSV and XLSX of the same window land identical rows; every CSV header variant lands the same
canonical rows (an unrecognised column lands in `extra` and is reported); week and month resolutions are
widened to whole periods and re-running changes nothing; 400/402/403 fail the run with Toggl's message and
leave the warehouse untouched; the export agrees with the shared detailed report per project to the cent
(the `earnings_match_shared_report` asset check), and that check fails when the numbers disagree.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import dagster as dg
import pytest
import sqlalchemy as sa

from toggl_warehouse.assets.profitability import asset_key_for_workspace
from toggl_warehouse.assets.earnings_check import EARNINGS_CHECK, NO_REFERENCE
from toggl_warehouse.dates import period_end, period_start, period_starts, yesterday
from toggl_warehouse.definitions import ALL_TOGGL_JOB, build_definitions
from toggl_warehouse.extract.profitability import period_window
from toggl_warehouse.partitions import range_tags
from toggl_warehouse.toggl.emulator import Fault
from toggl_warehouse.toggl.emulator.profitability import (
    NO_PROJECT,
    ExportRequest,
    compute_rows,
)
from tests.integration.pipeline_helpers import (
    materialize,
    run_metadata,
    step_failure_messages,
    warehouse_checksums,
)

pytestmark = pytest.mark.integration

TABLE = "toggl.profitability_projects"
KEY = "workspace_id, resolution, currency, period_start, project_name, client_name"
CANONICAL = (
    "period_start, project_name, client_name, total_seconds, billable_seconds, "
    "earnings_in_cents, labour_cost_in_cents, profit_in_cents"
)


# ---- helpers ------------------------------------------------------------------------------------------


def configure(pipeline_env, emulator, reports=(), **extra):
    """Settings pointing at the emulator with its premium workspace as TOGGL_WORKSPACE_IDS."""
    extra.setdefault("TOGGL_WORKSPACE_IDS", emulator.workspace.id)
    return pipeline_env(emulator, reports=reports, **extra)


def stored(engine, columns: str = CANONICAL, where: str = "true") -> list[tuple]:
    """Rows of the table (`*`: in key order; else ordered by every selected column)."""
    order = KEY if columns == "*" else ", ".join(str(n) for n in range(1, columns.count(",") + 2))
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(f"SELECT {columns} FROM {TABLE} WHERE {where} ORDER BY {order}"))]


def expected(emulator, start: date, end: date, resolution: str, currency: str = "usd") -> list[tuple]:
    """The emulator's own rows for the request, as canonical table tuples."""
    request = ExportRequest(currency.upper(), start, end, resolution)
    rows = [
        (
            r.period,
            "" if r.project_name == NO_PROJECT else r.project_name,
            r.client_name,
            r.total_seconds,
            r.billable_seconds,
            r.earnings,
            r.labour_cost,
            r.profit,
        )
        for r in compute_rows(emulator.workspace, request)
    ]
    return sorted(rows)


def export_requests(emulator, workspace_id: int) -> list[dict]:
    """Bodies of the export requests the emulator received for a workspace."""
    marker = f"/workspace/{workspace_id}/profitability/"
    return [body for _method, path, body in emulator.request_log if marker in path]


def metadata_of(result: dg.ExecuteInProcessResult, workspace_id: int) -> dict:
    return run_metadata(result)[asset_key_for_workspace(workspace_id).path[-1]]


def earnings_check(result: dg.ExecuteInProcessResult):
    """The run's own evaluation of the earnings check (over its whole window; the per-day ones have a partition)."""
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == EARNINGS_CHECK and e.partition is None]
    return evaluation


def run_check_only(settings, start: date, end: date) -> dg.ExecuteInProcessResult:
    """Evaluate the earnings check alone through Dagster (no load, no API call)."""
    defs = build_definitions(settings)
    job = defs.resolve_job_def(ALL_TOGGL_JOB)
    node = next(name for name in job.graph.node_dict if name.endswith(EARNINGS_CHECK))
    return job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=range_tags(start, end), op_selection=[node], raise_on_error=False
    )


def recent_window(settings, days: int) -> tuple[date, date]:
    end = yesterday(settings.timezone)
    return end - timedelta(days=days - 1), end


# ---- formats and variants --------------------------------------------------------------------------------


def test_csv_and_xlsx_of_the_same_window_land_identical_rows(shared_emulator, pipeline_env, clean_warehouse):
    wid = shared_emulator.workspace.id
    settings = configure(pipeline_env, shared_emulator)
    start, end = recent_window(settings, 14)

    csv_result = materialize(settings, start, end)

    assert csv_result.success, step_failure_messages(csv_result)
    from_csv = stored(clean_warehouse, columns="*")
    assert len(from_csv) > 20
    assert stored(clean_warehouse) == expected(shared_emulator, start, end, "day")
    meta = metadata_of(csv_result, wid)
    periods = len(stored(clean_warehouse, columns="DISTINCT period_start"))
    assert (meta["format"], meta["api_requests"], meta["rows"], meta["periods"]) == ("csv", 1, len(from_csv), periods)
    assert meta["unrecognised_columns"] == [] and meta["warnings"] == []
    with clean_warehouse.connect() as conn:
        raw = conn.execute(
            sa.text("SELECT f.workspace_id, b.content_type, length(b.body_bytes) AS size, b.body_json, p.window_start, p.window_end "
                    "FROM toggl_raw.fetches f JOIN toggl_raw.pages p USING (fetch_id) JOIN toggl_raw.bodies b USING (content_sha256) "
                    "WHERE f.source = 'profitability_export'")
        ).one()
    assert (raw.workspace_id, raw.window_start, raw.window_end, raw.body_json) == (wid, start, end, None)
    assert raw.content_type.startswith("text/csv") and raw.size > 0

    xlsx_settings = configure(pipeline_env, shared_emulator, TOGGL_PROFITABILITY_FORMAT="xlsx")
    xlsx_result = materialize(xlsx_settings, start, end)

    assert xlsx_result.success, step_failure_messages(xlsx_result)
    assert metadata_of(xlsx_result, wid)["format"] == "xlsx"
    # Same rows, to the loaded_at: the merge found nothing to rewrite.
    assert stored(clean_warehouse, columns="*") == from_csv
    with clean_warehouse.connect() as conn:
        types = conn.execute(
            sa.text("SELECT b.content_type FROM toggl_raw.fetches f JOIN toggl_raw.pages p USING (fetch_id) "
                    "JOIN toggl_raw.bodies b USING (content_sha256) WHERE f.source = 'profitability_export' ORDER BY f.fetch_id")
        ).scalars().all()
    assert types[1] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # And the same rows when the XLSX lands into an empty table.
    with clean_warehouse.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {TABLE}"))
    assert materialize(xlsx_settings, start, end).success
    without_loaded_at = "workspace_id, resolution, currency, period_start, project_name, client_name, project_id, " \
        "total_seconds, billable_seconds, earnings_in_cents, labour_cost_in_cents, profit_in_cents, extra"
    assert stored(clean_warehouse, columns=without_loaded_at) == [row[:-1] for row in from_csv]


VARIANTS = {
    "default": {},
    "alternate headers, ';' and decimal comma, BOM": {"delimiter": ";", "bom": "true", "headers": "alternate"},
    "no totals row": {"totals_row": "false"},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_csv_variant_lands_the_same_canonical_rows(variant, shared_emulator, pipeline_env, clean_warehouse, monkeypatch):
    monkeypatch.setattr(shared_emulator.config, "profitability_csv", dict(VARIANTS[variant]))
    wid = shared_emulator.workspace.id
    settings = configure(pipeline_env, shared_emulator)
    start, end = recent_window(settings, 10)
    instance = dg.DagsterInstance.ephemeral()

    result = materialize(settings, start, end, instance=instance)

    assert result.success, step_failure_messages(result)
    assert stored(clean_warehouse) == expected(shared_emulator, start, end, "day")
    meta = metadata_of(result, wid)
    warnings = [
        entry.user_message for entry in instance.all_logs(result.run_id) if entry.level == 30 and "Margin" in (entry.user_message or "")
    ]
    if VARIANTS[variant].get("headers") == "alternate":
        assert meta["unrecognised_columns"] == ["Margin %"]
        assert warnings and "Margin %" in warnings[0]
        extras = stored(clean_warehouse, columns="extra, project_name, project_id, earnings_in_cents, profit_in_cents")
        assert all(set(extra) == {"Margin %"} for extra, *_ in extras)
        for extra, project_name, project_id, earnings, profit in extras:
            assert (project_id is not None) == (project_name != "")  # this variant carries "Project ID"
            # The export's margin is kept as received (decimal comma): the profit over the earnings.
            margin = "" if not earnings else str((Decimal(profit * 100) / Decimal(earnings)).quantize(Decimal("0.01"), ROUND_HALF_UP))
            assert extra["Margin %"] == margin.replace(".", ",")
    else:
        assert meta["unrecognised_columns"] == [] and not warnings
        assert stored(clean_warehouse, columns="DISTINCT extra") == [({},)]


# ---- resolutions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", ["week", "month"])
def test_week_and_month_periods_are_widened_and_a_rerun_changes_nothing(resolution, shared_emulator, pipeline_env, clean_warehouse):
    wid = shared_emulator.workspace.id
    day_settings = configure(pipeline_env, shared_emulator)
    last = yesterday(day_settings.timezone)
    # A range that starts and ends inside periods, all of them complete and in the past.
    start = period_start(last - timedelta(days=75), resolution) + timedelta(days=2)
    end = period_end(period_start(last - timedelta(days=40), resolution), resolution) - timedelta(days=2)
    assert materialize(day_settings, start, end).success
    day_rows = stored(clean_warehouse, columns="*")
    settings = configure(pipeline_env, shared_emulator, TOGGL_PROFITABILITY_RESOLUTION=resolution)
    before = len(export_requests(shared_emulator, wid))

    result = materialize(settings, start, end)

    assert result.success, step_failure_messages(result)
    window_start, window_end = period_start(start, resolution), period_end(period_start(end, resolution), resolution)
    assert (window_start, window_end) == period_window(start, end, resolution, not_after=last)
    # The day rows of the same workspace are another slice: the week/month load left them as they were.
    assert stored(clean_warehouse, columns="*", where="resolution = 'day'") == day_rows
    assert window_start < start and window_end > end
    [body] = export_requests(shared_emulator, wid)[before:]
    assert (body["start_date"], body["end_date"], body["resolution"]) == (window_start.isoformat(), window_end.isoformat(), resolution)
    assert set(body) == {"currency", "start_date", "end_date", "resolution"}
    rows = stored(clean_warehouse, where=f"resolution = '{resolution}'")
    assert rows == expected(shared_emulator, window_start, window_end, resolution)
    assert sorted({row[0] for row in rows}) == period_starts(window_start, window_end, resolution)
    # Each period holds exactly its days: equal to the sum of the day rows loaded for the same days.
    assert materialize(day_settings, window_start, window_end).success
    per_period: dict = defaultdict(lambda: [0, 0])
    for row in stored(clean_warehouse, where="resolution = 'day'"):
        per_period[period_start(row[0], resolution)][0] += row[3]
        per_period[period_start(row[0], resolution)][1] += row[5]
    loaded = defaultdict(lambda: [0, 0])
    for row in rows:
        loaded[row[0]][0] += row[3]
        loaded[row[0]][1] += row[5]
    assert loaded == per_period
    meta = metadata_of(result, wid)
    assert (meta["api_requests"], meta["periods"], meta["window"]) == (1, len(loaded), f"{window_start}..{window_end}")

    before_rerun = warehouse_checksums(clean_warehouse)
    rerun = materialize(settings, start, end)

    assert rerun.success
    assert warehouse_checksums(clean_warehouse) == before_rerun
    assert "| 0 | 0 | 0 |" in metadata_of(rerun, wid)["table_changes"]


def test_a_range_over_366_days_is_cut_at_period_boundaries():
    from toggl_warehouse.extract.profitability import request_ranges

    ranges = request_ranges(date(2024, 1, 1), date(2025, 12, 31), "month")
    assert ranges == [(date(2024, 1, 1), date(2024, 12, 31)), (date(2025, 1, 1), date(2025, 12, 31))]
    weeks = request_ranges(date(2024, 1, 1), date(2025, 6, 29), "week")
    assert all((b - a).days + 1 <= 366 and a.weekday() == 0 and b.weekday() == 6 for a, b in weeks)
    assert [r[0] for r in weeks[1:]] == [r[1] + timedelta(days=1) for r in weeks[:-1]]
    assert request_ranges(date(2025, 1, 1), date(2025, 1, 31), "day") == [(date(2025, 1, 1), date(2025, 1, 31))]


# ---- errors ----------------------------------------------------------------------------------------------


ERRORS = {
    "400 invalid parameters": ({"TOGGL_CURRENCY": "xyz"}, None, "(400): Invalid parameters"),
    "400 invalid workspace": ({"TOGGL_WORKSPACE_IDS": "1"}, None, "(400): Invalid workspace ID"),
    "400 invalid date span": ({}, Fault(status=400, body='"Invalid date span"', path_contains="/profitability/"), "(400): Invalid date span"),
    "402 plan lacks the feature": ("free", None, "plan does not include this feature (402)"),
    "403 not an admin": ({"TOGGL_API_TOKEN": "member"}, None, "(403): User has no access to workspace or is not admin"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_toggl_errors_fail_the_run_with_their_message_and_leave_the_warehouse_untouched(case, emulator, pipeline_env, clean_warehouse):
    settings = configure(pipeline_env, emulator)
    start, end = recent_window(settings, 7)
    assert materialize(settings, start, end).success
    emulator.workspace.delete_entry(emulator.workspace.entries_between(start, end)[0].id)  # a reload would change rows
    before = warehouse_checksums(clean_warehouse)
    assert before[TABLE][0] > 0
    overrides, fault, message = ERRORS[case]
    if overrides == "free":
        overrides = {"TOGGL_WORKSPACE_IDS": emulator.workspace_ids[1]}
    elif overrides.get("TOGGL_API_TOKEN") == "member":
        overrides = {"TOGGL_API_TOKEN": emulator.member_api_token}
    if fault is not None:
        emulator.faults.add(fault)
    failing = configure(pipeline_env, emulator, **overrides)
    wid = failing.workspace_ids[0]
    requests_before = len(export_requests(emulator, wid))

    result = materialize(failing, start, end)

    assert not result.success
    [failure] = step_failure_messages(result)
    assert f"profitability export of workspace {wid}" in failure and message in failure
    if case.startswith("403"):
        assert "admins of workspace" in failure
    assert len(export_requests(emulator, wid)) - requests_before == 1  # never retried
    assert warehouse_checksums(clean_warehouse) == before


# ---- cross-source check ----------------------------------------------------------------------------------


def test_earnings_per_project_equal_the_shared_report_and_the_check_passes(shared_emulator, pipeline_env, clean_warehouse):
    settings = configure(pipeline_env, shared_emulator, reports=("team_detailed", "grouped_detailed"))
    start, end = recent_window(settings, 14)

    result = materialize(settings, start, end)

    assert result.success, step_failure_messages(result)
    with clean_warehouse.connect() as conn:
        export = {
            (row.project_name, row.client_name): (row.seconds, row.cents)
            for row in conn.execute(sa.text(
                f"SELECT project_name, client_name, sum(total_seconds) AS seconds, sum(earnings_in_cents) AS cents FROM {TABLE} GROUP BY 1, 2"
            ))
        }
        report = {
            (row.project_name, row.client_name): (row.seconds, row.cents, row.currencies)
            for row in conn.execute(sa.text(
                "SELECT coalesce(project_name, '') AS project_name, coalesce(client_name, '') AS client_name, sum(seconds) AS seconds, "
                "sum(billable_amount_in_cents) AS cents, array_agg(DISTINCT currency) AS currencies "
                "FROM toggl.report_time_entries WHERE report_key = 'team_detailed' AND entry_date BETWEEN :s AND :e GROUP BY 1, 2"
            ), {"s": start, "e": end})
        }
    assert export.keys() == report.keys()
    in_usd = [key for key, value in report.items() if value[2] == ["USD"]]
    in_eur = [key for key, value in report.items() if value[2] == ["EUR"]]
    assert len(in_usd) >= 3 and in_eur
    for key in in_usd:
        # exact cents and seconds; work without a rate is NULL money in the report (swagger dialect) and 0 earnings
        # in the export
        assert export[key] == (report[key][0], 0 if report[key][1] is None else report[key][1]), key
    for key in in_eur:
        assert export[key][0] == report[key][0]  # seconds agree; the cents were converted to USD by Toggl
    assert any(export[key][1] != report[key][1] for key in in_eur)

    check = earnings_check(result)
    assert check.passed, check.metadata
    meta = {name: value.value for name, value in check.metadata.items()}
    assert meta["reference_report"] == "team_detailed"  # the first configured shared report
    assert meta["periods_compared"] == 14
    assert meta["projects_compared"] == len(report) and meta["projects_money_compared"] == len(in_usd)
    assert meta["export_earnings_in_cents"] == meta["report_billable_amount_in_cents"] == sum(report[k][1] or 0 for k in in_usd)
    assert "note" not in meta


def test_the_check_compares_whole_weeks_the_report_covers_against_the_chosen_report(shared_emulator, pipeline_env, clean_warehouse):
    settings = configure(
        pipeline_env, shared_emulator, reports=("team_detailed", "grouped_detailed"),
        TOGGL_PROFITABILITY_RESOLUTION="week", TOGGL_RECONCILE_REPORT="grouped_detailed",
    )
    last = yesterday(settings.timezone)
    start, end = last - timedelta(days=30), last - timedelta(days=5)

    result = materialize(settings, start, end)

    assert result.success, step_failure_messages(result)
    check = earnings_check(result)
    meta = {name: value.value for name, value in check.metadata.items()}
    whole_weeks = [p for p in period_starts(start, end, "week") if p >= start and period_end(p, "week") <= end]
    assert check.passed, meta
    assert meta["reference_report"] == "grouped_detailed"
    assert meta["periods_compared"] == len(whole_weeks) >= 2
    assert meta["projects_money_compared"] >= 3


def test_the_check_fails_when_the_numbers_disagree(shared_emulator, pipeline_env, clean_warehouse):
    settings = configure(pipeline_env, shared_emulator, reports=("team_detailed",))
    start, end = recent_window(settings, 7)
    assert earnings_check(materialize(settings, start, end)).passed
    with clean_warehouse.connect() as conn:
        by_currency = dict(conn.execute(sa.text(
            "SELECT currency, min(project_name) FROM toggl.report_time_entries "
            "WHERE billable AND project_name IS NOT NULL AND billable_amount_in_cents > 0 GROUP BY currency"
        )).all())
    usd_project, eur_project = by_currency["USD"], by_currency["EUR"]

    def change(assignment: str, project: str) -> None:
        with clean_warehouse.begin() as conn:
            changed = conn.execute(sa.text(
                f"UPDATE {TABLE} SET {assignment} WHERE (project_name, period_start) = "
                f"(SELECT project_name, max(period_start) FROM {TABLE} WHERE project_name = :p GROUP BY 1)"
            ), {"p": project}).rowcount
        assert changed == 1

    change("earnings_in_cents = earnings_in_cents + 1", usd_project)
    result = run_check_only(settings, start, end)

    assert result.success  # a failed check is not a failed run
    check = earnings_check(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    table = check.metadata["disagreements"].value
    assert usd_project.replace("\n", " ") in table and table.count("\n") == 2  # header, rule, one project

    # Cents of a project in another currency are not comparable (Toggl converted them) ...
    change("earnings_in_cents = earnings_in_cents - 1", usd_project)
    change("earnings_in_cents = earnings_in_cents + 100", eur_project)
    assert earnings_check(run_check_only(settings, start, end)).passed
    # ... but its seconds are.
    change("total_seconds = total_seconds + 1", eur_project)
    failed = earnings_check(run_check_only(settings, start, end))
    assert not failed.passed and eur_project.replace("\n", " ") in failed.metadata["disagreements"].value


def test_the_check_passes_with_a_note_when_no_reference_report_covers_the_window(shared_emulator, pipeline_env, clean_warehouse):
    settings = configure(pipeline_env, shared_emulator, reports=("team_detailed",))
    start, end = recent_window(settings, 7)
    assert materialize(settings, start, end).success
    # The report was loaded for other days than the ones now checked.
    earlier_start, earlier_end = start - timedelta(days=14), start - timedelta(days=8)
    only_profitability = build_definitions(settings).resolve_job_def(ALL_TOGGL_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        tags=range_tags(earlier_start, earlier_end),
        asset_selection=[asset_key_for_workspace(shared_emulator.workspace.id)],
        raise_on_error=False,
    )
    assert only_profitability.success, step_failure_messages(only_profitability)
    check = earnings_check(only_profitability)
    assert check.passed and check.metadata["note"].value == NO_REFERENCE
    assert check.metadata["periods_compared"].value == 0

    without_reports = configure(pipeline_env, shared_emulator)
    alone = materialize(without_reports, start, end)
    check = earnings_check(alone)
    assert check.passed and check.metadata["note"].value.startswith(NO_REFERENCE)


# ---- filters, settings and the BI view ---------------------------------------------------------------------


def test_filters_are_sent_only_when_set_and_a_null_client_means_without_client(shared_emulator, pipeline_env, clean_warehouse):
    wid = shared_emulator.workspace.id
    settings = configure(
        pipeline_env, shared_emulator, reports=("team_detailed",),
        TOGGL_PROFITABILITY_CLIENT_IDS="null", TOGGL_PROFITABILITY_BILLABLE="false",
    )
    start, end = recent_window(settings, 10)
    before = len(export_requests(shared_emulator, wid))

    result = materialize(settings, start, end)

    assert result.success, step_failure_messages(result)
    [body] = export_requests(shared_emulator, wid)[before:]
    assert body["client_ids"] == [None] and body["billable"] is False
    assert not {"project_ids", "rounding", "rounding_minutes"} & set(body)
    clients = {row[0] for row in stored(clean_warehouse, columns="DISTINCT client_name")}
    assert clients == {""}
    check = earnings_check(result)
    assert check.passed and "only the exported projects" in check.metadata["note"].value
    assert check.metadata["projects_compared"].value == len(stored(clean_warehouse, columns="DISTINCT project_name"))


def test_each_workspace_gets_an_asset_with_its_check_in_the_job():
    from toggl_warehouse.settings import Settings

    settings = Settings.from_mapping({"TOGGL_WORKSPACE_IDS": "11,22", "TOGGL_SHARED_REPORTS": "team=abc", "TOGGL_API_TOKEN": "t"})
    defs = build_definitions(settings)
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    for wid in (11, 22):
        node = graph.get(asset_key_for_workspace(wid))
        assert node.group_name == "toggl_profitability" and node.pools == {"toggl_api"}
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
        assert dg.AssetCheckKey(asset_key_for_workspace(wid), EARNINGS_CHECK) in graph.asset_check_keys
    job_assets = {key.to_user_string() for key in defs.resolve_job_def(ALL_TOGGL_JOB).asset_layer.selected_asset_keys}
    assert job_assets == {"toggl/profitability_11", "toggl/profitability_22", "toggl/shared_report_team"}
    only_workspaces = build_definitions(Settings.from_mapping({"TOGGL_WORKSPACE_IDS": "11"}))
    assert {k.to_user_string() for k in only_workspaces.resolve_job_def(ALL_TOGGL_JOB).asset_layer.selected_asset_keys} == {
        "toggl/profitability_11"
    }


def test_the_reconcile_report_must_be_a_configured_shared_report():
    from toggl_warehouse.settings import Settings, SettingsError

    settings = Settings.from_mapping({"TOGGL_SHARED_REPORTS": "team=abc,finance=def"})
    assert settings.reference_report_key == "team"
    chosen = Settings.from_mapping({"TOGGL_SHARED_REPORTS": "team=abc,finance=def", "TOGGL_RECONCILE_REPORT": "finance"})
    assert chosen.reference_report_key == "finance"
    with pytest.raises(SettingsError, match="TOGGL_RECONCILE_REPORT names 'other'") as error:
        Settings.from_mapping({"TOGGL_SHARED_REPORTS": "team=abc", "TOGGL_RECONCILE_REPORT": "other"})
    assert "abc" not in str(error.value)
    assert Settings.from_mapping({}).reference_report_key is None


def test_the_bi_view_shows_hours_money_margin_and_resolved_names(shared_emulator, pipeline_env, clean_warehouse):
    settings = configure(pipeline_env, shared_emulator, reports=("team_detailed",))
    start, end = recent_window(settings, 5)
    assert materialize(settings, start, end).success
    with clean_warehouse.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT v.*, p.total_seconds, p.earnings_in_cents, p.labour_cost_in_cents, p.profit_in_cents, pr.project_id AS known_id "
            "FROM reporting.project_profitability v JOIN toggl.profitability_projects p "
            "ON (p.workspace_id, p.resolution, p.currency, p.period_start) = (v.workspace_id, v.resolution, lower(v.currency), v.period_start) "
            "AND p.project_name = CASE WHEN v.project_name = '(no project)' THEN '' ELSE v.project_name END "
            "AND p.client_name = CASE WHEN v.client_name = '(no client)' THEN '' ELSE v.client_name END "
            "LEFT JOIN toggl.projects pr ON pr.name = p.project_name"
        )).mappings().all()
    assert len(rows) == len(stored(clean_warehouse)) > 0
    for row in rows:
        assert row["currency"] == "USD" and row["period_end"] == row["period_start"]
        assert row["hours"] == round(Decimal(row["total_seconds"]) / 3600, 6)
        assert (row["earnings"], row["labour_cost"], row["profit"]) == tuple(
            Decimal(row[c]) / 100 for c in ("earnings_in_cents", "labour_cost_in_cents", "profit_in_cents")
        )
        expected_margin = round(Decimal(row["profit_in_cents"]) / row["earnings_in_cents"], 4) if row["earnings_in_cents"] else None
        assert row["margin"] == expected_margin
        assert row["project_id"] == row["known_id"]  # the CSV has no ids: resolved through toggl.projects
    assert any(row["project_name"] == "(no project)" and row["client_name"] == "(no client)" for row in rows)
    assert any(row["project_id"] is not None for row in rows)


# ---- awkward names and empty exports, through HTTP ------------------------------------------------------


def test_names_with_commas_quotes_newlines_and_unicode_survive_every_format(shared_emulator, pipeline_env, clean_warehouse):
    awkward = {p.name for p in shared_emulator.workspace.projects} & {"Data Pipeline, Phase 2", "Mobile App\nBeta", 'Überprüfung "Audit" 2025'}
    settings = configure(pipeline_env, shared_emulator)
    start, end = recent_window(settings, 30)
    names_by_format = {}
    for file_format in ("csv", "xlsx"):
        settings = configure(pipeline_env, shared_emulator, TOGGL_PROFITABILITY_FORMAT=file_format)
        assert materialize(settings, start, end).success
        names_by_format[file_format] = {row[0] for row in stored(clean_warehouse, "project_name, client_name")}
    assert awkward <= names_by_format["csv"] == names_by_format["xlsx"]
    assert 'Smith, Jones & "Partners"' in {row[1] for row in stored(clean_warehouse, "project_name, client_name")}


def test_an_empty_export_replaces_the_window_with_nothing(shared_emulator, pipeline_env, clean_warehouse):
    settings = configure(pipeline_env, shared_emulator)
    start, end = recent_window(settings, 5)
    assert materialize(settings, start, end).success
    assert len(stored(clean_warehouse)) > 0
    unused = next(p for p in shared_emulator.workspace.projects if not p.active)  # no time in recent days
    settings = configure(pipeline_env, shared_emulator, TOGGL_PROFITABILITY_PROJECT_IDS=unused.id)

    result = materialize(settings, start, end)

    assert result.success
    assert stored(clean_warehouse) == []
    assert metadata_of(result, shared_emulator.workspace.id)["rows_loaded"] == 0
