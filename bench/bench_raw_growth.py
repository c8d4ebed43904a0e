"""Benchmark toggl_raw's growth under the daily schedule, without retention and with it (TOGGL_RAW_KEEP_DAYS).

    .venv/bin/python bench/bench_raw_growth.py [--users 60] [--days 365] [--daily-runs 90] [--keep-days 30]
                                               [--edits-per-day 5] [--seed 7]

Serves the emulator (60 users by default: two detailed reports and a workspace's profitability export, as the
issue measured), backfills --days ending before the daily runs, then runs --daily-runs daily runs as the
schedule launches them (yesterday and the 7 days before, one run each), with --edits-per-day late edits in Toggl
between runs on entries of the trailing window. Each run's fetches are dated on its simulated day (the clock is
injected by stamping toggl_raw.fetches; nothing waits), then `prune` runs as the daily run's sensor does, with
--keep-days. Printed: the backfill's raw size, bytes landed per daily run (what stays without retention) and
bytes stored after pruning, and the growth per year of daily runs both ways, as a multiple of the backfilled
year's raw size. Sizes are the bodies' bytes as received (toggl_raw.bodies.size_bytes).
Goal (issue 20): growth per year of daily runs at most 1.5x the backfilled year's raw size.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPORTS = ("team_detailed", "grouped_detailed")
GOAL = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--days", type=int, default=365, help="days backfilled before the daily runs (default 365)")
    parser.add_argument("--daily-runs", type=int, default=90, help="simulated daily runs (default 90)")
    parser.add_argument("--keep-days", type=int, default=30, help="TOGGL_RAW_KEEP_DAYS (default 30)")
    parser.add_argument("--edits-per-day", type=int, default=5, help="late edits in Toggl between two runs (default 5)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import os
    import tempfile

    import dagster as dg
    import sqlalchemy as sa

    from toggl_warehouse.dates import yesterday
    from toggl_warehouse.definitions import ALL_TOGGL_JOB, build_definitions
    from toggl_warehouse.extract.retention import prune
    from toggl_warehouse.partitions import range_tags
    from toggl_warehouse.schedules import trailing_window
    from toggl_warehouse.settings import Settings
    from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator
    from toggl_warehouse.warehouse.database import create_engine_for, drop_database, ensure_database, find_server

    today = yesterday("UTC") + timedelta(days=1)
    first_day = today - timedelta(days=args.daily_runs - 1)
    backfill_end = first_day - timedelta(days=2)
    backfill_start = backfill_end - timedelta(days=args.days - 1)
    server = find_server()
    name = f"tw_bench_raw_{uuid.uuid4().hex[:8]}"
    url = ensure_database(server.url, name)
    engine = create_engine_for(url)
    now = datetime.now(UTC)
    try:
        with TogglEmulator(EmulatorConfig(seed=args.seed, users=args.users, start=backfill_start - timedelta(days=1),
                                          end=today, quota_per_hour=10**9)) as emulator:
            environment = {
                "TOGGL_API_URL": emulator.base_url, "TOGGL_API_TOKEN": emulator.api_token,
                "TOGGL_SHARED_REPORTS": ",".join(f"{key}={emulator.reports[key].token}" for key in REPORTS),
                "TOGGL_WORKSPACE_IDS": str(emulator.workspace_ids[0]), "TOGGL_MIN_REQUEST_INTERVAL": "0",
                "TOGGL_START_DATE": backfill_start.isoformat(), "DATABASE_URL": url,
                "TOGGL_RAW_KEEP_DAYS": str(args.keep_days),
            }
            os.environ.update(environment)  # the resources read them, as in a deployment
            settings = Settings.from_mapping(environment)
            job = build_definitions(settings, freshness=False).resolve_job_def(ALL_TOGGL_JOB)
            os.environ.setdefault("DAGSTER_HOME", tempfile.mkdtemp(prefix="tw_bench_raw_"))
            instance = dg.DagsterInstance.ephemeral()

            def run(start, end, at: datetime, after: int) -> int:
                result = job.execute_in_process(instance=instance, tags=range_tags(start, end), raise_on_error=False)
                if not result.success:
                    raise SystemExit(f"bench_raw_growth: the run {start}..{end} failed")
                with engine.begin() as conn:
                    conn.execute(sa.text(
                        "UPDATE toggl_raw.fetches SET started_at = :at + make_interval(secs => fetch_id), "
                        "finished_at = :at + make_interval(secs => fetch_id + 1) WHERE fetch_id > :after"),
                        {"at": at, "after": after})
                    return conn.execute(sa.text("SELECT coalesce(max(fetch_id), 0) FROM toggl_raw.fetches")).scalar_one()

            def stored() -> int:
                with engine.connect() as conn:
                    return conn.execute(sa.text("SELECT coalesce(sum(size_bytes), 0) FROM toggl_raw.bodies")).scalar_one()

            last = run(backfill_start, backfill_end, now - timedelta(days=args.daily_runs + 1), 0)
            backfilled = stored()
            print(f"bench_raw_growth: {args.users} users, {len(REPORTS)} detailed reports and a profitability export; "
                  f"backfill {backfill_start}..{backfill_end}: {backfilled / 1e6:.2f} MB raw")
            workspace = emulator.workspace
            landed_total, landed, after_prune = 0, [], []
            for number in range(args.daily_runs):
                day = first_day + timedelta(days=number)
                start, end = trailing_window(day, settings)
                late = [e for e in workspace.entries_between(start, end - timedelta(days=1)) if e.stop is not None]
                for edit in range(min(args.edits_per_day, len(late))):
                    entry = late[(number * 7919 + edit * 104729) % len(late)]
                    workspace.update_entry(entry.id, description=f"{entry.description} (edited on day {number})")
                at = now - timedelta(days=args.daily_runs - 1 - number, hours=1)
                before = stored()
                last = run(start, end, at, last)
                landed.append(stored() - before)
                landed_total += landed[-1]
                prune(engine, args.keep_days, at + timedelta(hours=1))
                after_prune.append(stored())
    finally:
        engine.dispose()
        drop_database(server.url, name)

    runs = args.daily_runs
    per_run = landed_total / runs
    steady = range(max(args.keep_days, runs // 3), runs)  # once the kept days are full
    growth = (after_prune[-1] - after_prune[steady[0] - 1]) / len(steady) if len(steady) > 1 else float("nan")
    print(f"without retention: {per_run / 1e3:.0f} kB landed per daily run; a year of daily runs adds "
          f"{per_run * 365 / 1e6:.1f} MB = {per_run * 365 / backfilled:.2f}x the backfilled year")
    print(f"with retention (--keep-days {args.keep_days}): toggl_raw holds {after_prune[-1] / 1e6:.2f} MB after "
          f"{runs} daily runs ({(after_prune[-1] - backfilled) / 1e6:.2f} MB above the backfill); past the kept days it "
          f"grows {growth / 1e3:.0f} kB per daily run: {growth * 365 / 1e6:.1f} MB a year = "
          f"{growth * 365 / backfilled:.2f}x the backfilled year (goal: at most {GOAL}x), beside the last "
          f"{args.keep_days} days of runs, kept whole: {args.keep_days * per_run / 1e6:.1f} MB "
          f"({args.keep_days * per_run / backfilled:.2f}x, constant)")

if __name__ == "__main__":
    main()
