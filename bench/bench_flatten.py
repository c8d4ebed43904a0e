"""Benchmark of the detailed report flattener: this script owns measuring the product's flatten,
``toggl_warehouse.transform.detailed.time_entry_records`` (COPY-ready tuples, what a load writes), against a
``pd.json_normalize`` baseline on the same synthetic, seed-shaped detailed report rows, in one run, and
printing entries/s and the ratio. Beside them, the same tuples put in a DataFrame (``DataFrame.from_records``):
the least a DataFrame flattener adds (the typed one the load never ran, removed for issue 19, took 3x the
records' time here: 2.63 s against 0.86 s for 200k entries), which the load would then turn back into tuples.

The baseline is only the ``json_normalize(rows, record_path="time_entries", meta=[...])`` step: it does none
of the flattener's work (timestamp parsing, local dates, amount shares, sums), so the ratio understates
the flattener's advantage. The contenders run in turns (one call of each per round, best of the rounds
counts), so a load from other processes on the machine hits them alike; each result is checked and dropped
within its timed call (freeing it is part of the cost), so no call runs while an earlier result is held.

Run: ``.venv/bin/python bench/bench_flatten.py [--entries 200000] [--repeat 5] [--max-per-row 3]``
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipelines"))

from toggl_warehouse.transform.detailed import DETAILED_COLUMNS, time_entry_records  # noqa: E402

ROW_FIELDS = [
    "billable", "billable_amount_in_cents", "client_name", "currency", "description", "email",
    "hourly_rate_in_cents", "project_color", "project_hex", "project_id", "project_name", "row_number",
    "tag_ids", "tag_names", "task_id", "task_name", "user_id", "username",
]
OFFSETS = [timezone.utc, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5)),
           timezone(timedelta(hours=5, minutes=30))]


def synthetic_rows(entries: int, max_per_row: int, seed: int = 7) -> list[dict[str, Any]]:
    """Detailed report rows shaped like Toggl's seed, holding ``entries`` time entries in total.

    Args:
        entries: Total number of time entries.
        max_per_row: Each row holds between 1 and this many entries (1 = an ungrouped report).
        seed: Seed of the deterministic generator.

    Returns:
        The rows, as ``json.loads`` would give them.
    """
    rng = random.Random(seed)
    base = datetime(2025, 1, 1, 8, 0)
    rows: list[dict[str, Any]] = []
    entry_id = 1
    while entry_id <= entries:
        count = min(rng.randint(1, max_per_row), entries - entry_id + 1)
        project = rng.randint(0, 40)
        user = rng.randint(1, 25)
        tags = rng.sample(range(1, 20), rng.randint(0, 3))
        time_entries = []
        for _ in range(count):
            offset = rng.choice(OFFSETS)
            start = (base + timedelta(minutes=rng.randint(0, 525_600))).replace(tzinfo=offset)
            seconds = rng.randint(0, 4 * 3600)
            running = rng.random() < 0.001
            time_entries.append({
                "id": 4_000_000_000 + entry_id,
                "seconds": -int(start.timestamp()) if running else seconds,
                "start": start.isoformat(),
                "stop": None if running else (start + timedelta(seconds=seconds)).isoformat(),
                "at": (start + timedelta(seconds=seconds, minutes=5)).astimezone(timezone.utc).isoformat(),
                "at_tz": (start + timedelta(seconds=seconds, minutes=5)).isoformat(),
            })
            entry_id += 1
        rows.append({
            "billable": project % 3 != 0,
            "billable_amount_in_cents": rng.randint(0, 50_000) if project % 3 else None,
            "client_name": None if project == 0 else f"Client {project % 7}",
            "currency": "EUR",
            "description": rng.choice(["Mockups", "Café ☕ \"review\"", "", "Line one\nline two", None]),
            "email": f"user{user}@example.com",
            "hourly_rate_in_cents": 5000 + 500 * (project % 4) if project % 3 else None,
            "project_color": "#2da608",
            "project_hex": "#2da608",
            "project_id": None if project == 0 else 2000 + project,
            "project_name": None if project == 0 else f"Project {project}",
            "row_number": len(rows) + 1,
            "tag_ids": tags,
            "tag_names": [f"tag {t}" for t in tags],
            "task_id": None if project % 2 else 3000 + project,
            "task_name": None if project % 2 else f"Task {project}",
            "time_entries": time_entries,
            "user_id": user,
            "username": f"User {user}",
        })
    return rows


def best_times(contenders: dict[str, Callable[[], int]], repeat: int) -> dict[str, float]:
    """Best wall-clock time of each contender over ``repeat`` rounds of one call each, in turns.

    Each contender returns the number of entries it produced; the result itself is dropped inside the timed
    call, so no call runs while a previous result is still held.
    """
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeat):
        for name, function in contenders.items():
            started = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run both flatteners on the same rows, print entries/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000, help="time entries to flatten (default 200000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of one run of each; the best counts (default 5)")
    parser.add_argument("--max-per-row", type=int, default=3,
                        help="entries per report row drawn from 1..N (1 = ungrouped; default 3)")
    args = parser.parse_args(argv)

    rows = synthetic_rows(args.entries, args.max_per_row)
    print(f"{args.entries:,} entries in {len(rows):,} rows (1..{args.max_per_row} per row), best of {args.repeat}")

    def counted(result_length: int) -> int:
        assert result_length == args.entries, result_length
        return result_length

    labels = {
        "records": "time_entry_records (product)",
        "frame": "records -> DataFrame.from_records",
        "baseline": "pd.json_normalize (baseline)",
    }
    seconds = best_times(
        {
            "records": lambda: counted(len(time_entry_records(rows, "bench").rows)),
            "frame": lambda: counted(len(pd.DataFrame.from_records(time_entry_records(rows, "bench").rows,
                                                                   columns=DETAILED_COLUMNS))),
            "baseline": lambda: counted(len(pd.json_normalize(rows, record_path="time_entries", meta=ROW_FIELDS))),
        },
        args.repeat,
    )
    rates = {name: args.entries / value for name, value in seconds.items()}
    for name, label in labels.items():
        print(f"{label:32s} {seconds[name]:7.3f} s  {rates[name]:12,.0f} entries/s")
    print(f"ratio time_entry_records / json_normalize   {rates['records'] / rates['baseline']:7.2f}x")
    print(f"ratio records as a frame / json_normalize   {rates['frame'] / rates['baseline']:7.2f}x")


if __name__ == "__main__":
    main()
