"""Benchmark the analyst's questions on the reporting views beside a hand-built indexed rollup of the same rows.

    .venv/bin/python bench/bench_bi.py [--entries 250000] [--days 365] [--runs 5] [--seed 7] [--keep]

Serves the emulator at the size asked (users in proportion: about 2.06 entries per user and day), loads its
two detailed reports (team_detailed, grouped_detailed) over the range through the product
(`toggl-warehouse backfill`, in a scratch database on the server every command finds), then in the same run:

- the cost of keeping the rollups (toggl.time_entries, toggl.daily_entry_facts): after a first backfill (which
  also warms the emulator), the same backfill into a database whose rollup triggers are disabled and into one
  where they are not, back to back; and the load alone: the tables emptied and rebuilt from the stored pages by
  `toggl-warehouse replay` (no API call), once without the triggers and once with them;
- each analyst question as a BI tool sends it to the reporting views, beside the same answer from a hand-built
  rollup (each entry once, summed per day x user x project x currency, indexed on the date, plus the entries
  indexed on user and date), both answers compared row for row; median of --runs after one warm-up.
Goals (issue 17): every question within 10x of the hand-built rollup; the load no more than 1.3x slower.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "pipelines"))

CONSOLE_SCRIPT = Path(sys.executable).parent / "toggl-warehouse"
REPORTS = ("team_detailed", "grouped_detailed")
ENTRIES_PER_USER_DAY = 2.06  # the emulator's generator: 332 users x 365 days = 250k entries
ROLLUP_TRIGGERS = ("time_entry_rollups_insert", "time_entry_rollups_update", "time_entry_rollups_delete",
                   "time_entry_rollups_truncate")
GOAL_QUERY, GOAL_LOAD = 10.0, 1.3

FLOOR = """
DROP SCHEMA IF EXISTS bench_floor CASCADE;
CREATE SCHEMA bench_floor;
-- the same rows: each entry's report row that toggl.time_entries chose
CREATE TABLE bench_floor.entries AS
SELECT r.time_entry_id, r.entry_date, r.start_at, r.utc_offset_seconds, r.seconds, r.billable, r.user_id,
       r.project_id, upper(r.currency) AS currency, r.billable_amount_in_cents, r.description
  FROM toggl.report_time_entries r JOIN toggl.time_entries t USING (report_key, time_entry_id);
CREATE INDEX ON bench_floor.entries (user_id, entry_date);
CREATE TABLE bench_floor.daily AS
SELECT e.entry_date, e.user_id, e.project_id, p.client_id, e.currency, count(*) AS time_entries,
       sum(e.seconds) AS seconds, coalesce(sum(e.seconds) FILTER (WHERE e.billable), 0) AS billable_seconds,
       sum(e.billable_amount_in_cents) AS cents
  FROM bench_floor.entries e LEFT JOIN toggl.projects p ON p.project_id = e.project_id
 GROUP BY 1, 2, 3, 4, 5;
CREATE INDEX ON bench_floor.daily (entry_date);
ANALYZE bench_floor.entries;
ANALYZE bench_floor.daily;
"""


def questions(end: date, user_id: int) -> list[tuple[str, str, str, tuple]]:
    """(question, SQL on the reporting views as a BI tool sends it, SQL on the hand-built rollup, parameters)."""
    thirteen_weeks = end - timedelta(days=end.weekday()) - timedelta(weeks=12)
    project = "CASE WHEN f.project_id IS NULL THEN '(no project)' ELSE p.name END"
    return [
        ("weekly hours per project, 13 weeks",
         "SELECT date_trunc('week', entry_date)::date AS week, project_id, project_name, sum(seconds) AS seconds, "
         "round(sum(seconds) / 3600.0, 2) AS hours FROM reporting.daily_project_hours "
         "WHERE entry_date >= %s AND entry_date <= %s GROUP BY 1, 2, 3",
         f"SELECT date_trunc('week', f.entry_date)::date, f.project_id, {project}, sum(f.seconds), "
         "round(sum(f.seconds) / 3600.0, 2) FROM bench_floor.daily f LEFT JOIN toggl.projects p USING (project_id) "
         "WHERE f.entry_date >= %s AND f.entry_date <= %s GROUP BY 1, 2, 3",
         (thirteen_weeks, end)),
        ("billable per client per month by currency",
         "SELECT date_trunc('month', entry_date)::date AS month, client_id, client_name, currency, "
         "sum(billable_seconds) AS billable_seconds, sum(billable_amount_cents) AS cents FROM reporting.daily_facts "
         "GROUP BY 1, 2, 3, 4",
         "SELECT date_trunc('month', f.entry_date)::date, f.client_id, CASE WHEN f.client_id IS NULL THEN '(no client)' "
         "ELSE c.name END, f.currency, sum(f.billable_seconds), sum(f.cents) FROM bench_floor.daily f "
         "LEFT JOIN toggl.clients c USING (client_id) GROUP BY 1, 2, 3, 4",
         ()),
        ("utilisation per user per month",
         "SELECT period_start, user_id, user_name, seconds, billable_seconds, utilisation FROM reporting.user_utilisation "
         "WHERE period = 'month'",
         "SELECT date_trunc('month', f.entry_date)::date, f.user_id, u.name, sum(f.seconds), sum(f.billable_seconds), "
         "round(sum(f.billable_seconds)::numeric / nullif(sum(f.seconds), 0), 4) FROM bench_floor.daily f "
         "LEFT JOIN toggl.users u USING (user_id) GROUP BY 1, 2, 3",
         ()),
        ("one user's entries, 30 days",
         "SELECT time_entry_id, start_local, seconds, project_name, description, billable_amount_cents "
         "FROM reporting.time_entries WHERE user_id = %s AND entry_date >= %s AND entry_date <= %s ORDER BY start_at",
         "SELECT f.time_entry_id, (f.start_at AT TIME ZONE 'UTC') + make_interval(secs => f.utc_offset_seconds), "
         f"f.seconds, {project}, f.description, f.billable_amount_in_cents FROM bench_floor.entries f "
         "LEFT JOIN toggl.projects p USING (project_id) WHERE f.user_id = %s AND f.entry_date >= %s "
         "AND f.entry_date <= %s ORDER BY f.start_at",
         (user_id, end - timedelta(days=29), end)),
        ("daily hours, 90 days",
         "SELECT entry_date, sum(seconds) AS seconds, sum(billable_seconds) AS billable_seconds "
         "FROM reporting.daily_project_hours WHERE entry_date >= %s AND entry_date <= %s GROUP BY 1",
         "SELECT entry_date, sum(seconds), sum(billable_seconds) FROM bench_floor.daily "
         "WHERE entry_date >= %s AND entry_date <= %s GROUP BY 1",
         (end - timedelta(days=89), end)),
    ]


def product_env(emulator, start: date, database_url: str, home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TOGGL_", "DAGSTER_")) and key != "DATABASE_URL"}
    env.update({
        "TOGGL_API_URL": emulator.base_url, "TOGGL_API_TOKEN": emulator.api_token,
        "TOGGL_SHARED_REPORTS": ",".join(f"{key}={emulator.reports[key].token}" for key in REPORTS),
        "TOGGL_MIN_REQUEST_INTERVAL": "0", "TOGGL_START_DATE": start.isoformat(), "DATABASE_URL": database_url,
        "DAGSTER_HOME": str(home),
    })
    return env


def home_in(scratch: Path, role: str) -> Path:
    """A fresh Dagster home with the local dagster.yaml, one per database."""
    home = scratch / f"dagster_home_{role}"
    if not home.exists():
        home.mkdir()
        shutil.copyfile(ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def prepare(database_url: str, *, rollups: bool) -> None:
    """Migrate the database, and without `rollups` disable the triggers that keep the rollups."""
    import psycopg

    from toggl_warehouse.warehouse.database import create_engine_for
    from toggl_warehouse.warehouse.migrations import apply_migrations

    engine = create_engine_for(database_url)
    apply_migrations(engine)
    engine.dispose()
    with psycopg.connect(database_url, autocommit=True) as conn:
        set_rollup_triggers(conn, rollups)


def run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall seconds of a product command; exits with its output when it fails."""
    began = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[1:3])} failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return time.perf_counter() - began


def execute(conn, statement: str, params: tuple = ()) -> list[tuple]:
    cursor = conn.execute(statement, params or None)
    return cursor.fetchall() if cursor.description else []


def empty_the_tables(conn) -> None:
    names = [name for (name,) in execute(conn, "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
                                                "WHERE schemaname = 'toggl'")]
    execute(conn, f"TRUNCATE {', '.join(names)}")


def set_rollup_triggers(conn, enabled: bool) -> None:
    for trigger in ROLLUP_TRIGGERS:
        execute(conn, f"ALTER TABLE toggl.report_time_entries {'ENABLE' if enabled else 'DISABLE'} TRIGGER {trigger}")


def timed(conn, statement: str, params: tuple, runs: int) -> tuple[float, list[tuple]]:
    """Median seconds of `runs` executions after one warm-up, and the (sorted) answer."""
    answer = sorted(execute(conn, statement, params), key=repr)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        execute(conn, statement, params)
        times.append(time.perf_counter() - began)
    return statistics.median(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=250_000, help="time entries in the range (default 250k, as ./run bench; the README figures are --entries 1000000)")
    parser.add_argument("--days", type=int, default=365, help="days in the range, ending yesterday (default 365)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of every query (median; default 5)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    args = parser.parse_args()

    import psycopg

    from toggl_warehouse.dates import yesterday
    from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator
    from toggl_warehouse.warehouse.database import drop_database, ensure_database, find_server, redact_url

    end = yesterday("UTC")
    start = end - timedelta(days=args.days - 1)
    users = max(6, math.ceil(args.entries / (ENTRIES_PER_USER_DAY * args.days)))
    emulator = TogglEmulator(EmulatorConfig(seed=args.seed, users=users, start=start, end=end + timedelta(days=1),
                                            quota_per_hour=10**9))
    entries = len(emulator.workspace.entries_between(start, end))
    server = find_server()
    names = {role: f"tw_bench_bi_{role}_{uuid.uuid4().hex[:8]}" for role in ("main", "without", "with")}
    urls = {role: ensure_database(server.url, name) for role, name in names.items()}
    database_url = urls["main"]
    scratch = Path(tempfile.mkdtemp(prefix="tw_bench_bi_"))
    print(f"bench_bi: {entries:,} time entries x {len(REPORTS)} detailed reports, {users} users, {start}..{end}, "
          f"database {redact_url(database_url)}")
    try:
        span = ["--start", start.isoformat(), "--end", end.isoformat()]
        walls = {}
        with emulator:
            # main: the first backfill (it also warms the emulator's answers); then the same backfill into a database
            # without the rollup triggers and one with them, back to back
            for role in ("main", "without", "with"):
                prepare(urls[role], rollups=role != "without")
                walls[role] = run([str(CONSOLE_SCRIPT), "backfill", *span], product_env(emulator, start, urls[role],
                                                                                         home_in(scratch, role)), scratch)
            env = product_env(emulator, start, database_url, home_in(scratch, "main"))  # replay calls no API
        with psycopg.connect(database_url, autocommit=True) as conn:
            loads = {}
            for enabled in (False, True):
                empty_the_tables(conn)
                set_rollup_triggers(conn, enabled)
                loads[enabled] = run([str(CONSOLE_SCRIPT), "replay", *span], env, scratch)
            execute(conn, "ANALYZE")  # what autovacuum does within a minute of a big load
            rows, once = execute(conn, "SELECT (SELECT count(*) FROM toggl.report_time_entries), "
                                       "(SELECT count(*) FROM toggl.time_entries)")[0]
            print(f"loaded {rows:,} report rows, {once:,} entries once")
            for what, without, with_ in (
                ("backfill of both reports through the product (fetch + load), emulator warm", walls["without"], walls["with"]),
                ("the load alone (replay from the stored pages, no API call)", loads[False], loads[True]),
            ):
                ratio = with_ / without
                print(f"{what}: {without:.1f} s without the rollup triggers, {with_:.1f} s with them: {ratio:.2f}x "
                      f"({'met' if ratio <= GOAL_LOAD else 'NOT met'}, goal <= {GOAL_LOAD}x)")
            print(f"(the first backfill, emulator cold: {walls['main']:.1f} s)")
            began = time.perf_counter()
            execute(conn, FLOOR)
            print(f"hand-built rollup built in {time.perf_counter() - began:.1f} s (untimed for the questions)")
            (user_id,) = execute(conn, "SELECT user_id FROM toggl.time_entries GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")[0]
            print(f"\n{'question':<44} {'views':>9} {'rollup':>9} {'ratio':>7}  rows  (median of {args.runs})")
            worst = 0.0
            for question, views_sql, floor_sql, params in questions(end, user_id):
                views, views_answer = timed(conn, views_sql, params, args.runs)
                floor, floor_answer = timed(conn, floor_sql, params, args.runs)
                if views_answer != floor_answer:
                    sys.exit(f"{question}: the views and the hand-built rollup answer differently")
                ratio = views / floor
                worst = max(worst, ratio)
                print(f"{question:<44} {views * 1000:>7.1f}ms {floor * 1000:>7.1f}ms {ratio:>6.2f}x {len(views_answer):>5}")
            print(f"\nworst ratio {worst:.2f}x ({'met' if worst <= GOAL_QUERY else 'NOT met'}, goal <= {GOAL_QUERY:.0f}x); "
                  "every answer equal to the hand-built rollup's, row for row")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        for role, name in names.items():
            if args.keep and role == "main":
                print(f"kept database {name}")
            else:
                drop_database(server.url, name)


if __name__ == "__main__":
    main()
