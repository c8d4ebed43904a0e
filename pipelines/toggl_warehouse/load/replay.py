"""Which stored fetches a replay loads again, in which order, and which dates have none.

Replaying [start, end] loads, oldest first, every complete fetch whose served range overlaps it — and,
transitively, every complete fetch overlapping those (a fetch replaces its whole window, so an older
fetch reaching past `end` must be followed by the newer ones it would otherwise overwrite). The end
state is the one the original loads left, rebuilt with zero API calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb


@dataclass(frozen=True)
class ReplayPlan:
    """The fetch ids to load in order, and the date ranges of [start, end] no complete fetch covers."""

    fetch_ids: list[int] = field(default_factory=list)
    uncovered: list[tuple[date, date]] = field(default_factory=list)


def replay_plan(
    engine: sa.Engine,
    source: str,
    start: date,
    end: date,
    *,
    report_key: str | None = None,
    workspace_id: int | None = None,
    params_contain: Mapping[str, Any] | None = None,
) -> ReplayPlan:
    """The complete fetches of one report (or workspace export) to replay [start, end] from, oldest first."""
    with engine.connect() as conn:
        rows = conn.connection.driver_connection.execute(
            "SELECT fetch_id, coalesce(served_start, requested_start), coalesce(served_end, requested_end) "
            "FROM toggl_raw.fetches WHERE source = %s AND report_key IS NOT DISTINCT FROM %s "
            "AND workspace_id IS NOT DISTINCT FROM %s AND status = 'complete' AND request_params @> %s "
            "ORDER BY finished_at, fetch_id",
            (source, report_key, workspace_id, Jsonb(dict(params_contain or {}))),
        ).fetchall()
    chosen = _overlap_closure([(fid, s, e) for fid, s, e in rows], start, end)
    ranges = [(s, e) for fid, s, e in rows if fid in chosen]
    return ReplayPlan(
        fetch_ids=[fid for fid, _, _ in rows if fid in chosen],
        uncovered=uncovered_ranges(start, end, ranges),
    )


def _overlap_closure(fetches: list[tuple[int, date, date]], start: date, end: date) -> set[int]:
    """Ids of the fetches overlapping [start, end], and of those overlapping them, until nothing is added."""
    chosen: set[int] = set()
    spans = [(start, end)]
    while True:
        added = {fid for fid, s, e in fetches if fid not in chosen and any(s <= b and e >= a for a, b in spans)}
        if not added:
            return chosen
        chosen |= added
        spans = [(s, e) for fid, s, e in fetches if fid in chosen]


def uncovered_ranges(start: date, end: date, ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The parts of [start, end] that none of `ranges` covers, as inclusive date ranges."""
    gaps: list[tuple[date, date]] = []
    cursor = start
    for s, e in sorted(ranges):
        if e < cursor:
            continue
        if s > end:
            break
        if s > cursor:
            gaps.append((cursor, min(end, s - timedelta(days=1))))
        cursor = max(cursor, e + timedelta(days=1))
        if cursor > end:
            break
    if cursor <= end:
        gaps.append((cursor, end))
    return gaps
