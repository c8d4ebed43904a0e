"""`toggl-warehouse capture`: make the requests a backfill would, for at most N pages, and write them to one file.

A shared report is paged by the product's own `report_pages` (the same windows, bodies and cursors as a
backfill); a profitability export asks the product's own request bodies for the whole periods of the range.
Everything goes through `TogglClient` with a `CaptureRecorder` attached, so what is written is exactly
what was sent and answered — secrets removed, names pseudonymised. A request Toggl refuses is recorded too
(that answer is often the point of a bug report): the file is written, and the command says why it stopped.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from toggl_warehouse.capture.recording import CaptureRecorder, write_capture
from toggl_warehouse.dates import yesterday
from toggl_warehouse.extract.profitability import period_window, request_body, request_ranges
from toggl_warehouse.extract.report_pages import ResumePoint, report_pages
from toggl_warehouse.settings import Settings
from toggl_warehouse.toggl import errors
from toggl_warehouse.toggl.client import SHARED_REPORT_PATH, SharedReportRef, TogglClient
from toggl_warehouse.toggl.errors import Redactor, TogglError

DEFAULT_PAGES = 3
"""Pages (or export files) a capture asks for unless `--pages` says otherwise: enough to see paging, cheap on
the quota. A retried request is recorded once per attempt."""


@dataclass(frozen=True)
class CaptureRequest:
    """What to capture: a shared report (`report`) or a workspace's profitability export (`workspace_id`)."""

    start: date
    end: date
    report: str | None = None
    workspace_id: int | None = None
    pages: int = DEFAULT_PAGES
    file_format: str | None = None  # csv | xlsx for an export; the configured one when None
    out: Path | None = None

    def default_out(self) -> Path:
        subject = f"report-{self.report}" if self.report else f"workspace-{self.workspace_id}"
        return Path(f"toggl-capture-{subject}-{self.start}-{self.end}.json")


@dataclass(frozen=True)
class CaptureResult:
    """What the command prints: where the file is, how many exchanges, and why it stopped early (if it did)."""

    path: Path
    exchanges: int
    stopped: str | None = None

    def lines(self) -> list[str]:
        lines = [f"wrote {self.path}: {self.exchanges} request(s) and response(s), secrets removed, names pseudonymised"]
        if self.stopped:
            lines.append(f"capture stopped: {self.stopped} (that answer is in the file)")
        lines.append("look it over, then attach it to an issue: see \"Help us verify against your Toggl\" in the README")
        return lines


def run_capture(settings: Settings, request: CaptureRequest) -> CaptureResult:
    """Capture what `request` asks (see the module docstring); raises ValueError for bad arguments."""
    if (request.report is None) == (request.workspace_id is None):
        raise ValueError("capture needs exactly one of --report NAME (a shared report) or --workspace ID (the profitability export)")
    if request.end < request.start:
        raise ValueError(f"--end {request.end} is before --start {request.start}")
    if request.pages < 1:
        raise ValueError(f"--pages {request.pages}: capture at least 1 page")
    redactor = Redactor(settings.secrets)
    errors.LOG_REDACTOR.add(*settings.secrets)
    placeholders = {report.token: f"<report:{report.key}>" for report in settings.shared_reports}
    recorder = CaptureRecorder(redactor, placeholders)
    if settings.email:
        recorder.pseudonyms.fake(settings.email)  # the login email is personal wherever Toggl echoes it
    client = _client(settings, redactor)
    client.recorder = recorder
    stopped = None
    try:
        if request.report is not None:
            about = _capture_report(client, settings, request)
        else:
            about = _capture_export(client, settings, request)
    except TogglError as exc:
        stopped, about = str(exc), _about(settings, request)
    finally:
        client.close()
    path = request.out or request.default_out()
    write_capture(path, about, recorder.exchanges, Redactor([*settings.secrets, settings.email or ""]))
    return CaptureResult(path, len(recorder.exchanges), stopped)


def _capture_report(client: TogglClient, settings: Settings, request: CaptureRequest) -> dict[str, Any]:
    report = settings.report(request.report)  # raises SettingsError naming the configured reports
    ref = SharedReportRef(key=report.key, token=report.token)
    pages = report_pages(client, ref, ResumePoint(request.start), request.end, page_size=settings.page_size)
    for _ in itertools.islice(pages, request.pages):
        pass  # each page is recorded by the client's recorder
    return _about(settings, request)


def _capture_export(client: TogglClient, settings: Settings, request: CaptureRequest) -> dict[str, Any]:
    options = settings.profitability
    if request.file_format is not None:
        options = replace(options, file_format=request.file_format)
    window = period_window(request.start, request.end, options.resolution, not_after=yesterday(settings.timezone))
    for start, end in request_ranges(*window, options.resolution)[: request.pages]:
        client.profitability_export(request.workspace_id, options.file_format,
                                    request_body(settings.currency, start, end, options))
    return _about(settings, request) | {"file_format": options.file_format, "window": [str(window[0]), str(window[1])]}


def _about(settings: Settings, request: CaptureRequest) -> dict[str, Any]:
    about: dict[str, Any] = {"start": str(request.start), "end": str(request.end), "max_requests": request.pages}
    if request.report is not None:
        about |= {"source": "shared_report", "report": request.report, "page_size": settings.page_size,
                  "path": SHARED_REPORT_PATH.format(token=f"<report:{request.report}>")}
    else:
        about |= {"source": "profitability_export", "workspace_id": request.workspace_id,
                  "currency": settings.currency, "resolution": settings.profitability.resolution}
    return about


def _client(settings: Settings, redactor: Redactor) -> TogglClient:
    return TogglClient(
        settings.api_url, api_token=settings.api_token, email=settings.email, password=settings.password,
        timeout=(settings.connect_timeout_seconds, settings.read_timeout_seconds),
        max_attempts=settings.max_attempts, min_interval=settings.min_request_interval,
        max_quota_wait=settings.max_quota_wait_seconds, log=logging.getLogger("toggl_warehouse.capture"),
        redactor=redactor,
    )
