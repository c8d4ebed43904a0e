"""Extract the profitability projects export of one workspace over a date range into `toggl_raw`.

The range is first widened to whole periods (a Monday-aligned week, a calendar month; a day stays a day)
so that every period row Toggl returns is complete, capped at the last complete day. That window is
fetched in as few requests as Toggl allows (one, unless it spans more than 366 days; then it is cut at
period boundaries), each file committed to `toggl_raw` as it arrives under a fetch record. A failed
fetch keeps the files it paid for and, when it may pass (quota, network), a re-run within the resume age
asks only for the ranges it lacks.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from toggl_warehouse.dates import period_end, period_start, period_starts
from toggl_warehouse.extract.raw import Fetch, FetchSubject, Landing, PageToLand, page_index, resumable_fetch, start_fetch
from toggl_warehouse.extract.report_pages import MAX_RANGE_DAYS
from toggl_warehouse.settings import ProfitabilityOptions
from toggl_warehouse.toggl import errors
from toggl_warehouse.toggl.client import ApiResponse, Log, TogglClient

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


def export_subject(workspace_id: int, currency: str, options: ProfitabilityOptions) -> FetchSubject:
    """The fetch subject of a workspace's export: the workspace, and the body parameters besides the dates."""
    params = request_body(currency, date.min, date.min, options)
    del params["start_date"], params["end_date"]
    return FetchSubject(SOURCE, workspace_id=workspace_id, params={"format": options.file_format, **params})


def extract_profitability(
    client: TogglClient,
    engine: sa.Engine,
    workspace_id: int,
    window_start: date,
    window_end: date,
    *,
    currency: str,
    options: ProfitabilityOptions,
    run_id: str | None = None,
    resume_max_age: timedelta = timedelta(hours=24),
    log: Log | None = None,
) -> Fetch:
    """Fetch the export for the whole-period window [window_start, window_end] into toggl_raw, one file per range."""
    log = log or client.log
    subject = export_subject(workspace_id, currency, options)
    ranges = request_ranges(window_start, window_end, options.resolution)
    fetch = resumable_fetch(engine, subject, window_start, window_end, resume_max_age, run_id)
    if fetch is not None:
        with engine.connect() as conn:
            done = {(page.window_start, page.window_end) for page in page_index(conn, fetch.fetch_id)}
        fetch.resumed_pages += len(done)
        log.info(f"{subject.describe()}: resuming fetch {fetch.fetch_id}; {len(done)} file(s) already landed")
    else:
        fetch, done = start_fetch(engine, subject, window_start, window_end, run_id), set()
    fetch.report_type = options.file_format
    with Landing(engine, fetch, lambda: client.requests_sent) as landing:
        for range_start, range_end in ranges:
            if (range_start, range_end) not in done:
                body = request_body(currency, range_start, range_end, options)
                response = _download(client, workspace_id, options.file_format, body)
                landing.land(_as_page(response, range_start, range_end))
    return fetch


def _download(client: TogglClient, workspace_id: int, file_format: str, body: dict[str, Any]) -> ApiResponse:
    """One export request; a 403 says what this endpoint needs."""
    try:
        return client.profitability_export(workspace_id, file_format, body)
    except errors.TogglAuthError as exc:
        if exc.status != 403:
            raise
        raise errors.TogglAuthError(
            f"{exc} The profitability export is available to admins of workspace {workspace_id} only.", status=exc.status
        ) from None


def _as_page(response: ApiResponse, start: date, end: date) -> PageToLand:
    """An export file as a page of its fetch: one page per requested range, kept as bytes."""
    return PageToLand(
        window_start=start, window_end=end, served_start=start, served_end=end, page_number=1,
        method=response.method, path=response.path, request_body=response.request_body,
        status_code=response.status_code, headers=response.headers, content=response.content,
        content_type=response.content_type, body_json=None, row_count=0,
    )
