"""Importing toggl_warehouse, any of its modules, or the Component changes nothing in the importing process:
the environment (no `.env` loaded), the warning filters and the logging set-up stay as they were."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys

import toggl_warehouse

PROBE = r"""
import importlib, json, logging, os, sys, warnings
names = json.loads(sys.argv[1])
# the dependencies first: requests and urllib3 add their own warning filters at import, which is not ours to judge
for dependency in ("dagster", "requests", "urllib3", "sqlalchemy", "pandas", "pyarrow", "psycopg", "tenacity", "dotenv"):
    importlib.import_module(dependency)
before = (dict(os.environ), list(warnings.filters), logging.getLogger().handlers[:])
for name in names:
    importlib.import_module(name)
from toggl_warehouse import TogglWarehouseComponent
after = (dict(os.environ), list(warnings.filters), logging.getLogger().handlers[:])
print(json.dumps({"env": sorted(set(after[0].items()) ^ set(before[0].items())),
                  "filters_same": after[1] == before[1], "handlers_same": after[2] == before[2],
                  "component": TogglWarehouseComponent.__name__}))
"""


def package_modules() -> list[str]:
    """Every module of the package but the emulator's command-line entry point."""
    return ["toggl_warehouse", *(info.name for info in pkgutil.walk_packages(toggl_warehouse.__path__, "toggl_warehouse.")
                                if not info.name.endswith("__main__"))]


def test_importing_every_module_changes_no_environment_variable_warning_filter_or_log_handler(tmp_path):
    (tmp_path / ".env").write_text("TOGGL_SHARED_REPORTS=team=from-dotenv\nTOGGL_API_TOKEN=from-dotenv\n")
    modules = package_modules()
    assert {"toggl_warehouse.definitions", "toggl_warehouse.component", "toggl_warehouse.cli"} <= set(modules)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TOGGL_", "DATABASE_URL"))}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(modules)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "env": [], "filters_same": True, "handlers_same": True, "component": "TogglWarehouseComponent"}
