"""Retention of the raw landing: which fetches `toggl_raw` keeps, and removing the pages and bodies of the rest.

Kept: every fetch younger than `keep_days` (complete, failed or still running), and the complete fetches `replay`
needs to rebuild every date. Replay loads fetches oldest first (finished_at, fetch_id) and each replaces its whole
range, so every date ends as the latest fetch covering it said: for each date the last kept fetch covering it must
be that latest one, or an older one whose rows for the day were the same (`toggl_raw.fetch_day_digests`, written
by the loads: a day nobody edited after its first week); a fetch loaded before those digests counts as unlike any
other. Worked out per report or workspace export, and per set of request parameters (for replays that filter on
them). Under the daily schedule every run is the last to cover its oldest day, so the latest fetch of each date
alone would be every run; the schedule settles each month in one fetch (`schedules.trailing_window`), which then
is the latest for all its days, and between two settling runs the digests keep about one run a week plus the runs
that saw a late edit. Every other fetch is pruned: its
record stays in `toggl_raw.fetches` with status 'pruned' (the run that fetched it, what it cost), its pages are
deleted, and so is every body no page refers to any more.

Landing a page takes the shared side of `LANDING_LOCK` (in `extract.raw`), pruning the exclusive side, so a body
is never deleted between a page finding it stored and the page being written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

LANDING_LOCK = 0x7467_5F72_6177_5F6C  # "tg_raw_l": pages landing (shared) against retention (exclusive)

_COMPLETE = (
    "SELECT fetch_id, source, report_key, workspace_id, request_params::text, started_at, "
    "coalesce(served_start, requested_start), coalesce(served_end, requested_end) "
    "FROM toggl_raw.fetches WHERE status = 'complete' ORDER BY finished_at, fetch_id"
)


@dataclass(frozen=True)
class _Fetch:
    fetch_id: int
    order: int  # replay's order: finished_at, fetch_id
    first: date
    last: date

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)


def needed_by_replay(conn: sa.Connection, cutoff: datetime) -> set[int]:
    """The complete fetches replay needs so that every date comes out as the latest fetch left it, beside the
    complete fetches started since `cutoff` (kept anyway). Worked out per report or export, and again per set
    of request parameters (a replay may filter on them)."""
    pg = conn.connection.driver_connection
    groups: dict[tuple, list[_Fetch]] = defaultdict(list)
    recent: set[int] = set()
    for order, (fetch_id, source, report_key, workspace_id, params, started_at, first, last) in enumerate(pg.execute(_COMPLETE)):
        fetch = _Fetch(fetch_id, order, first, last)
        groups[(source, report_key, workspace_id)].append(fetch)
        groups[(source, report_key, workspace_id, params)].append(fetch)
        if started_at >= cutoff:
            recent.add(fetch_id)
    digests = {(fetch_id, day): digest for fetch_id, day, digest in pg.execute(
        "SELECT d.fetch_id, d.day, d.digest FROM toggl_raw.fetch_day_digests d "
        "JOIN toggl_raw.fetches f USING (fetch_id) WHERE f.status = 'complete'")}
    needed: set[int] = set()
    for fetches in groups.values():
        needed |= _kept_in_group(fetches, recent, digests) - recent
    return needed


def _kept_in_group(fetches: list[_Fetch], recent: set[int], digests: dict[tuple[int, date], str]) -> set[int]:
    """Fetches, beside the recent ones, whose replay (oldest first, each replacing its range) leaves every date as
    all of them did: for each date the last kept fetch covering it gives the same rows as the latest (the same
    fetch, or equal digests for that day), and a kept fetch overlapped by a later one is overlapped by a later kept
    one (a load removes the stored totals windows it overlaps). Where a date needs one, the earliest fetch of the
    unbroken run ending at the latest that gave the same rows is kept: under the daily schedule it also serves the
    week of days after it, so about one run a week stays (more where Toggl changed)."""
    covering: dict[date, list[_Fetch]] = defaultdict(list)
    for fetch in fetches:  # in replay's order
        for day in fetch.days():
            covering[day].append(fetch)
    kept = {f.fetch_id for f in fetches if f.fetch_id in recent}
    while True:
        changed = False
        for day in sorted(covering, reverse=True):
            candidates = covering[day]
            latest = candidates[-1]
            last_kept = next((f for f in reversed(candidates) if f.fetch_id in kept), None)
            if last_kept is not None and _same_day(last_kept, latest, day, digests):
                continue
            chosen = latest
            for fetch in reversed(candidates[:-1]):
                if not _same_day(fetch, latest, day, digests):
                    break
                chosen = fetch
            kept.add(chosen.fetch_id)
            changed = True
        for fetch in fetches:
            if fetch.fetch_id not in kept:
                continue
            later = [g for g in fetches if g.order > fetch.order and g.first <= fetch.last and g.last >= fetch.first]
            if later and not any(g.fetch_id in kept for g in later):
                kept.add(later[-1].fetch_id)
                changed = True
        if not changed:
            return kept


def _same_day(kept: _Fetch, latest: _Fetch, day: date, digests: dict[tuple[int, date], str]) -> bool:
    if kept.fetch_id == latest.fetch_id:
        return True
    ours = digests.get((kept.fetch_id, day))
    return ours is not None and ours == digests.get((latest.fetch_id, day))


@dataclass(frozen=True)
class PrunePlan:
    """What retention removes (and what it keeps), counted before anything is deleted."""

    keep_days: int
    cutoff: datetime
    kept_for_replay: int
    kept_recent: int
    pruned_fetches: dict[str, int]  # status -> fetches whose pages go
    pages: int
    bodies: int
    bytes_freed: int  # size of the bodies as received

    @property
    def fetches(self) -> int:
        return sum(self.pruned_fetches.values())

    def line(self, dry_run: bool) -> str:
        """One line: what goes (or would go), the bytes freed and what stays."""
        by_status = ", ".join(f"{count} {status}" for status, count in sorted(self.pruned_fetches.items())) or "none"
        verb = "would remove" if dry_run else "removed"
        return (
            f"prune{' (dry run)' if dry_run else ''}: {verb} the pages of {self.fetches} fetch(es) ({by_status}): "
            f"{self.pages} page(s) and {self.bodies} body(ies), {_size(self.bytes_freed)} freed; kept "
            f"{self.kept_for_replay} fetch(es) replay needs and {self.kept_recent} more from the last {self.keep_days} day(s)"
        )


def plan_prune(conn: sa.Connection, keep_days: int, now: datetime) -> PrunePlan:
    """Mark, in the temp table `_pruned`, the fetches retention removes, and count what goes with them."""
    if keep_days < 1:
        raise ValueError(f"--keep-days must be at least 1 (a failed fetch is resumed within a day), got {keep_days}")
    pg = conn.connection.driver_connection
    cutoff = now - timedelta(days=keep_days)
    pg.execute("CREATE TEMP TABLE IF NOT EXISTS _needed (fetch_id bigint PRIMARY KEY) ON COMMIT DROP")
    pg.execute("CREATE TEMP TABLE IF NOT EXISTS _pruned (fetch_id bigint PRIMARY KEY, status text) ON COMMIT DROP")
    needed = needed_by_replay(conn, cutoff)
    with pg.cursor().copy("COPY _needed (fetch_id) FROM STDIN") as copy:
        for fetch_id in needed:
            copy.write_row((fetch_id,))
    pg.execute(
        "INSERT INTO _pruned SELECT f.fetch_id, f.status FROM toggl_raw.fetches f "
        "WHERE f.status <> 'pruned' AND f.started_at < %s AND NOT EXISTS (SELECT 1 FROM _needed n WHERE n.fetch_id = f.fetch_id)",
        (cutoff,),
    )
    kept_for_replay = pg.execute("SELECT count(*) FROM _needed").fetchone()[0]
    kept_recent = pg.execute(
        "SELECT count(*) FROM toggl_raw.fetches f WHERE f.status <> 'pruned' AND f.started_at >= %s "
        "AND NOT EXISTS (SELECT 1 FROM _needed n WHERE n.fetch_id = f.fetch_id)",
        (cutoff,),
    ).fetchone()[0]
    by_status = dict(pg.execute("SELECT status, count(*) FROM _pruned GROUP BY status").fetchall())
    pages = pg.execute("SELECT count(*) FROM toggl_raw.pages p JOIN _pruned USING (fetch_id)").fetchone()[0]
    bodies, freed = pg.execute(
        "SELECT count(*), coalesce(sum(b.size_bytes), 0) FROM toggl_raw.bodies b "
        "WHERE NOT EXISTS (SELECT 1 FROM toggl_raw.pages p WHERE p.content_sha256 = b.content_sha256 "
        "                  AND NOT EXISTS (SELECT 1 FROM _pruned x WHERE x.fetch_id = p.fetch_id))"
    ).fetchone()
    return PrunePlan(keep_days, cutoff, kept_for_replay, kept_recent, by_status, pages, bodies, int(freed))


def prune(engine: sa.Engine, keep_days: int, now: datetime, *, dry_run: bool = False) -> PrunePlan:
    """Remove the pages of the fetches retention does not keep and the bodies left without a page, in one
    transaction (a failure removes nothing); with `dry_run` only count them."""
    with engine.begin() as conn:
        pg = conn.connection.driver_connection
        pg.execute("SELECT pg_advisory_xact_lock(%s)", (LANDING_LOCK,))
        plan = plan_prune(conn, keep_days, now)
        if dry_run:
            conn.rollback()
            return plan
        pg.execute("DELETE FROM toggl_raw.pages p USING _pruned x WHERE p.fetch_id = x.fetch_id")
        pg.execute(
            "UPDATE toggl_raw.fetches f SET status = 'pruned', pruned_at = %s FROM _pruned x WHERE f.fetch_id = x.fetch_id",
            (now,),
        )
        pg.execute(
            "DELETE FROM toggl_raw.bodies b WHERE NOT EXISTS "
            "(SELECT 1 FROM toggl_raw.pages p WHERE p.content_sha256 = b.content_sha256)"
        )
    return plan


def _size(count: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
