"""Extract a shared report over a date range into `toggl_raw`: a fetch record, each page committed as it arrives.

A failed fetch keeps the pages it paid for. When it failed for a reason that may pass (quota, network,
5xx) it is resumable: the same report, range and parameters fetched again within `resume_max_age`
continue from the page after the last one landed instead of paying for the earlier pages again.
Resuming is exact when the report's data did not change in between (Toggl pages by row number); when it
did, every page's totals no longer agree and the check stage refuses the fetch: run it again fresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from toggl_warehouse.extract.pacing import collector_paused
from toggl_warehouse.extract.raw import (
    Fetch,
    FetchSubject,
    Landing,
    next_cursor,
    page_index,
    resumable_fetch,
    start_fetch,
)
from toggl_warehouse.extract.report_pages import ResumePoint, report_pages
from toggl_warehouse.toggl.client import Log, SharedReportRef, TogglClient
from toggl_warehouse.settings import DEFAULTS
from toggl_warehouse.transform.report_shape import report_type_of

SOURCE = "shared_report"


def report_subject(report_key: str, page_size: int, params: Mapping[str, Any] | None = None) -> FetchSubject:
    """The fetch subject of a shared report: its key, and the page size and filters it is asked with."""
    return FetchSubject(SOURCE, report_key=report_key, params={"page_size": page_size, **(params or {})})


def extract_shared_report(
    client: TogglClient,
    engine: sa.Engine,
    report: SharedReportRef,
    start: date,
    end: date,
    *,
    page_size: int = DEFAULTS.page_size,
    params: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    resume_max_age: timedelta = timedelta(hours=DEFAULTS.resume_max_age_hours),
    log: Log | None = None,
) -> Fetch:
    """Fetch `report` over [start, end] into toggl_raw; return the complete fetch, or raise (the fetch is failed).

    Raises:
        TogglError: Toggl refused or failed (the fetch is recorded as failed, resumable when it may pass).
    """
    log = log or client.log
    subject = report_subject(report.key, page_size, params)
    fetch = resumable_fetch(engine, subject, start, end, resume_max_age, run_id)
    resume = ResumePoint(start)
    if fetch is not None:
        resume = _resume_point(engine, fetch)
        fetch.resumed_pages += fetch.pages
        log.info(
            f"{subject.describe()}: resuming fetch {fetch.fetch_id} of {start}..{end} after its {fetch.pages} landed "
            f"page(s); those requests are not paid again"
        )
    else:
        fetch = start_fetch(engine, subject, start, end, run_id)
    with Landing(engine, fetch, lambda: client.requests_sent) as landing, collector_paused():
        for page in report_pages(client, report, resume, end, page_size=page_size, params=params,
                                 report_type=fetch.report_type, log=log):
            landing.land(page)
            fetch.report_type = fetch.report_type or report_type_of(page.body_json)
    return fetch


def _resume_point(engine: sa.Engine, fetch: Fetch) -> ResumePoint:
    """Where a resumed fetch continues: inside the window of its last page, or on the day after it."""
    with engine.connect() as conn:
        pages = page_index(conn, fetch.fetch_id)
    if not pages:
        return ResumePoint(fetch.requested_start)
    last = pages[-1]
    after_window = last.window_end + timedelta(days=1)
    cursor = next_cursor(last.headers)
    if cursor and last.row_count:
        return ResumePoint(
            after_window,
            window=(last.window_start, last.window_end),
            served=(last.served_start, last.served_end),
            cursor=cursor,
            page_number=last.page_number + 1,
        )
    return ResumePoint(after_window)
