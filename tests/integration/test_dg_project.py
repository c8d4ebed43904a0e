"""The project as `dg` sees it: `dg check defs` loads the code location of [tool.dg] (with sources configured,
and with none) and passes, without Dagster's beta/preview/supersession warnings on the way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIGURED = {"TOGGL_SHARED_REPORTS": "team=dg-check,billing=dg-check-2", "TOGGL_WORKSPACE_IDS": "1234", "TOGGL_API_TOKEN": "dg-check"}


@pytest.mark.parametrize("configured", [True, False], ids=["sources", "nothing-configured"])
def test_dg_check_defs_passes_quietly(configured, tmp_path):
    venv = Path(sys.executable).parent.parent
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TOGGL_", "DAGSTER_"))}
    env |= {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            "DAGSTER_HOME": str(tmp_path)} | (CONFIGURED if configured else {})
    done = subprocess.run([str(venv / "bin" / "dg"), "check", "defs"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "All definitions loaded successfully." in output
    for noise in ("BetaWarning", "PreviewWarning", "SupersessionWarning"):
        assert noise not in output
