"""The Dagster instance config the CLI writes into a Dagster home that has none.

Without a dagster.yaml, Dagster warns "No dagster instance configuration file" and prints its telemetry banner in
the middle of a command's output. A home the CLI uses without one (a user's own DAGSTER_HOME, or ./.dagster_home
in a directory without this project's dagster.yaml) gets this minimal file, written once and atomically (two
commands started at once both find a whole file), and the command says so in one line.
"""

from __future__ import annotations

import os
from pathlib import Path

MINIMAL_INSTANCE_CONFIG = """\
# Written by toggl-warehouse: this Dagster home had no dagster.yaml. Edit it freely; it is never overwritten.
# Dagster's default storage (SQLite files in this directory), telemetry off, and the project's limits: one Toggl
# API call at a time across runs (the `toggl_api` pool; Toggl's quota is per user), at most 4 runs at once.
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 4

run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 60

telemetry:
  enabled: false
"""


def ensure_instance_config(home: Path) -> str | None:
    """Write MINIMAL_INSTANCE_CONFIG to `home`/dagster.yaml when there is none; the line saying so, else None."""
    target = home / "dagster.yaml"
    if target.is_file():
        return None
    home.mkdir(parents=True, exist_ok=True)
    staging = home / f".dagster.yaml.{os.getpid()}"
    staging.write_text(MINIMAL_INSTANCE_CONFIG)
    try:
        os.link(staging, target)  # fails if another command wrote it first: that file is kept
    except FileExistsError:
        return None
    finally:
        staging.unlink()
    return (f"toggl-warehouse: {home} had no dagster.yaml; wrote one (Dagster's default SQLite storage, telemetry "
            "off, one Toggl API call at a time)")
