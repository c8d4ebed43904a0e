"""End to end: one detailed shared report over a range, through the fetch floor, the afternoon script and the product.

The pages cost O(page): the Toggl emulator renders every answer once, untimed, and a minimal threaded HTTP
server (this process) then answers each request from memory, keyed on the request (method, path, JSON body),
so a page costs only its bytes — what a static file server does. The same bytes serve every path, in the
same run; a request never seen before is fetched from the emulator once (counted, and printed: it means a
path asked for something the warm-up did not).

Each path runs as its own subprocess, page size 1000:

  floor      a requests loop fetching every page, JSON-parsed, nothing else
  afternoon  the script a user writes in an afternoon: requests loop -> ``pd.json_normalize(record_path=...)``
             -> ``DataFrame.to_sql`` into a fresh database
  product    ``toggl-warehouse backfill --start A --end B`` (the console script, its defaults, the local
             ``dagster.yaml``) into a fresh database, pointed at the server through the environment as a
             user would; once over the whole range and once over its first ``--short-days`` (peak memory
             must not grow with the pages)
  product@REV  with ``--ab REV`` (repeatable): the same command from the package as committed at REV (``git
             archive``, imported ahead of this checkout), in the same rounds: the A/B of whatever REV has that
             this checkout does not (the speed paths removed for issue 19 are all in 9db56ef)

Wall is the whole subprocess as a user would time it; peak RSS is that subprocess's own (``os.wait4``).
Each product run's wall is also split where its first and its last page had landed (its own log lines).

    .venv/bin/python bench/bench_end_to_end.py [--users 332] [--days 365] [--seed 7] [--repeat 1] [--ab REV ...]

With ``--repeat N`` every path runs N times, round by round; walls are medians with their range, and each
ratio is the median of the rounds' own ratios (the paths of one round run back to back).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

PAGE_SIZE = 1000
REPORT = "team_detailed"
ROOT = Path(__file__).resolve().parents[1]
CONSOLE_SCRIPT = Path(sys.executable).parent / "toggl-warehouse"
GOALS = {"product / afternoon wall": 1.0, "product peak RSS, range / short range": 1.2}


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


# ---- the O(page) server ----------------------------------------------------------------------------------

class PageServer:
    """Answers every request from memory, keyed on (method, path, JSON body); a request it has not seen is
    asked of `upstream` (the emulator) once and kept, and counted in `misses` (reset per measured path)."""

    DROPPED = {"content-length", "transfer-encoding", "connection", "date", "server", "keep-alive"}

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.answers: dict[tuple[str, str, str], tuple[int, list[tuple[str, str]], bytes]] = {}
        self.misses = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = server.answer(self.command, self.path, body, dict(self.headers))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, format, *args):  # noqa: A002 - signature of the base class
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @staticmethod
    def key(method: str, path: str, body: bytes) -> tuple[str, str, str]:
        try:
            canonical = json.dumps(json.loads(body), sort_keys=True) if body else ""
        except ValueError:
            canonical = body.decode("latin-1")
        return method, path, canonical

    def answer(self, method: str, path: str, body: bytes, headers: dict[str, str]):
        key = self.key(method, path, body)
        found = self.answers.get(key)
        if found is not None:
            return found
        with self._lock:
            self.misses += 1
            sent = {k: v for k, v in headers.items() if k.lower() not in self.DROPPED | {"host", "accept-encoding"}}
            request = urllib.request.Request(self.upstream + path, data=body or None, method=method, headers=sent)
            try:
                with urllib.request.urlopen(request, timeout=600) as response:
                    status, reply, payload = response.status, response.getheaders(), response.read()
            except urllib.error.HTTPError as error:
                status, reply, payload = error.code, error.headers.items(), error.read()
            kept = [(k, v) for k, v in reply if k.lower() not in self.DROPPED]
            self.answers[key] = found = (status, kept, payload)
            return found

    def shutdown(self) -> None:
        self._http.shutdown()


# ---- measuring a subprocess ----------------------------------------------------------------------------

@dataclass
class Measured:
    name: str
    wall: float
    entries: int
    peak_rss_mb: float
    misses: int = 0
    # product runs: seconds of the run spent before its first page arrived and after its last (see fetch_span)
    before_first_page: float | None = None
    after_last_page: float | None = None


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
    (or vforked) from in its peak RSS, so children started from this process, which holds the emulator and
    the pages, would all look as big as it."""

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


def measure_path(launcher: Launcher, pages: PageServer, name: str, url: str, token: str, start: date, end: date,
                 database_url: str = "") -> Measured:
    command = [sys.executable, __file__, "--path", name, "--url", url, "--token", token,
               "--start", start.isoformat(), "--end", end.isoformat(), "--database-url", database_url]
    pages.misses = 0
    wall, rss, out, _ = launcher.run(name, command)
    return Measured(name, wall, json.loads(out.strip().splitlines()[-1])["entries"], rss, pages.misses)


def measure_product(launcher: Launcher, pages: PageServer, emulator, name: str, start: date, end: date,
                    database_url: str, package_root: Path | None = None) -> Measured:
    """`toggl-warehouse backfill` in a scratch directory with its own Dagster home and the local `dagster.yaml`,
    as a user runs it; with `package_root`, the package (and `dagster.yaml`) of that tree instead."""
    from toggl_warehouse.warehouse.database import create_engine_for

    scratch = Path(tempfile.mkdtemp(prefix="tw_bench_"))
    try:
        home = scratch / "dagster_home"
        home.mkdir()
        shutil.copyfile((package_root or ROOT) / "dagster.yaml", home / "dagster.yaml")
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("TOGGL_", "DAGSTER_")) and key not in ("DATABASE_URL", "PYTHONPATH")}
        env.update({
            "TOGGL_API_URL": pages.base_url, "TOGGL_API_TOKEN": emulator.api_token,
            "TOGGL_SHARED_REPORTS": f"{REPORT}={emulator.reports[REPORT].token}",
            "TOGGL_MIN_REQUEST_INTERVAL": "0", "TOGGL_PAGE_SIZE": str(PAGE_SIZE),
            "TOGGL_START_DATE": start.isoformat(), "DATABASE_URL": database_url, "DAGSTER_HOME": str(home),
        })
        if package_root is not None:
            env["PYTHONPATH"] = str(package_root / "pipelines")
        command = [str(CONSOLE_SCRIPT), "backfill", "--start", start.isoformat(), "--end", end.isoformat()]
        pages.misses = 0
        wall, rss, _, began = launcher.run(name, command, env=env, cwd=str(scratch))
        misses = pages.misses
        span = fetch_span(home, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    engine = create_engine_for(database_url)
    with engine.connect() as conn:
        loaded = conn.exec_driver_sql("SELECT count(*) FROM toggl.report_time_entries").scalar_one()
    engine.dispose()
    measured = Measured(name, wall, loaded, rss, misses)
    if span is not None:
        measured.before_first_page, measured.after_last_page = span[0] - began, began + wall - span[1]
    return measured


def fetch_span(home: Path, env: dict[str, str]) -> tuple[float, float] | None:
    """When the product run's first page and its last page had landed (epoch seconds): the timestamps of the
    run's own log lines for them in its Dagster event log ("... page 1: ..." and "... (the last): ...").
    None when the run's instance cannot be read here (another tree's storage)."""
    import dagster as dg

    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    try:
        with dg.DagsterInstance.get() as instance:
            (run,) = instance.get_runs()
            logs = [entry for entry in instance.all_logs(run.run_id)
                    if entry.dagster_event is None and "shared report" in entry.user_message]
        first = next(e.timestamp for e in logs if re.search(r" page 1( \(the last\))?:", e.user_message))
        last = next(e.timestamp for e in reversed(logs) if "(the last)" in e.user_message)
        return first, last
    except Exception:  # noqa: BLE001 - the split is extra; the wall stands without it
        return None
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved


def checkout(rev: str) -> Path:
    """The tree of `rev` (its pipelines/, sql/ and dagster.yaml) in a scratch directory, via `git archive`."""
    target = Path(tempfile.mkdtemp(prefix="tw_bench_ab_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "pipelines", "sql", "dagster.yaml"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


# ---- the report ----------------------------------------------------------------------------------------

LABELS = {"floor": "fetch floor (requests + JSON parse)",
          "afternoon": "afternoon script (json_normalize + to_sql)",
          "product": "toggl-warehouse backfill",
          "product_short": "toggl-warehouse backfill, first {short} days"}


def print_table(rounds: list[dict[str, Measured]], entries: int, short_entries: int, short_days: int) -> None:
    """Each path's median wall (and its range), and each ratio as the median of the rounds' own ratios."""
    many = len(rounds) > 1
    print(f"\n{'path':<52} {'wall s':>8} {'entries/s':>11} {'peak RSS MB':>12}" + ("   wall range s" if many else ""))
    for name in rounds[0]:
        walls = [r[name].wall for r in rounds]
        wall, rss = statistics.median(walls), max(r[name].peak_rss_mb for r in rounds)
        label = LABELS.get(name, f"toggl-warehouse backfill at {name.removeprefix('product@')}").format(short=short_days)
        count = short_entries if name == "product_short" else entries
        spread = f"   {min(walls):.2f}-{max(walls):.2f}" if many else ""
        print(f"{label:<52} {wall:>8.2f} {count / wall:>11,.0f} {rss:>12,.0f}{spread}")
    print(f"\n{'ratio' + (f' (median of {len(rounds)} rounds)' if many else ''):<52} {'measured':>8} {'goal':>11}"
          + ("        range" if many else ""))

    def line(label: str, values: list[float], goal: float | None) -> None:
        value = statistics.median(values)
        target = f"<= {goal:.2f}x" if goal is not None else ""
        verdict = "" if goal is None else ("met" if value <= goal else "not met")
        spread = f"  {min(values):.2f}-{max(values):.2f}x" if many else ""
        print(f"{label:<52} {value:>7.2f}x {target:>11}  {verdict:<7}{spread}")

    line("product / afternoon script, wall", [r["product"].wall / r["afternoon"].wall for r in rounds],
         GOALS["product / afternoon wall"])
    line("product / fetch floor, wall", [r["product"].wall / r["floor"].wall for r in rounds], None)
    line("afternoon script / fetch floor, wall", [r["afternoon"].wall / r["floor"].wall for r in rounds], None)
    line("product / afternoon script, peak RSS",
         [r["product"].peak_rss_mb / r["afternoon"].peak_rss_mb for r in rounds], None)
    line(f"product peak RSS, {entries:,} / {short_entries:,} entries",
         [r["product"].peak_rss_mb / r["product_short"].peak_rss_mb for r in rounds],
         GOALS["product peak RSS, range / short range"])
    for name in [n for n in rounds[0] if n.startswith("product@")]:
        line(f"product at {name.removeprefix('product@')} / product here, wall (A/B)",
             [r[name].wall / r["product"].wall for r in rounds], None)
    print(f"\n{'product run, split at its first and last page':<52} {'before':>8} {'fetching':>9} {'after':>8}")
    for name in [n for n in rounds[0] if n.startswith("product")]:
        parts = [r[name] for r in rounds if r[name].before_first_page is not None]
        if not parts:
            continue
        before = statistics.median(m.before_first_page for m in parts)
        after = statistics.median(m.after_last_page for m in parts)
        fetching = max(0.0, statistics.median(m.wall for m in parts) - before - after)
        label = LABELS.get(name, f"toggl-warehouse backfill at {name.removeprefix('product@')}").format(short=short_days)
        print(f"{label:<52} {before:>7.2f}s {fetching:>8.2f}s {after:>7.2f}s")


def measure_round(launcher: Launcher, pages: PageServer, emulator, db_server, start: date, end: date,
                  short_end: date, ab_roots: dict[str, Path], created: list[str], *,
                  warm_up: bool = False) -> dict[str, Measured]:
    """Every path once, back to back, each product run into a fresh database (a first load every round); the
    databases are added to `created` (dropped once everything is printed: a DROP DATABASE waits for every
    backend of the cluster, and must not stall or time a round)."""
    from toggl_warehouse.warehouse.database import ensure_database

    names = ["afternoon", "product", "product_short"] + [f"product@{rev}" for rev in ab_roots]
    databases = {name: f"tw_bench_{name.replace('@', '_')}_{uuid.uuid4().hex[:8]}" for name in names}
    created += databases.values()
    url = f"{pages.base_url}/reports/api/v3/shared/{emulator.reports[REPORT].token}"
    token = emulator.api_token
    results: dict[str, Measured] = {}
    urls = {name: ensure_database(db_server.url, database) for name, database in databases.items()}
    results["floor"] = measure_path(launcher, pages, "floor", url, token, start, end)
    if not warm_up:
        results["afternoon"] = measure_path(launcher, pages, "afternoon", url, token, start, end, urls["afternoon"])
    results["product"] = measure_product(launcher, pages, emulator, "product", start, end, urls["product"])
    results["product_short"] = measure_product(launcher, pages, emulator, "product_short", start, short_end,
                                               urls["product_short"])
    for rev, root in ab_roots.items():
        if not warm_up:  # REV asks what this checkout asks (a miss would be counted and printed)
            name = f"product@{rev}"
            results[name] = measure_product(launcher, pages, emulator, name, start, end, urls[name], package_root=root)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=332,
                        help="people in the emulated workspace (default 332: about 250k entries a year, issue 7's size)")
    parser.add_argument("--days", type=int, default=365, help="days in the range, ending yesterday (default 365)")
    parser.add_argument("--short-days", type=int, default=30,
                        help="the short range whose peak memory the whole range's is compared with (default 30)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every path; medians and ranges are printed (default 1)")
    parser.add_argument("--ab", metavar="REV", action="append", default=[],
                        help="also run the product as committed at REV in every round (e.g. 9db56ef: with the speed "
                             "paths issue 19 removed)")
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
    short_end = start + timedelta(days=args.short_days - 1)
    emulator = TogglEmulator(EmulatorConfig(seed=args.seed, users=args.users, start=start, end=end + timedelta(days=1),
                                            quota_per_hour=10**9))
    entries = len(emulator.workspace.entries_between(start, end))
    short_entries = len(emulator.workspace.entries_between(start, short_end))
    ab_roots = {rev: checkout(rev) for rev in args.ab}
    db_server = find_server()
    rounds: list[dict[str, Measured]] = []
    created: list[str] = []
    with emulator:
        pages = PageServer(emulator.base_url)
        try:
            began = time.perf_counter()
            # Warm-up (untimed): every request of every path rendered once by the emulator and kept.
            measure_round(launcher, pages, emulator, db_server, start, end, short_end, ab_roots, created, warm_up=True)
            served = sum(len(payload) for _, _, payload in pages.answers.values())
            print(f"end to end: {entries:,} time entries ({short_entries:,} in the first {args.short_days} days), "
                  f"{args.users} users, {start}..{end}, page size {PAGE_SIZE}: {len(pages.answers)} answers, "
                  f"{served / 1e6:,.0f} MB, served from memory (rendered by the emulator in a warm-up round, "
                  f"{time.perf_counter() - began:.0f} s, untimed)")
            for _ in range(args.repeat):
                rounds.append(measure_round(launcher, pages, emulator, db_server, start, end, short_end, ab_roots, created))
        finally:
            launcher.close()
            pages.shutdown()
            for root in ab_roots.values():
                shutil.rmtree(root, ignore_errors=True)
    expected = {"product_short": short_entries}
    mismatched = {m.name: m.entries for r in rounds for m in r.values() if m.entries != expected.get(m.name, entries)}
    if mismatched:
        print(f"WARNING: entries differ from those served: {mismatched}")
    missed = {m.name: m.misses for r in rounds for m in r.values() if m.misses}
    if missed:
        print(f"WARNING: requests not rendered in the warm-up (asked of the emulator while timed): {missed}")
    print_table(rounds, entries, short_entries, args.short_days)
    sys.stdout.flush()
    from toggl_warehouse.warehouse.database import drop_database

    for database in created:
        drop_database(db_server.url, database)


if __name__ == "__main__":
    main()
