"""Peak memory of extracting and loading a shared report vs the length of its range: streamed pages keep it flat.

Serves the emulator from a separate process (so its own data does not count), then loads one report
over ranges of growing length into a scratch database and prints, for each, the rows loaded and the
peak of Python allocations during the load (tracemalloc), beside the ratio to the shortest range.
Peak memory should stay about the same while the rows grow with the range.

    .venv/bin/python bench/bench_memory.py [--page-size 200] [--days 30,120,360]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.request
import uuid
from datetime import timedelta

from toggl_warehouse.dates import yesterday
from toggl_warehouse.extract.shared_reports import extract_shared_report
from toggl_warehouse.load.shared_reports import load_shared_report_fetch
from toggl_warehouse.toggl.client import SharedReportRef, TogglClient
from toggl_warehouse.warehouse.database import (
    create_engine_for,
    drop_database,
    ensure_database,
    find_server,
)
from toggl_warehouse.warehouse.migrations import apply_migrations


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(port: int) -> tuple[subprocess.Popen, dict]:
    process = subprocess.Popen(
        [sys.executable, "-m", "toggl_warehouse.cli", "emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/info", timeout=2) as answer:
                return process, json.load(answer)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the emulator did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--days", default="30,120,360")
    args = parser.parse_args()

    process, info = start_emulator(free_port())
    server = find_server()
    database = f"tw_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine_for(ensure_database(server.url, database))
    try:
        apply_migrations(engine)
        report = SharedReportRef("team_detailed", info["reports"]["team_detailed"])
        end = yesterday("UTC")
        baseline = None
        print(f"peak memory of one load vs its range (page size {args.page_size})")
        for days in (int(d) for d in args.days.split(",")):
            client = TogglClient(info["base_url"], api_token=info["api_token"], min_interval=0)
            tracemalloc.start()
            fetch = extract_shared_report(client, engine, report, end - timedelta(days=days - 1), end, page_size=args.page_size)
            outcome = load_shared_report_fetch(engine, fetch.fetch_id)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            client.close()
            baseline = baseline or peak
            print(
                f"  {days:>4} days: {outcome.rows.staged:>7} rows, {outcome.pages:>4} pages, "
                f"peak {peak / 2**20:7.1f} MiB ({peak / baseline:4.2f}x the shortest range)"
            )
    finally:
        engine.dispose()
        drop_database(server.url, database)
        process.terminate()


if __name__ == "__main__":
    main()
