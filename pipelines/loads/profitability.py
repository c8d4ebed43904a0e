"""Load the profitability projects export of one workspace over a date range: fetch -> land raw -> parse -> replace.

The range is first widened to whole periods (a Monday-aligned week, a calendar month; a day stays a day)
so that every period row Toggl returns is complete, capped at the last complete day. That window is
fetched in as few requests as Toggl allows (one, unless it spans more than 366 days; then it is cut at
period boundaries). The files are downloaded BEFORE the transaction opens (they are small: one row per
period x project), so a Toggl error (400 / 402 / 403 / ...) never touches the warehouse. Then ONE
transaction lands each file in ``toggl_raw.api_responses`` (as bytes), parses it, COPYs it into a
staging table and replaces exactly the periods of ``toggl.profitability_projects`` whose
``period_start`` lies in the widened window for (workspace, resolution, currency). Any failure rolls
everything back. No Dagster here: the asset in ``pipelines.assets.profitability`` is a thin wrapper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pipelines.dates import period_end, period_start, period_starts
from pipelines.settings import ProfitabilityOptions
from pipelines.toggl import errors
from pipelines.toggl.client import MAX_RANGE_DAYS, ApiResponse, TogglClient
from pipelines.transform.profitability import parse_export
from pipelines.warehouse import tables
from pipelines.warehouse.loader import LoadStats, Window, WindowLoad
from pipelines.warehouse.raw import land_received

SOURCE = "profitability_export"


# ---- periods --------------------------------------------------------------------------------------


def period_window(start: date, end: date, resolution: str, *, not_after: date | None = None) -> tuple[date, date]:
    """[start, end] widened to whole periods; the end is capped at `not_after` (the last complete day)
    but never below `end`, so the current period holds the complete days so far."""
    if end < start:
        raise ValueError(f"the date range {start}..{end} ends before it starts")
    widened_end = period_end(period_start(end, resolution), resolution)
    if not_after is not None:
        widened_end = max(end, min(widened_end, not_after))
    return period_start(start, resolution), widened_end


def request_ranges(start: date, end: date, resolution: str, max_days: int = MAX_RANGE_DAYS) -> list[tuple[date, date]]:
    """[start, end] (already whole periods) as few ranges of at most `max_days` days as possible, each
    made of whole periods, so that no period is split between two requests."""
    ranges: list[tuple[date, date]] = []
    first = last = None
    for begin in period_starts(start, end, resolution):
        finish = min(period_end(begin, resolution), end)
        if first is not None and (finish - first).days + 1 > max_days:
            ranges.append((first, last))
            first = None
        first = first or begin
        last = finish
    if first is not None:
        ranges.append((first, last))
    return ranges


# ---- request --------------------------------------------------------------------------------------


def request_body(currency: str, start: date, end: date, options: ProfitabilityOptions) -> dict[str, Any]:
    """The export's JSON body: currency, dates, resolution, and each optional filter only when set."""
    body: dict[str, Any] = {
        "currency": currency.lower(),
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "resolution": options.resolution,
    }
    if options.billable is not None:
        body["billable"] = options.billable
    if options.client_ids:
        body["client_ids"] = list(options.client_ids)  # None stays null: "projects without client"
    if options.project_ids:
        body["project_ids"] = list(options.project_ids)
    if options.rounding is not None:
        body["rounding"] = options.rounding
    if options.rounding_minutes is not None:
        body["rounding_minutes"] = options.rounding_minutes
    return body


# ---- outcome --------------------------------------------------------------------------------------


@dataclass
class ProfitabilityLoad:
    """The outcome of loading one workspace's export over one range."""

    workspace_id: int
    file_format: str
    resolution: str
    currency: str
    requested_start: date
    requested_end: date
    window_start: date
    window_end: date
    ranges: list[tuple[date, date]] = field(default_factory=list)
    api_requests: int = 0
    raw_responses_stored: int = 0
    rows: int = 0
    periods: int = 0
    total_seconds: int = 0
    earnings_in_cents: int = 0
    unrecognised_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stats: LoadStats | None = None


# ---- the load -------------------------------------------------------------------------------------


def load_profitability(
    client: TogglClient,
    engine: sa.Engine,
    workspace_id: int,
    start: date,
    end: date,
    *,
    currency: str,
    options: ProfitabilityOptions,
    run_id: str | None = None,
    not_after: date | None = None,
) -> ProfitabilityLoad:
    """Fetch the export for [start, end] widened to whole periods and replace those periods, in one transaction.

    Args:
        client: the Toggl client (retries, quota and the 402 "plan lacks the feature" rule live there).
        engine: the warehouse engine (migrations already applied).
        workspace_id: the Toggl workspace.
        start: first date of the range (a partition key).
        end: last date of the range, inclusive.
        currency: the export currency (TOGGL_CURRENCY).
        options: format, resolution and filters (TOGGL_PROFITABILITY_*).
        run_id: Dagster run id, recorded with the raw files.
        not_after: the last complete day (the last partition); the widened window never goes past it.

    Raises:
        TogglError: Toggl refused or failed the request (its message says why); nothing was written.
        ExportFormatError: the file cannot be read as understood; nothing was written.
        TogglResponseError: the file's periods do not fit the requested ones; nothing was written.
    """
    currency = currency.lower()
    resolution = options.resolution
    window_start, window_end = period_window(start, end, resolution, not_after=not_after)
    outcome = ProfitabilityLoad(
        workspace_id=workspace_id,
        file_format=options.file_format,
        resolution=resolution,
        currency=currency,
        requested_start=start,
        requested_end=end,
        window_start=window_start,
        window_end=window_end,
        ranges=request_ranges(window_start, window_end, resolution),
    )
    requests_before = client.requests_sent
    try:
        responses = [
            (range_start, range_end, _fetch(client, workspace_id, options.file_format, request_body(currency, range_start, range_end, options)))
            for range_start, range_end in outcome.ranges
        ]
    finally:
        outcome.api_requests = client.requests_sent - requests_before

    window = Window(
        equals={"workspace_id": workspace_id, "resolution": resolution, "currency": currency},
        date_column="period_start",
        start=window_start,
        end=window_end,
    )
    periods: set[date] = set()
    with engine.begin() as conn:
        load = WindowLoad(conn, tables.PROFITABILITY_PROJECTS, window=window)
        for range_start, range_end, response in responses:
            outcome.raw_responses_stored += land_received(
                conn, response, source=SOURCE, workspace_id=workspace_id, window_start=range_start,
                window_end=range_end, run_id=run_id,
            )
            source_name = f"profitability export of workspace {workspace_id} ({range_start}..{range_end}, {options.file_format})"
            single_period = period_start(range_end, resolution) == range_start
            parsed = parse_export(
                response.content,
                options.file_format,
                workspace_id=workspace_id,
                resolution=resolution,
                currency=currency,
                source_name=source_name,
                default_period_start=range_start if single_period else None,
            )
            frame = parsed.frame
            _check_periods(frame, range_start, range_end, resolution, source_name)
            load.stage(frame)
            periods.update(frame["period_start"])
            outcome.rows += len(frame)
            outcome.total_seconds += int(frame["total_seconds"].sum())
            outcome.earnings_in_cents += int(frame["earnings_in_cents"].sum())
            outcome.unrecognised_columns += [c for c in parsed.unrecognised_columns if c not in outcome.unrecognised_columns]
            outcome.warnings += parsed.warnings
        outcome.stats = load.merge()
    outcome.periods = len(periods)
    return outcome


def _fetch(client: TogglClient, workspace_id: int, file_format: str, body: dict[str, Any]) -> ApiResponse:
    """One export request; a 403 says what this endpoint needs."""
    try:
        return client.profitability_export(workspace_id, file_format, body)
    except errors.TogglAuthError as exc:
        if exc.status != 403:
            raise
        raise errors.TogglAuthError(
            f"{exc} The profitability export is available to admins of workspace {workspace_id} only.", status=exc.status
        ) from None


def _check_periods(frame: pd.DataFrame, start: date, end: date, resolution: str, source_name: str) -> None:
    """Every row's period must start a period of the requested resolution inside the requested range;
    otherwise the file is not what was asked for (e.g. weeks starting on Sunday) and must not be merged."""
    for value in sorted(set(frame["period_start"])):
        if not (start <= value <= end):
            raise errors.TogglResponseError(
                f"{source_name}: a row has period {value}, outside the requested range {start}..{end}"
            )
        if period_start(value, resolution) != value:
            expected = "a Monday" if resolution == "week" else "the 1st of a month"
            raise errors.TogglResponseError(
                f"{source_name}: a row has period {value}, which is not {expected}; "
                f"toggl-warehouse expects {resolution} periods to start on {expected}"
            )
