"""TogglWarehouseComponent: its defs.yaml fields become the Settings the environment variables would make, its
secrets stay environment variables up to the run, source-asset specs can be overridden (prefix, group,
`translation`), and the scaffolded template loads."""

from __future__ import annotations

import textwrap
from datetime import date

import dagster as dg
import pytest
from dagster.components.core.component_tree import ComponentTree

from toggl_warehouse import TogglWarehouseComponent
from toggl_warehouse.component import SCAFFOLD_TEMPLATE
from toggl_warehouse.settings import Settings, SettingsError

def component_defs(*, component: TogglWarehouseComponent) -> dg.Definitions:
    """The component's definitions, built in Dagster's test load context."""
    return component.build_defs(ComponentTree.for_test().load_context)


FULL = """\
reports:
  - name: team
    token: "{{ env.T_TEAM_TOKEN }}"
  - name: billing
    token: literal-token
workspaces: [1234, 5678]
currency: EUR
start_date: "2024-03-01"
timezone: Europe/Berlin
trailing_days: 3
schedule: "15 4 * * *"
page_size: 250
gate: warn
api_url: http://127.0.0.1:9/
api_token: "{{ env.T_API_TOKEN }}"
database_url: "{{ env.T_DATABASE_URL }}"
min_request_interval: 0.5
"""


@pytest.fixture
def secrets(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("TOGGL_SHARED_REPORTS", "TOGGL_WORKSPACE_IDS", "TOGGL_API_TOKEN", "TOGGL_CURRENCY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    values = {"T_TEAM_TOKEN": "team-secret", "T_API_TOKEN": "api-secret", "T_DATABASE_URL": "postgresql://u:pw@db/w"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_every_field_maps_onto_the_setting_of_its_environment_variable(secrets):
    component = TogglWarehouseComponent.resolve_from_yaml(FULL)
    assert component.settings() == Settings.from_mapping({
        "TOGGL_SHARED_REPORTS": "team=team-secret,billing=literal-token", "TOGGL_WORKSPACE_IDS": "1234,5678",
        "TOGGL_CURRENCY": "EUR", "TOGGL_START_DATE": "2024-03-01", "TOGGL_TIMEZONE": "Europe/Berlin",
        "TOGGL_TRAILING_DAYS": "3", "TOGGL_SCHEDULE_CRON": "15 4 * * *", "TOGGL_PAGE_SIZE": "250",
        "TOGGL_TOTALS_GATE": "warn", "TOGGL_API_URL": "http://127.0.0.1:9/", "TOGGL_API_TOKEN": "api-secret",
        "DATABASE_URL": "postgresql://u:pw@db/w", "TOGGL_MIN_REQUEST_INTERVAL": "0.5",
    })
    assert component.settings().start_date == date(2024, 3, 1)


def test_secrets_reach_the_resources_as_environment_variables_not_values(secrets):
    defs = component_defs(component=TogglWarehouseComponent.resolve_from_yaml(FULL))
    dg.Definitions.validate_loadable(defs)
    toggl, warehouse = defs.resources["toggl"], defs.resources["warehouse"]
    assert (toggl.api_token, warehouse.database_url) == (dg.EnvVar("T_API_TOKEN"), dg.EnvVar("T_DATABASE_URL"))
    assert (toggl.shared_report_token_vars, toggl.shared_reports) == ("team=T_TEAM_TOKEN", "billing=literal-token")
    assert (toggl.page_size, toggl.min_request_interval, warehouse.totals_gate) == (250, 0.5, "warn")
    schedule = defs.resolve_schedule_def("toggl_daily")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("15 4 * * *", "Europe/Berlin")
    # at run time the resource reads each report's token from its variable
    assert toggl.shared_report("team").token == "team-secret"
    assert toggl.shared_report("billing").token == "literal-token"


def test_unset_secret_variables_load_and_a_run_names_the_missing_one(secrets, monkeypatch):
    for name in secrets:
        monkeypatch.delenv(name)
    defs = component_defs(component=TogglWarehouseComponent.resolve_from_yaml(FULL))
    dg.Definitions.validate_loadable(defs)  # as `dg check defs` in CI, without the secrets
    with pytest.raises(SettingsError) as error:
        defs.resources["toggl"].shared_report("team")
    assert str(error.value) == "shared report 'team': T_TEAM_TOKEN is not set; set it to the report's token"


def test_a_bad_value_is_reported_as_settings_reports_it(secrets):
    with pytest.raises(SettingsError) as error:
        TogglWarehouseComponent.resolve_from_yaml(FULL.replace("Europe/Berlin", "Mars/Olympus")).settings()
    assert str(error.value) == "TOGGL_TIMEZONE must be an IANA timezone such as Europe/Berlin, got 'Mars/Olympus'"


def test_from_environment_reads_the_variables_and_the_fields_override_them(secrets, monkeypatch):
    monkeypatch.setenv("TOGGL_SHARED_REPORTS", "team=env-token")
    monkeypatch.setenv("TOGGL_WORKSPACE_IDS", "42")
    monkeypatch.setenv("TOGGL_CURRENCY", "gbp")
    component = TogglWarehouseComponent.resolve_from_yaml("from_environment: true\ncurrency: chf\n")
    settings = component.settings()
    assert ([r.key for r in settings.shared_reports], settings.workspace_ids, settings.currency) == (["team"], (42,), "chf")
    toggl = component_defs(component=component).resources["toggl"]
    assert toggl.shared_reports == dg.EnvVar("TOGGL_SHARED_REPORTS")


def test_without_from_environment_the_variables_are_not_read(secrets, monkeypatch):
    monkeypatch.setenv("TOGGL_SHARED_REPORTS", "team=env-token")
    defs = component_defs(component=TogglWarehouseComponent.resolve_from_yaml("workspaces: [7]\nlineage: false\n"))
    assert [spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()] == ["toggl/profitability_7"]
    assert defs.resources["toggl"].shared_reports is None


def test_key_prefix_group_and_translation_override_the_source_asset_specs(secrets):
    component = TogglWarehouseComponent.resolve_from_yaml(FULL + textwrap.dedent("""\
        asset_key_prefix: [acme]
        group: acme_toggl
        translation:
          tags:
            source_kind: "{{ source.kind }}"
          description: "Toggl {{ source.kind }} {{ source.name }}"
        """))
    defs = component_defs(component=component)
    dg.Definitions.validate_loadable(defs)
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    team = specs["acme/toggl/shared_report_team"]
    workspace = specs["acme/toggl/profitability_1234"]
    assert (team.group_name, team.tags["source_kind"], team.description) == ("acme_toggl", "shared_report", "Toggl shared_report team")
    assert (workspace.group_name, workspace.tags["source_kind"]) == ("acme_toggl", "profitability")
    assert "toggl/shared_report_team" not in specs
    graph = defs.resolve_asset_graph()
    # checks, the job and lineage follow the keys the override returned
    assert dg.AssetCheckKey(dg.AssetKey(["acme", "toggl", "shared_report_team"]), "entries_match_toggl_totals") in graph.asset_check_keys
    assert dg.AssetCheckKey(dg.AssetKey(["acme", "toggl", "profitability_1234"]), "earnings_match_shared_report") in graph.asset_check_keys
    assert dg.AssetKey(["acme", "toggl", "shared_report_team"]) in {dep.asset_key for dep in specs["toggl/report_time_entries"].deps}
    assert set(defs.resolve_job_def("toggl_all").asset_layer.selected_asset_keys) >= {
        dg.AssetKey(["acme", "toggl", "shared_report_team"]), dg.AssetKey(["acme", "toggl", "profitability_5678"])}


def test_a_subclass_overrides_get_asset_spec(secrets):
    class Renamed(TogglWarehouseComponent):
        def get_asset_spec(self, spec, source):
            return spec.replace_attributes(key=dg.AssetKey(["sources", source.kind, source.name]))

    defs = component_defs(component=Renamed.resolve_from_yaml(FULL))
    keys = {spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()}
    assert {"sources/shared_report/team", "sources/profitability/1234"} <= keys


def test_the_scaffolded_template_loads_with_its_variables_set(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOGGL_REPORT_TOKEN_TEAM", "team-secret")
    monkeypatch.setenv("TOGGL_API_TOKEN", "api-secret")
    import yaml

    document = yaml.safe_load(SCAFFOLD_TEMPLATE.format(type_name="toggl_warehouse.TogglWarehouseComponent"))
    assert document["type"] == "toggl_warehouse.TogglWarehouseComponent"
    component = TogglWarehouseComponent.resolve_from_dict(document["attributes"])
    assert component.settings() == Settings.from_mapping({
        "TOGGL_SHARED_REPORTS": "team=team-secret", "TOGGL_API_TOKEN": "api-secret", "TOGGL_START_DATE": "2025-01-01"})
    defs = component_defs(component=component)
    dg.Definitions.validate_loadable(defs)
    assert "toggl/shared_report_team" in {spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()}
