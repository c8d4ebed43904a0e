"""The extract → check → load figures: what a resumed fetch saves, how long transactions stay open while a
page is slow, and how fast a replay rebuilds tables from toggl_raw beside the fetch it replays.

Runs in process against the emulator (real HTTP) and a scratch database; prints, never asserts.

    .venv/bin/python bench/bench_stages.py [--users 30] [--days 180] [--page-size 200]
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

from toggl_warehouse.dates import yesterday
from toggl_warehouse.extract.shared_reports import extract_shared_report
from toggl_warehouse.load.shared_reports import load_shared_report_fetch
from toggl_warehouse.toggl.client import SharedReportRef, TogglClient
from toggl_warehouse.toggl.emulator import EmulatorConfig, Fault, TogglEmulator
from toggl_warehouse.toggl.errors import TogglError
from toggl_warehouse.warehouse.database import create_engine_for, drop_database, ensure_database, find_server
from toggl_warehouse.warehouse.locks import slice_lock
from toggl_warehouse.warehouse.migrations import apply_migrations

REPORT = "team_detailed"


def client_for(emulator: TogglEmulator, **kw) -> TogglClient:
    return TogglClient(emulator.base_url, api_token=emulator.api_token, min_interval=0, **kw)


def resumed_fetch(emulator, engine, report, start, end, page_size: int) -> None:
    """A fetch cut by a quota 402 half way, run again: requests of the resumed run vs a fresh one."""
    pages = -(-len(emulator.report_rows(REPORT, start, end)) // page_size)
    for _ in range(pages // 2):
        emulator.faults.add(Fault.slow(0))
    emulator.faults.add(Fault.quota_exceeded(resets_in=7200))
    client = client_for(emulator, max_quota_wait=5)
    try:
        extract_shared_report(client, engine, report, start, end, page_size=page_size)
    except TogglError:
        pass
    first = client.requests_sent
    client = client_for(emulator)
    fetch = extract_shared_report(client, engine, report, start, end, page_size=page_size)
    print(f"resume: {pages} pages; the failed run paid {first} request(s), the resumed run {client.requests_sent} "
          f"(a fresh fetch: {pages}); {fetch.resumed_pages} page(s) not paid again")


def longest_transaction(emulator, engine, report, start, end, page_size: int, slow_seconds: float) -> None:
    """A fetch-and-load whose second page takes `slow_seconds`: the longest transaction seen meanwhile."""
    emulator.faults.add(Fault.slow(0))
    emulator.faults.add(Fault.slow(slow_seconds))
    database = engine.url.database
    longest = [0.0]
    done = threading.Event()

    def watch() -> None:
        probe = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
        while not done.is_set():
            with probe.connect() as conn:
                age = conn.execute(sa.text(
                    "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"), {"db": database}).scalar()
            longest[0] = max(longest[0], float(age))
            time.sleep(0.01)
        probe.dispose()

    watcher = threading.Thread(target=watch)
    watcher.start()
    began = time.perf_counter()
    with slice_lock(engine, f"shared_report {REPORT}"):
        fetch = extract_shared_report(client_for(emulator), engine, report, start, end, page_size=page_size)
        load_shared_report_fetch(engine, fetch.fetch_id)
    wall = time.perf_counter() - began
    done.set()
    watcher.join()
    print(f"slow page: one page took {slow_seconds:.1f} s of a {wall:.1f} s fetch-and-load; "
          f"the longest transaction open meanwhile lasted {longest[0]:.3f} s")


def replay_speed(emulator, engine, report, start, end, page_size: int) -> None:
    """Rows/s of loading a stored fetch again (replay) beside fetching it and loading it the first time."""
    began = time.perf_counter()
    fetch = extract_shared_report(client_for(emulator), engine, report, start, end, page_size=page_size)
    fetched = time.perf_counter() - began
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM toggl.report_time_entries"))
    began = time.perf_counter()
    first = load_shared_report_fetch(engine, fetch.fetch_id)
    loaded = time.perf_counter() - began
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM toggl.report_time_entries"))
    began = time.perf_counter()
    replayed = load_shared_report_fetch(engine, fetch.fetch_id)
    replay = time.perf_counter() - began
    rows = replayed.rows.staged
    print(f"replay: {rows} rows from {fetch.pages} stored pages in {replay:.2f} s = {rows / replay:,.0f} rows/s "
          f"(extract over HTTP {fetched:.2f} s; first load {loaded:.2f} s; requests during replay: 0)")
    assert first.rows.staged == rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--slow-seconds", type=float, default=3.0)
    args = parser.parse_args()
    end = yesterday("UTC")
    start = end - timedelta(days=args.days - 1)
    server = find_server()
    database = f"tw_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine_for(ensure_database(server.url, database))
    try:
        apply_migrations(engine)
        with TogglEmulator(EmulatorConfig(users=args.users, start=start - timedelta(days=7), end=end + timedelta(days=1))) as emulator:
            report = SharedReportRef(REPORT, emulator.reports[REPORT].token)
            print(f"extract -> check -> load: {args.users} users x {args.days} days, page size {args.page_size}")
            resumed_fetch(emulator, engine, report, start, end, args.page_size)
            longest_transaction(emulator, engine, report, end - timedelta(days=29), end, args.page_size, args.slow_seconds)
            replay_speed(emulator, engine, report, start, end, args.page_size)
    finally:
        engine.dispose()
        drop_database(server.url, database)


if __name__ == "__main__":
    main()
