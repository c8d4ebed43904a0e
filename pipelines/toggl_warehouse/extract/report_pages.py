"""Paging a shared report over a date range: windows Toggl accepts, one request per page, in order.

A range is cut into windows of at most 366 days; a window Toggl answers "too big to be exported" (500) or
"The report period is not supported" (400; a weekly report takes at most 7 days) is halved until Toggl
accepts it (a single day refused raises). Once a period of N days was refused, windows of N days or more
are halved without asking again: that refusal depends on the length. Within a window, pages follow Toggl's
cursor until Toggl sends none: every `X-Next-*` value it gave (ID, row number, timestamp) is sent back
(`first_id`, `first_row_number`, `first_timestamp`), so a keyset, a row-number or a capped-page-size Toggl
all page right; a page that repeats an earlier one (same first row, or same cursor) stops the fetch in one
line. The served dates are `X-Range-*`, else the body's `saved_params` of a `fixed_daterange` report, else
the requested ones. No database here: the caller lands each page before asking for the next one, and can
start from a `ResumePoint` (a window, a cursor) instead of the first day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson

from toggl_warehouse.dates import date_chunks
from toggl_warehouse.extract.pacing import Every
from toggl_warehouse.extract.raw import PageToLand, next_cursor
from toggl_warehouse.toggl import errors
from toggl_warehouse.toggl.client import Log, SharedReportRef, TogglClient
from toggl_warehouse.load.report_kinds import type_names
from toggl_warehouse.transform.report_shape import ReportShapeError, page_rows, report_type_of

MAX_RANGE_DAYS = 366
"""The longest range asked in one request (Toggl v3's limit as reported by third parties)."""
PROGRESS_EVERY_SECONDS = 10.0
"""How often paging reports progress (the first and last page of a window always)."""


class MalformedPageError(errors.TogglResponseError):
    """A page that cannot be read (not JSON, not a report, not this report's shape). Never retried."""


class RepeatedPageError(errors.TogglResponseError):
    """Toggl served a page again although the cursor it gave was sent back: paging would never end. Never retried."""


class UnknownServedRangeError(errors.TogglResponseError):
    """A report saved with a fixed date range that does not say which dates it served. Never retried."""


@dataclass(frozen=True)
class ResumePoint:
    """Where paging starts: the first date still to fetch, or a window in progress and the cursor of its next page."""

    next_date: date
    window: tuple[date, date] | None = None  # requested window in progress
    served: tuple[date, date] | None = None
    cursor: Mapping[str, int] = field(default_factory=dict)
    page_number: int = 1


def report_pages(
    client: TogglClient,
    report: SharedReportRef,
    resume: ResumePoint,
    end: date,
    *,
    page_size: int,
    params: Mapping[str, Any] | None = None,
    report_type: str | None = None,
    log: Log | None = None,
) -> Iterator[PageToLand]:
    """Yield every page of `report` from `resume` to `end`, each as received (land it before the next).

    A page whose body is not a report of the expected shape is yielded (so its bytes can be kept) and then
    MalformedPageError is raised. `report_type` is the type the pages must have (known when resuming).
    """
    log = log or client.log
    progress = Every(PROGRESS_EVERY_SECONDS)
    pending = list(date_chunks(resume.next_date, end, MAX_RANGE_DAYS)) if resume.next_date <= end else []
    if resume.window is not None:
        yield from _window_pages(client, report, resume.window, resume.served or resume.window, page_size, params,
                                 resume.cursor, resume.page_number, report_type, log, progress)
    refused_days: int | None = None  # the shortest period Toggl said it does not support
    while pending:
        window_start, window_end = pending.pop(0)
        days = (window_end - window_start).days + 1
        if refused_days is not None and days >= refused_days > 1:
            pending[0:0] = _halves(window_start, window_end)
            continue
        try:
            first = _request_page(client, report, (window_start, window_end), page_size, params, None)
        except (errors.TogglReportTooBig, errors.TogglPeriodNotSupported) as refusal:
            reason = "the report is too big to export" if isinstance(refusal, errors.TogglReportTooBig) else "the report period is not supported"
            if window_start == window_end:
                raise type(refusal)(
                    f"shared report '{report.key}': Toggl says {reason} even for the single day {window_start}",
                    status=refusal.status,
                ) from None
            if isinstance(refusal, errors.TogglPeriodNotSupported):
                refused_days = min(days, refused_days or days)
            log.warning(f"shared report '{report.key}': Toggl says {reason} for {window_start}..{window_end}; splitting it in two")
            pending[0:0] = _halves(window_start, window_end)
            continue
        first_body = _json_or_none(first.content)
        served = served_range(first.headers, window_start, window_end, first_body, report.key)
        if served != (window_start, window_end):
            log.warning(
                f"shared report '{report.key}': asked for {window_start}..{window_end}, Toggl served "
                f"{served[0]}..{served[1]} (a report saved with a fixed date range keeps its own dates)"
            )
            pending.clear()  # every other window would be served the same fixed dates again
        pages = _window_pages(client, report, (window_start, window_end), served, page_size, params, {}, 1,
                              report_type, log, progress, first=first, first_body=first_body)
        for page in pages:
            report_type = report_type or report_type_of(page.body_json)
            yield page


def _window_pages(
    client: TogglClient,
    report: SharedReportRef,
    window: tuple[date, date],
    served: tuple[date, date],
    page_size: int,
    params: Mapping[str, Any] | None,
    cursor: Mapping[str, int],
    page_number: int,
    report_type: str | None,
    log: Log,
    progress: Every,
    first: Any = None,
    first_body: Any = None,
) -> Iterator[PageToLand]:
    """The pages of one window from `cursor` on; `first` is its first response when already received."""
    response = first or _request_page(client, report, window, page_size, params, cursor)
    body = first_body if first is not None else None
    body_cursor = dict(cursor)
    seen_cursors: dict[tuple, int] = {}  # cursor Toggl gave -> the page that gave it
    seen_first_rows: dict[tuple, int] = {}  # ids of a page's first row -> that page
    while True:
        page, problem = _as_page(response, window, served, page_number, report_type, report.key, body_cursor, body)
        report_type = report_type or report_type_of(page.body_json)
        cursor_given = next_cursor(response.headers)
        if not problem and page.row_count:
            _stop_on_repeat(report.key, served, page_number, body_cursor, seen_first_rows,
                            _first_row_ids(page.body_json, report_type), "first row")
            _stop_on_repeat(report.key, served, page_number, body_cursor, seen_cursors,
                            tuple(sorted(cursor_given.items())) if cursor_given else None, "paging cursor (X-Next-*)")
        yield page
        if problem:
            raise MalformedPageError(problem)
        last = not cursor_given or not page.row_count
        if progress() or last:
            log.info(
                f"shared report '{report.key}' {served[0]}..{served[1]} page {page_number}"
                + (" (the last)" if last else "") + f": {page.row_count} rows" + client.quota_note()
            )
        if not last and page_number == 1 and page.row_count < page_size:
            log.info(f"shared report '{report.key}': Toggl serves {page.row_count} rows a page (asked for {page_size})")
        if last:
            return
        body_cursor = cursor_given
        page_number += 1
        response, body = _request_page(client, report, window, page_size, params, body_cursor), None


def _stop_on_repeat(key, served, page_number, sent, seen: dict, mark, what: str) -> None:
    """Raise RepeatedPageError when `mark` (of page `page_number`) was already seen on an earlier page."""
    if mark is None:
        return
    earlier = seen.setdefault(mark, page_number)
    if earlier != page_number:
        raise RepeatedPageError(
            f"Toggl repeated page {earlier} of report '{key}' {served[0]}..{served[1]} as page {page_number} (the same "
            f"{what}) although its cursor {dict(sent)} was sent back; stopped after {page_number} pages, nothing was loaded"
        )


def _first_row_ids(body: Any, report_type: str | None) -> tuple | None:
    """The time entry ids of a page's first row (None when it has none to compare)."""
    try:
        rows = page_rows(body, report_type) if report_type == "detailed" else None
    except ReportShapeError:
        return None
    if not rows or not isinstance(rows[0], dict):
        return None
    entries = rows[0].get("time_entries") or ()
    ids = tuple(entry.get("id") for entry in entries if isinstance(entry, dict))
    return ids or None


def _json_or_none(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


def _request_page(client, report, window, page_size, params, cursor):
    body: dict[str, Any] = {**(params or {}), "start_date": window[0].isoformat(), "end_date": window[1].isoformat(),
                            "page_size": page_size}
    body.update(cursor or {})
    return client.shared_report(report, body)


def _as_page(response, window, served, page_number, report_type, report_key, cursor,
             body: Any = None) -> tuple[PageToLand, str | None]:
    """The response as a page to land, and what is wrong with it (None when it is a well-shaped report page);
    `body` is the response already decoded, when it was."""
    where = f"shared report '{report_key}': page {page_number} of {served[0]}..{served[1]}"
    rows, problem = None, None
    try:
        body = orjson.loads(response.content) if body is None else body
    except orjson.JSONDecodeError:
        kind = response.content_type or "no content type"
        problem = f"{where} is not valid JSON ({len(response.content)} bytes of {kind}; truncated, or not Toggl's API)"
    if problem is None:
        found_type = report_type_of(body)
        if found_type is None:
            problem = f"{where} is not a {type_names('or')} report (no report_type or result object)"
        elif report_type is not None and found_type != report_type:
            problem = f"{where} is a {found_type} report; the earlier pages were {report_type}"
        else:
            try:
                rows = len(page_rows(body, found_type))
            except ReportShapeError as exc:
                problem = f"{where}: {exc}"
    page = PageToLand(
        window_start=window[0], window_end=window[1], served_start=served[0], served_end=served[1],
        page_number=page_number, method=response.method, path=response.path, request_body=response.request_body,
        status_code=response.status_code, headers=response.headers, content=response.content,
        content_type=response.content_type, body_json=body if isinstance(body, (dict, list)) else None, row_count=rows,
    )
    return page, problem


def served_range(headers: Mapping[str, str], start: date, end: date, body: Any = None,
                 report_key: str = "") -> tuple[date, date]:
    """The dates Toggl actually used: X-Range-Start/End; without them, the saved dates of a report whose body
    says `fixed_daterange: true`; else the requested ones. UnknownServedRangeError when a fixed-range
    report says neither (its rows could land under dates they do not belong to)."""
    try:
        served_start = date.fromisoformat(headers["X-Range-Start"][:10]) if headers.get("X-Range-Start") else None
        served_end = date.fromisoformat(headers["X-Range-End"][:10]) if headers.get("X-Range-End") else None
    except ValueError:
        served_start = served_end = None
    if served_start is not None or served_end is not None:
        return served_start or start, served_end or end
    if not isinstance(body, dict) or body.get("fixed_daterange") is not True:
        return start, end
    saved = body.get("saved_params") if isinstance(body.get("saved_params"), dict) else {}
    try:
        return date.fromisoformat(str(saved["start_date"])[:10]), date.fromisoformat(str(saved["end_date"])[:10])
    except (KeyError, TypeError, ValueError):
        raise UnknownServedRangeError(
            f"shared report '{report_key}' is saved with a fixed date range, and Toggl said neither which dates it "
            "served (no X-Range-* headers) nor saved them (no start_date/end_date in saved_params); nothing was "
            "loaded. Save the report in Toggl without a fixed date range (or with explicit dates)"
        ) from None


def _halves(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut in two halves (the first one takes the middle day)."""
    middle = start + (end - start) // 2
    return [(start, middle), (middle + timedelta(days=1), end)]
