"""Failed backfills as a user meets them: the CLI in a subprocess, against the emulator's fault switches.

Covers: a failed run ends with one FAILED line giving the cause (no Dagster wrapper, no stack trace on the
console) and exit code 1; `--verbose` adds the stack trace; two first-ever backfills started at once on a
new DAGSTER_HOME both succeed (the instance's SQLite storage is created under a file lock).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from toggl_warehouse.dates import yesterday
from toggl_warehouse.toggl.emulator import Fault

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def environment(emulator, database_url: str, home: Path) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("TOGGL_", "DAGSTER_"))}
    return base | {
        "TOGGL_API_URL": emulator.base_url,
        "TOGGL_API_TOKEN": emulator.api_token,
        "TOGGL_SHARED_REPORTS": f"team={emulator.reports['team_detailed'].token}",
        "TOGGL_MIN_REQUEST_INTERVAL": "0",
        "TOGGL_START_DATE": emulator.config.start.isoformat(),
        "TOGGL_PAGE_SIZE": "50",
        "DATABASE_URL": database_url,
        "DAGSTER_HOME": str(home),
    }


def backfill(env: dict[str, str], cwd: Path, *extra: str) -> subprocess.Popen:
    end = yesterday("UTC")
    return subprocess.Popen(
        [sys.executable, "-m", "toggl_warehouse.cli", "backfill", "--start", (end - timedelta(days=9)).isoformat(),
         "--end", end.isoformat(), *extra],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "verbose"])
def test_a_failed_backfill_ends_with_its_cause_in_one_line(emulator, database_url, clean_warehouse, tmp_path, verbose):
    emulator.faults.add(Fault.slow(0))
    emulator.faults.add(Fault.plan_lacks_feature())
    process = backfill(environment(emulator, database_url, tmp_path / "home"), tmp_path, *(["--verbose"] if verbose else []))
    out, err = process.communicate(timeout=240)

    assert process.returncode == 1, err[-2000:]
    failed = [line for line in out.splitlines() if line.startswith("FAILED ")]
    assert len(failed) == 1
    assert failed[0].endswith(
        "shared report 'team': Toggl says the workspace's plan does not include this feature (402): This feature is not "
        "available on the workspace's plan. Not retried: upgrade the workspace or remove this source from the "
        "configuration (fetch 1 kept 1 page(s) in toggl_raw for inspection)"
    )
    assert "DagsterExecutionStepExecutionError" not in out + err
    assert ("Stack Trace" in err) is verbose
    assert emulator.reports["team_detailed"].token not in out + err


def test_two_first_backfills_on_a_new_dagster_home_both_succeed(emulator, database_url, clean_warehouse, tmp_path):
    # As in a fresh clone: DAGSTER_HOME unset, so each command makes ./.dagster_home from ./dagster.yaml.
    (tmp_path / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    env = environment(emulator, database_url, tmp_path)
    del env["DAGSTER_HOME"]
    processes = [backfill(env, tmp_path) for _ in range(3)]
    results = [process.communicate(timeout=240) for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], [err[-2000:] for _, err in results]
