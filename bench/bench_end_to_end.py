"""End to end: one detailed shared report over a range, through the fetch floor, the afternoon script and the product.

Serves the Toggl emulator in this process at the given size (``--users`` × ``--days``), prepares it once
(generates and encodes the range, untimed: the same for every path) and forgets its cached answers
before each path, then runs each path as its own subprocess, page size 1000:

  floor      a requests loop fetching every page, JSON-parsed, nothing else
  afternoon  the script a user writes in an afternoon: requests loop -> ``pd.json_normalize(record_path=...)``
             -> ``DataFrame.to_sql`` into a fresh database
  product    ``toggl-warehouse backfill --start A --end B`` (the console script, its defaults) into a fresh
             database, pointed at the emulator through the environment as a user would; once with the local
             ``dagster.yaml`` (SQLite instance storage) and once with ``deploy/dagster.yaml`` (Postgres instance
             storage in a fresh database)
  static     the floor again, against the same page bodies pre-rendered and served from memory (a static
             file server's best case): the yardstick of the emulator itself

Wall is the whole subprocess as a user would time it; peak RSS is that subprocess's own (``os.wait4``).
Prints a table and the ratios beside the goals of issue 7. Timings are printed, never asserted.
Each product run's wall is also split where its first and its last page had landed (the timestamps of
its own log lines for them): "before" is start-up, the instance, the run and its planned events; "after"
is the gate, the one-transaction load, the materializations and exit. Neither overlaps any fetch, so
floor + before + after is about the least the product could take even if its fetch loop cost nothing
beyond the floor's.

    .venv/bin/python bench/bench_end_to_end.py [--users 332] [--days 365] [--seed 7] [--repeat 1]

With ``--repeat N`` every path runs N times, round by round (each round's product runs load fresh databases);
walls are medians with their range, and each ratio is the median of the rounds' own ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE_SIZE = 1000
REPORT = "team_detailed"
ROOT = Path(__file__).resolve().parents[1]
CONSOLE_SCRIPT = Path(sys.executable).parent / "toggl-warehouse"
GOALS = {"product / afternoon wall": 0.5, "product / floor wall": 2.0, "product / afternoon peak RSS": 0.35}
EMULATOR_GOAL = 0.5  # the emulator serves at least half as fast per entry as the static pages


# ---- the paths (each runs in its own subprocess: `bench_end_to_end.py --path NAME ...`) -----------------

def fetch_pages(url: str, token: str | None, start: str, end: str):
    """Yield every parsed page of the report, following X-Next-Row-Number (the loop every path shares)."""
    import requests

    body = {"start_date": start, "end_date": end, "page_size": PAGE_SIZE}
    auth = (token, "api_token") if token else None
    with requests.Session() as session:
        while True:
            response = session.post(url, json=body, auth=auth, timeout=300)
            response.raise_for_status()
            yield response.json()
            if "X-Next-Row-Number" not in response.headers:
                return
            body["first_row_number"] = int(response.headers["X-Next-Row-Number"])


def path_floor(args: argparse.Namespace) -> int:
    pages = fetch_pages(args.url, args.token, args.start, args.end)
    return sum(len(row["time_entries"]) for page in pages for row in page["detailed_results"]["report"])


def path_afternoon(args: argparse.Namespace) -> int:
    import pandas as pd
    import sqlalchemy as sa
    from sqlalchemy.dialects.postgresql import ARRAY

    rows = [row for page in fetch_pages(args.url, args.token, args.start, args.end)
            for row in page["detailed_results"]["report"]]
    meta = [key for key in rows[0] if key != "time_entries"] if rows else []
    frame = pd.json_normalize(rows, record_path="time_entries", meta=meta, record_prefix="entry_")
    engine = sa.create_engine(args.database_url)
    frame.to_sql("time_entries", engine, if_exists="replace", index=False,
                 dtype={"tag_ids": ARRAY(sa.BigInteger), "tag_names": ARRAY(sa.Text)})
    engine.dispose()
    return len(frame)


PATHS = {"floor": path_floor, "afternoon": path_afternoon}


def run_path(args: argparse.Namespace) -> None:
    print(json.dumps({"entries": PATHS[args.path](args)}))


# ---- measuring a subprocess ----------------------------------------------------------------------------

@dataclass
class Measured:
    name: str
    wall: float
    entries: int
    peak_rss_mb: float
    # product runs: seconds of the run spent before its first page arrived and after its last (see fetch_span)
    before_first_page: float | None = None
    after_last_page: float | None = None

    @property
    def not_fetching(self) -> float | None:
        return None if self.before_first_page is None else self.before_first_page + self.after_last_page


def measure(command: list[str], env: dict[str, str] | None, cwd: str | None) -> dict:
    """Run one subprocess: its wall seconds, peak RSS (MB, its own: ``os.wait4``), exit code and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started, began = time.perf_counter(), time.time()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return {"wall": wall, "began": began, "rss_mb": usage.ru_maxrss / 1024, "returncode": process.returncode,
                "stdout": out.read().decode(errors="replace"), "stderr": err.read().decode(errors="replace")[-4000:]}


def serve_launcher() -> None:
    """The launcher's loop: one JSON request per stdin line, one JSON result per stdout line."""
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(measure(request["command"], request["env"], request["cwd"])), flush=True)


class Launcher:
    """A small process that starts every measured subprocess. Linux counts the memory a child was forked
    (or vforked) from in its peak RSS, so children started from this process, which holds the emulator,
    would all look as big as the emulator."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, __file__, "--launcher"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def run(self, name: str, command: list[str], env: dict[str, str] | None = None,
            cwd: str | None = None) -> tuple[float, float, str, float]:
        """(wall seconds, peak RSS in MB, stdout, epoch seconds it began); exits with its stderr if it fails."""
        self.process.stdin.write(json.dumps({"command": command, "env": env, "cwd": cwd}) + "\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        if result["returncode"] != 0:
            sys.exit(f"{name} failed (exit {result['returncode']}):\n{result['stderr']}")
        return result["wall"], result["rss_mb"], result["stdout"], result["began"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def measure_path(launcher: Launcher, name: str, url: str, token: str | None, start: date, end: date,
                 database_url: str = "") -> Measured:
    command = [sys.executable, __file__, "--path", name, "--url", url, "--token", token or "",
               "--start", start.isoformat(), "--end", end.isoformat(), "--database-url", database_url]
    wall, rss, out, _ = launcher.run(name, command)
    return Measured(name, wall, json.loads(out.strip().splitlines()[-1])["entries"], rss)


def measure_product(launcher: Launcher, emulator, start: date, end: date, database_url: str,
                    dagster_pg_url: str | None = None) -> Measured:
    """`toggl-warehouse backfill` in a scratch directory with its own Dagster home, as a user runs it: with
    the local `dagster.yaml` (SQLite instance storage), or with `dagster_pg_url` the production
    `deploy/dagster.yaml` (Postgres instance storage)."""
    from toggl_warehouse.warehouse.database import create_engine_for

    scratch = Path(tempfile.mkdtemp(prefix="tw_bench_"))
    try:
        home = scratch / "dagster_home"
        home.mkdir()
        instance_config = "deploy/dagster.yaml" if dagster_pg_url else "dagster.yaml"
        shutil.copyfile(ROOT / instance_config, home / "dagster.yaml")
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("TOGGL_", "DAGSTER_")) and key != "DATABASE_URL"}
        if dagster_pg_url:
            env["DAGSTER_PG_URL"] = dagster_pg_url
        env.update({
            "TOGGL_API_URL": emulator.base_url, "TOGGL_API_TOKEN": emulator.api_token,
            "TOGGL_SHARED_REPORTS": f"{REPORT}={emulator.reports[REPORT].token}",
            "TOGGL_MIN_REQUEST_INTERVAL": "0", "TOGGL_PAGE_SIZE": str(PAGE_SIZE),
            "TOGGL_START_DATE": start.isoformat(), "DATABASE_URL": database_url, "DAGSTER_HOME": str(home),
        })
        command = [str(CONSOLE_SCRIPT), "backfill", "--start", start.isoformat(), "--end", end.isoformat()]
        wall, rss, _, began = launcher.run("product", command, env=env, cwd=str(scratch))
        first_page_at, last_page_at = fetch_span(home, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    engine = create_engine_for(database_url)
    with engine.connect() as conn:
        loaded = conn.exec_driver_sql("SELECT count(*) FROM toggl.report_time_entries").scalar_one()
    engine.dispose()
    return Measured("product_pg" if dagster_pg_url else "product", wall, loaded, rss,
                    before_first_page=first_page_at - began, after_last_page=began + wall - last_page_at)


def fetch_span(home: Path, env: dict[str, str]) -> tuple[float, float]:
    """When the product run's first page and its last page had landed (epoch seconds): the timestamps of the
    run's own log lines for them in its Dagster event log ("... page 1: ..." and "... (the last): ..."),
    written by the fetching thread once each page is in toggl_raw."""
    import dagster as dg

    saved = {key: os.environ.get(key) for key in ("DAGSTER_HOME", "DAGSTER_PG_URL")}
    os.environ.update({key: env[key] for key in saved if key in env})
    try:
        with dg.DagsterInstance.get() as instance:
            (run,) = instance.get_runs()
            pages = [entry for entry in instance.all_logs(run.run_id)
                     if entry.dagster_event is None and "shared report" in entry.user_message]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    first = next(entry.timestamp for entry in pages if re.search(r" page 1( \(the last\))?:", entry.user_message))
    last = next(entry.timestamp for entry in reversed(pages) if "(the last)" in entry.user_message)
    return first, last


# ---- the emulator and the static yardstick -------------------------------------------------------------

def prepare(emulator, start: date, end: date) -> list[tuple[bytes, dict[str, str]]]:
    """Serve every page once in-process (generating and encoding the range); return the pages."""
    from toggl_warehouse.toggl.emulator.reports import shared_report_response

    body, pages = {"start_date": start.isoformat(), "end_date": end.isoformat(), "page_size": PAGE_SIZE}, []
    while True:
        payload, headers = shared_report_response(emulator.workspace, emulator.reports[REPORT], body,
                                                  emulator.today, cache=emulator.answers)
        pages.append((payload, headers))
        if "X-Next-Row-Number" not in headers:
            return pages
        body = {**body, "first_row_number": int(headers["X-Next-Row-Number"])}


def static_server(pages: list[tuple[bytes, dict[str, str]]]) -> ThreadingHTTPServer:
    """Answers a report POST with the pre-rendered page its first_row_number names: no work per request."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            payload, headers = pages[(int(body.get("first_row_number", 1)) - 1) // PAGE_SIZE]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):  # noqa: A002 - signature of the base class
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---- the report ----------------------------------------------------------------------------------------

def print_table(rounds: list[dict[str, Measured]], entries: int) -> None:
    """Each path's median wall (and its range over the rounds), and each ratio as the median of the rounds' own
    ratios: the paths of one round ran back to back, so a round's ratio is fair even when the host drifts."""
    many = len(rounds) > 1
    print(f"\n{'path':<50} {'wall s':>8} {'entries/s':>11} {'peak RSS MB':>12}" + ("   wall range s" if many else ""))
    labels = {"floor": "fetch floor (requests + JSON parse)",
              "afternoon": "afternoon script (json_normalize + to_sql)",
              "product": "toggl-warehouse backfill (local: SQLite instance)",
              "product_pg": "  same, Postgres instance (deploy/dagster.yaml)",
              "static": "(fetch floor against static pages)"}
    for name in rounds[0]:
        walls = [r[name].wall for r in rounds]
        wall, rss = statistics.median(walls), max(r[name].peak_rss_mb for r in rounds)
        spread = f"   {min(walls):.2f}-{max(walls):.2f}" if many else ""
        print(f"{labels[name]:<50} {wall:>8.2f} {entries / wall:>11,.0f} {rss:>12,.0f}{spread}")
    print(f"\n{'ratio' + (f' (median of {len(rounds)} rounds)' if many else ''):<50} {'measured':>8} {'goal':>11}"
          + ("        range" if many else ""))

    def line(label: str, values: list[float], goal: float, at_most: bool) -> None:
        value = statistics.median(values)
        verdict = "met" if (value <= goal if at_most else value >= goal) else "not yet"
        spread = f"  {min(values):.2f}-{max(values):.2f}x" if many else ""
        print(f"{label:<50} {value:>7.2f}x {('<= ' if at_most else '>= ') + format(goal, '.2f') + 'x':>11}  {verdict:<7}{spread}")

    for instance, label in (("product", "SQLite instance"), ("product_pg", "Postgres instance")):
        ratios = {"product / afternoon wall": [r[instance].wall / r["afternoon"].wall for r in rounds],
                  "product / floor wall": [r[instance].wall / r["floor"].wall for r in rounds],
                  "product / afternoon peak RSS": [r[instance].peak_rss_mb / r["afternoon"].peak_rss_mb for r in rounds]}
        for name, values in ratios.items():
            line(f"{name} ({label})", values, GOALS[name], at_most=True)
    line("emulator speed / static pages (per entry)", [r["static"].wall / r["floor"].wall for r in rounds],
         EMULATOR_GOAL, at_most=False)
    print_not_fetching(rounds)


def print_not_fetching(rounds: list[dict[str, Measured]]) -> None:
    """The product's wall split at its first and last page, and the floor ratio it would have if its fetch
    loop took no longer than the whole floor run: what the rest of the run alone allows."""
    print(f"\n{'product run, split at its first and last page':<50} {'before':>8} {'fetching':>9} {'after':>8}"
          f"   {'best case: floor + before + after, / floor':>42}")
    for instance, label in (("product", "SQLite instance"), ("product_pg", "Postgres instance")):
        median = {part: statistics.median(getattr(r[instance], part) for r in rounds)
                  for part in ("before_first_page", "after_last_page", "wall")}
        fetching = max(0.0, median["wall"] - median["before_first_page"] - median["after_last_page"])
        best = statistics.median((r["floor"].wall + r[instance].not_fetching) / r["floor"].wall for r in rounds)
        print(f"{label:<50} {median['before_first_page']:>7.2f}s {fetching:>8.2f}s {median['after_last_page']:>7.2f}s"
              f"   {best:>41.2f}x")


def measure_round(launcher: Launcher, emulator, server, static, start: date, end: date) -> dict[str, Measured]:
    """Every path once, back to back, each product run into fresh databases (a first load every round)."""
    from sqlalchemy.engine import make_url

    from toggl_warehouse.warehouse.database import drop_database, ensure_database

    databases = {name: f"tw_bench_{name}_{uuid.uuid4().hex[:8]}" for name in ("afternoon", "product", "product_pg", "dagster")}
    report_url = f"{emulator.base_url}/reports/api/v3/shared/{emulator.reports[REPORT].token}"
    results: dict[str, Measured] = {}
    try:
        urls = {name: ensure_database(server.url, database) for name, database in databases.items()}
        for name in ("floor", "afternoon"):
            emulator.answers.clear()
            results[name] = measure_path(launcher, name, report_url, emulator.api_token, start, end, urls.get(name, ""))
        emulator.answers.clear()
        results["product"] = measure_product(launcher, emulator, start, end, urls["product"])
        emulator.answers.clear()
        dagster_pg = make_url(urls["dagster"]).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
        results["product_pg"] = measure_product(launcher, emulator, start, end, urls["product_pg"], dagster_pg)
        static_url = f"http://127.0.0.1:{static.server_address[1]}/reports/api/v3/shared/static"
        results["static"] = measure_path(launcher, "floor", static_url, None, start, end)
        results["static"].name = "static"
    finally:
        for database in databases.values():
            drop_database(server.url, database)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=332,
                        help="people in the emulated workspace (default 332: about 250k entries a year, issue 7's size)")
    parser.add_argument("--days", type=int, default=365, help="days in the range, ending yesterday (default 365)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every path; medians and ranges are printed (default 1)")
    parser.add_argument("--path", choices=sorted(PATHS), help=argparse.SUPPRESS)  # a subprocess running one path
    parser.add_argument("--launcher", action="store_true", help=argparse.SUPPRESS)  # see Launcher
    for hidden in ("--url", "--token", "--start", "--end", "--database-url"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.path:
        return run_path(args)
    if args.launcher:
        return serve_launcher()
    launcher = Launcher()  # first, while this process is still small

    from toggl_warehouse.dates import yesterday
    from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator
    from toggl_warehouse.warehouse.database import find_server

    end = yesterday("UTC")
    start = end - timedelta(days=args.days - 1)
    emulator = TogglEmulator(EmulatorConfig(seed=args.seed, users=args.users, start=start, end=end + timedelta(days=1),
                                            quota_per_hour=10**9))
    began = time.perf_counter()
    pages = prepare(emulator, start, end)
    entries = len(emulator.workspace.entries_between(start, end))
    print(f"end to end: {entries:,} time entries, {args.users} users, {start}..{end}, {len(pages)} pages of "
          f"{PAGE_SIZE} (emulator prepared in {time.perf_counter() - began:.1f} s, untimed)")
    gc.freeze()  # the emulator's data is long-lived: keep the collector from rescanning it while serving

    server = find_server()
    static = static_server(pages)
    rounds: list[dict[str, Measured]] = []
    with emulator:
        try:
            for _ in range(args.repeat):
                rounds.append(measure_round(launcher, emulator, server, static, start, end))
        finally:
            launcher.close()
            static.shutdown()
    mismatched = {m.name: m.entries for r in rounds for m in r.values() if m.entries != entries}
    if mismatched:
        print(f"WARNING: entries differ from the {entries:,} served: {mismatched}")
    print_table(rounds, entries)


if __name__ == "__main__":
    main()
