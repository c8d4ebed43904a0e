"""Load a stored, complete fetch of a workspace's profitability export: parse its files and replace its periods.

ONE transaction reads each file of the fetch back from `toggl_raw`, parses it by header name, checks
that its periods are whole periods inside the requested range, COPYs it into a staging table and
replaces exactly the periods of ``toggl.profitability_projects`` whose ``period_start`` lies in the
fetch's window for (workspace, resolution, currency). Any failure rolls everything back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from toggl_warehouse.check.gate import require_complete
from toggl_warehouse.check.profitability import check_periods
from toggl_warehouse.dates import period_start
from toggl_warehouse.extract.raw import mark_loaded, page_index, read_fetch, stored_pages
from toggl_warehouse.load.day_digests import record_day_digests
from toggl_warehouse.load.window import LoadStats, Window, WindowLoad
from toggl_warehouse.transform.profitability import parse_export
from toggl_warehouse.warehouse import tables


@dataclass
class ProfitabilityLoad:
    """What loading one export fetch did."""

    workspace_id: int
    fetch_id: int
    file_format: str
    resolution: str
    currency: str
    window_start: date
    window_end: date
    files: int = 0
    rows: int = 0
    periods: int = 0
    total_seconds: int = 0
    earnings_in_cents: int = 0
    unrecognised_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_by_period: dict[date, int] = field(default_factory=dict)
    stats: LoadStats | None = None


def load_profitability_fetch(engine: sa.Engine, fetch_id: int) -> ProfitabilityLoad:
    """Parse the files of the stored fetch `fetch_id` and replace its periods, in one transaction.

    Raises:
        FetchRefused: the fetch is not complete; nothing was written.
        ExportFormatError: a file cannot be read as understood; nothing was written.
        TogglResponseError: a file's periods do not fit the requested ones; nothing was written.
    """
    with engine.begin() as conn:
        fetch = read_fetch(conn, fetch_id)
        require_complete(fetch, page_index(conn, fetch_id))
        params = fetch.subject.params
        workspace_id, resolution, currency = fetch.subject.workspace_id, params["resolution"], params["currency"]
        outcome = ProfitabilityLoad(
            workspace_id=workspace_id, fetch_id=fetch_id, file_format=params["format"], resolution=resolution,
            currency=currency, window_start=fetch.requested_start, window_end=fetch.requested_end,
        )
        window = Window(
            equals={"workspace_id": workspace_id, "resolution": resolution, "currency": currency},
            date_column="period_start", start=fetch.requested_start, end=fetch.requested_end,
        )
        load = WindowLoad(conn, tables.PROFITABILITY_PROJECTS, window=window)
        for page in stored_pages(conn, fetch_id):
            range_start, range_end = page.window_start, page.window_end
            source_name = f"profitability export of workspace {workspace_id} ({range_start}..{range_end}, {outcome.file_format}, fetch {fetch_id})"
            single_period = period_start(range_end, resolution) == range_start
            parsed = parse_export(
                page.body_bytes if page.body_bytes is not None else b"",
                outcome.file_format,
                workspace_id=workspace_id,
                resolution=resolution,
                currency=currency,
                source_name=source_name,
                default_period_start=range_start if single_period else None,
            )
            frame = parsed.frame
            check_periods(frame, range_start, range_end, resolution, source_name)
            load.stage(frame)
            outcome.files += 1
            for period, count in frame["period_start"].value_counts().items():
                outcome.rows_by_period[period] = outcome.rows_by_period.get(period, 0) + int(count)
            outcome.rows += len(frame)
            outcome.total_seconds += int(frame["total_seconds"].sum())
            outcome.earnings_in_cents += int(frame["earnings_in_cents"].sum())
            outcome.unrecognised_columns += [c for c in parsed.unrecognised_columns if c not in outcome.unrecognised_columns]
            outcome.warnings += parsed.warnings
        outcome.stats = load.merge()
        record_day_digests(conn, fetch_id, tables.PROFITABILITY_PROJECTS.qualified_name, window.equals, "period_start",
                           fetch.requested_start, fetch.requested_end)
        mark_loaded(conn, fetch_id)
    outcome.periods = len(outcome.rows_by_period)
    return outcome
