"""`toggl-warehouse db` with the embedded server, as a user meets it, in a private network namespace.

The namespace (``unshare -n``) hides the shared Postgres on 127.0.0.1:5432, so `db` must start the embedded
one. Covers: `db` prints a TCP URL alone on stdout; psql in another process reaches it over TCP and finds the
toggl_warehouse database; the server outlives the command; the project's normal resolution
(`resolve_database_url`) then finds that same server; `db` again reuses it; `db --stop` stops it and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("unshare") and shutil.which("psql")),
        reason="needs root, unshare and psql to run in a private network namespace",
    ),
]
PORT = "54391"

SCRIPT = r"""
set -eu
ip link set lo up
cli="$PYTHON -m toggl_warehouse.cli"
trap '$cli db --stop >/dev/null 2>&1 || true' EXIT
url=$($cli db 2>db.err)
echo "URL $url"
echo "PSQL $(psql "$url" -tAc 'SELECT current_database()')"
echo "FOUND $($PYTHON -c 'from toggl_warehouse.warehouse.database import resolve_database_url as r; d = r(None); print(d.origin, d.url)')"
echo "AGAIN $($cli db 2>/dev/null)"
$cli db --stop 2>stop.err
echo "STOPPED $(cat stop.err)"
echo "AFTER $(psql "$url" -tAc 'SELECT 1' 2>&1 | head -1)"
"""


def test_db_serves_the_embedded_warehouse_over_tcp_until_stopped(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("TOGGL_", "DATABASE_URL", "PG"))}
    environment |= {
        "PYTHON": sys.executable,
        "TOGGL_WAREHOUSE_DATA_DIR": str(tmp_path / "data" / "postgres"),
        "TOGGL_WAREHOUSE_DB_PORT": PORT,
    }

    finished = subprocess.run(
        ["unshare", "-n", "bash", "-c", SCRIPT], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=240,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr + (tmp_path / "db.err").read_text()
    lines = dict(line.split(" ", 1) for line in finished.stdout.splitlines() if " " in line)
    url = f"postgresql://postgres@127.0.0.1:{PORT}/toggl_warehouse"
    assert lines["URL"] == url
    assert lines["PSQL"] == "toggl_warehouse"
    assert lines["FOUND"] == f"db {url}"
    assert lines["AGAIN"] == url
    assert "stopped the embedded Postgres" in lines["STOPPED"]
    assert "Connection refused" in lines["AFTER"] or "could not connect" in lines["AFTER"]
    assert "db --stop" in (tmp_path / "db.err").read_text()
