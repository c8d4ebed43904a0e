"""A first backfill on a Dagster home without dagster.yaml (a user's own DAGSTER_HOME) is quiet.

Dagster would warn that the home has no dagster.yaml and print its telemetry banner in the middle of the
backfill's output (between the run's log lines); the CLI writes a minimal instance config there instead (Dagster's stock storage, telemetry
off, the project's pool limit) and says so in one line. The second backfill finds it and says nothing.
"""

from __future__ import annotations

import pytest

from toggl_warehouse.instance_config import MINIMAL_INSTANCE_CONFIG
from tests.integration.test_cli_failures import backfill, environment

pytestmark = pytest.mark.integration


def test_a_fresh_dagster_home_gets_a_minimal_config_and_one_line(emulator, database_url, clean_warehouse, tmp_path):
    home = tmp_path / "my_dagster_home"
    home.mkdir()
    env = environment(emulator, database_url, home)

    out, err = backfill(env, tmp_path).communicate(timeout=240)

    note = (f"toggl-warehouse: {home} had no dagster.yaml; wrote one (Dagster's default SQLite storage, telemetry off, "
            "one Toggl API call at a time)")
    first, *logged = err.splitlines()
    assert first == note
    assert logged and all(" - dagster - INFO - toggl_all - " in line for line in logged), err  # the run's own log only
    assert "dagster.yaml" not in out + "".join(logged) and "elemetry" not in out + "".join(logged)
    assert (home / "dagster.yaml").read_text() == MINIMAL_INSTANCE_CONFIG
    assert sorted(path.name for path in home.iterdir() if path.name.startswith(".dagster.yaml")) == []

    out, err = backfill(env, tmp_path).communicate(timeout=240)

    assert err == ""  # the chunk is done: nothing ran, nothing to say
    assert "1 chunk(s) already done" in out.splitlines()[-1]  # the same instance: the first backfill is known
