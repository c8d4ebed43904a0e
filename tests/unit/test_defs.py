"""The code location loads: every definition builds from the environment, with and without sources."""

from __future__ import annotations

import dagster as dg

from toggl_warehouse.definitions import ALL_TOGGL_JOB, build_definitions
from toggl_warehouse.settings import Settings


def test_definitions_with_reports_have_assets_job_schedule_and_checks():
    settings = Settings.from_mapping({"TOGGL_SHARED_REPORTS": "team=abc,finance-2=def", "TOGGL_API_TOKEN": "t"})
    defs = build_definitions(settings)
    dg.Definitions.validate_loadable(defs)
    keys = {spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()}
    assert {"toggl/shared_report_team", "toggl/shared_report_finance_2"} <= keys
    assert defs.resolve_job_def(ALL_TOGGL_JOB).partitions_def is not None
    assert defs.resolve_schedule_def("toggl_daily").execution_timezone == "UTC"
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "entries_match_toggl_totals" in checks


def test_definitions_without_configuration_still_load():
    defs = build_definitions(Settings.from_mapping({}))
    dg.Definitions.validate_loadable(defs)
    assert not list(defs.resolve_all_asset_specs())


def test_the_code_location_loads_the_component_of_the_defs_folder_from_the_environment(monkeypatch, tmp_path):
    import toggl_warehouse.definitions as module

    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in {"TOGGL_SHARED_REPORTS": "team=abc", "TOGGL_WORKSPACE_IDS": "1234", "TOGGL_API_TOKEN": "t"}.items():
        monkeypatch.setenv(name, value)
    defs = module.defs()  # built when Dagster asks (lazily), never at import
    dg.Definitions.validate_loadable(defs)
    keys = {spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()}
    assert {"toggl/shared_report_team", "toggl/profitability_1234", "toggl/report_time_entries"} <= keys
    assert defs.resolve_schedule_def("toggl_daily").cron_schedule == "30 2 * * *"
