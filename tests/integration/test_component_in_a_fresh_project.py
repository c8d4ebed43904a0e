"""toggl-warehouse as someone else's Dagster project uses it: a fresh `dg` project outside this repository (laid out
as `create-dagster project` lays one out) scaffolds `toggl_warehouse.TogglWarehouseComponent`, points its
`defs.yaml` at the emulator, and then `dg check defs` passes, `dg list defs` shows the assets, checks and
schedule, and `dg launch` over a partition range lands exactly the emulator's entries in Postgres.

The project's environment is this checkout's .venv (where `./run` installs the checkout), so it runs offline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from toggl_warehouse.dates import yesterday

pytestmark = pytest.mark.integration

COMPONENT = "toggl_warehouse.TogglWarehouseComponent"
REPORT = "team_detailed"


def fresh_project(root: Path) -> Path:
    """A dg project `acme_data` as `create-dagster project` writes one (src layout, defs/ folder)."""
    package = root / "src" / "acme_data"
    (package / "defs").mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent("""\
        [project]
        name = "acme_data"
        version = "0.1.0"
        requires-python = ">=3.11"
        dependencies = ["dagster", "toggl-warehouse"]

        [tool.dg]
        directory_type = "project"

        [tool.dg.project]
        root_module = "acme_data"
        registry_modules = ["acme_data.components.*"]
        """))
    (package / "__init__.py").write_text("")
    (package / "defs" / "__init__.py").write_text("")
    (package / "definitions.py").write_text(textwrap.dedent("""\
        from pathlib import Path

        import dagster as dg


        @dg.definitions
        def defs():
            return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
        """))
    return root


def test_a_fresh_dg_project_scaffolds_checks_lists_and_launches_the_component(
    tmp_path, shared_emulator, database_url, clean_warehouse
):
    project = fresh_project(tmp_path / "acme")
    venv = Path(sys.executable).parent.parent
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TOGGL_", "DAGSTER_", "DATABASE_URL"))}
    env |= {
        "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "DAGSTER_HOME": str(tmp_path / "home"), "PYTHONPATH": str(project / "src"),
        # the secrets the defs.yaml names, as a user would export them
        "ACME_TOGGL_API_TOKEN": shared_emulator.api_token,
        "ACME_TOGGL_TEAM_TOKEN": shared_emulator.reports[REPORT].token,
        "ACME_WAREHOUSE_URL": database_url,
    }
    (tmp_path / "home").mkdir()

    def dg(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(venv / "bin" / "dg"), *args], cwd=project, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"dg {' '.join(args)}:\n{(done.stdout + done.stderr)[-4000:]}"
        return done

    assert COMPONENT in {item["key"] for item in json.loads(dg("list", "components", "--json").stdout)["items"]}

    dg("scaffold", "defs", COMPONENT, "toggl")
    defs_yaml = project / "src" / "acme_data" / "defs" / "toggl" / "defs.yaml"
    scaffolded = defs_yaml.read_text()
    assert scaffolded.startswith(f"type: {COMPONENT}\n")
    assert 'token: "{{ env.TOGGL_REPORT_TOKEN_TEAM }}"' in scaffolded
    assert 'api_token: "{{ env.TOGGL_API_TOKEN }}"' in scaffolded

    end = yesterday("UTC")
    start = end - timedelta(days=9)
    component = yaml.safe_load(scaffolded)
    workspace_id = shared_emulator.workspace_ids[0]
    component["attributes"] |= {
        "reports": [{"name": REPORT, "token": "{{ env.ACME_TOGGL_TEAM_TOKEN }}"}],
        "workspaces": [workspace_id],
        "api_url": shared_emulator.base_url,
        "api_token": "{{ env.ACME_TOGGL_API_TOKEN }}",
        "database_url": "{{ env.ACME_WAREHOUSE_URL }}",
        "start_date": shared_emulator.config.start.isoformat(),
        "min_request_interval": 0,
        "page_size": 200,
        "group": "acme_toggl",
        "translation": {"tags": {"owner": "finance"}},
    }
    defs_yaml.write_text(yaml.safe_dump(component, sort_keys=False))

    checked = dg("check", "defs")
    assert "All definitions loaded successfully." in checked.stdout + checked.stderr

    definitions = json.loads(dg("list", "defs", "--json").stdout)
    assets = {asset["asset_key"]: asset for asset in definitions["assets"]}
    report_key, profitability_key = f"toggl/shared_report_{REPORT}", f"toggl/profitability_{workspace_id}"
    assert {report_key, profitability_key, "toggl/report_time_entries", "reporting/time_entries"} <= set(assets)
    assert (assets[report_key]["group_name"], assets[profitability_key]["group_name"]) == ("acme_toggl", "acme_toggl")
    assert {"key": "owner", "value": "finance"} in assets[report_key]["tags"]
    checks = {(check["asset_key"], check["name"]) for check in definitions["asset_checks"]}
    assert {(report_key, "entries_match_toggl_totals"), (profitability_key, "earnings_match_shared_report")} <= checks, checks
    assert {schedule["name"] for schedule in definitions["schedules"]} >= {"toggl_daily"}
    assert {job["name"] for job in definitions["jobs"]} >= {"toggl_all", "toggl_replay"}

    dg("launch", "--assets", report_key, "--partition-range", f"{start.isoformat()}...{end.isoformat()}")

    entries = [entry for row in shared_emulator.report_rows(REPORT, start, end) for entry in row["time_entries"]]
    totals = shared_emulator.report_totals(REPORT, start, end)
    with clean_warehouse.connect() as conn:
        rows, seconds = conn.execute(
            sa.text("SELECT count(*), sum(seconds) FROM toggl.report_time_entries "
                    "WHERE report_key = :key AND entry_date BETWEEN :start AND :end"),
            {"key": REPORT, "start": start, "end": end},
        ).one()
    assert len(entries) > 50
    assert (rows, seconds) == (len(entries), totals["seconds"])
