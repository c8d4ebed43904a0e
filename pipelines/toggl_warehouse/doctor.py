"""`toggl-warehouse doctor`: checks the set-up one item per line, each failure with a fix hint.

It owns the checks, not the plumbing: Toggl is asked through `TogglClient.request` (no retries, no quota
waits) at most once per item: `GET /api/v9/me/quota` for the credentials and the quota, one seven-day `POST`
per configured shared report (its answer also gives the `note` lines of `doctor_notes`: page size, cursor
headers, names or ids, quota headers) and one one-day profitability export per configured workspace. The database
is only looked at (never started or migrated). Nothing secret is printed: reports are named by their key and
every Toggl message goes through the client's redactor, which knows every configured secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from toggl_warehouse.dates import yesterday
from toggl_warehouse.doctor_notes import export_headers, report_notes
from toggl_warehouse.load.report_kinds import KINDS
from toggl_warehouse.settings import Settings
from toggl_warehouse.toggl import errors
from toggl_warehouse.toggl.client import PROFITABILITY_EXPORT_PATH, SHARED_REPORT_PATH, TogglClient
from toggl_warehouse.toggl.errors import Redactor, TogglError

QUOTA_PATH = "/api/v9/me/quota"
PROBE_DAYS = 7
"""A report is probed over the last 7 days (a weekly report takes at most 7; yesterday alone when Toggl does not
support that period), asked with TOGGL_PAGE_SIZE: one request that shows how Toggl pages, names rows and
reports quota (the `note` lines)."""
_CLIENT_LABELS = ("shared report '", "profitability export of workspace", "API quota")
API_TOKEN_HINT = "copy the API token from Toggl Track → Profile settings (bottom of the page) → API Token into TOGGL_API_TOKEN"
REPORT_TOKEN_HINT = ("in Toggl Track open Reports → the saved report → Share, copy the token at the end of the share link "
                     "(…/shared/<token>) into TOGGL_SHARED_REPORTS as name=token; a private report needs its owner's or "
                     "a workspace admin's API token")


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's answer."""

    status: str  # "ok" | "warn" | "FAIL" | "note" (what was learned of the real API)
    item: str
    detail: str
    hint: str = ""

    def line(self) -> str:
        hint = f" — fix: {self.hint}" if self.hint and self.status != "ok" else ""
        return f"[{self.status:<4}] {self.item}: {self.detail}{hint}"


def run_doctor(settings: Settings, client: TogglClient | None = None) -> list[Finding]:
    """Every check, in order: credentials and quota, each report, each workspace, database, migrations."""
    client = client or _client(settings)
    try:
        findings = list(_toggl_checks(settings, client))
    finally:
        client.close()
    findings.extend(_database_checks(settings))
    return findings


def _client(settings: Settings) -> TogglClient:
    redactor = Redactor(settings.secrets)
    errors.LOG_REDACTOR.add(*settings.secrets)
    return TogglClient(
        settings.api_url, api_token=settings.api_token, email=settings.email, password=settings.password,
        max_attempts=1, min_interval=settings.min_request_interval, max_quota_wait=0,
        log=logging.getLogger("toggl_warehouse.doctor"), redactor=redactor,
    )


# ---- Toggl ------------------------------------------------------------------------------------------


def _toggl_checks(settings: Settings, client: TogglClient) -> Iterator[Finding]:
    credentials = yield from _credentials(settings, client)
    day = yesterday(settings.timezone).isoformat()
    week_start = (yesterday(settings.timezone) - timedelta(days=PROBE_DAYS - 1)).isoformat()
    for report in settings.shared_reports:
        answers: list[Any] = []
        yield _ask(
            f"report '{report.key}'", REPORT_TOKEN_HINT,
            lambda report=report: _kept(answers, _probe(client, report, settings.page_size, week_start, day)),
            _describe_report,
        )
        for answer in answers:
            days = (date.fromisoformat(answer.request_body["end_date"]) - date.fromisoformat(answer.request_body["start_date"])).days + 1
            yield from _learned(report.key, answer, settings.page_size, days)
    for workspace_id in settings.workspace_ids:
        if not credentials:
            yield Finding("FAIL", f"workspace {workspace_id}", "not checked: the profitability export needs credentials", API_TOKEN_HINT)
            continue
        path = PROFITABILITY_EXPORT_PATH.format(workspace_id=workspace_id, extension=settings.profitability.file_format)
        exports: list[Any] = []
        yield _ask(
            f"workspace {workspace_id}",
            "the profitability export needs a Premium/Enterprise workspace and an admin's API token; "
            "check TOGGL_WORKSPACE_IDS (the number in the workspace's URL)",
            lambda path=path, wid=workspace_id: _kept(exports, client.request(
                "POST", path, body={"currency": settings.currency, "start_date": day, "end_date": day},
                label=f"profitability export of workspace {wid}",
            )),
            lambda response: f"profitability export readable ({settings.profitability.file_format}, {len(response.content)} bytes for {day})",
        )
        for export in exports:
            yield Finding("note", f"workspace {workspace_id} export headers",
                          export_headers(export.content, settings.profitability.file_format))
    if not settings.shared_reports and not settings.workspace_ids:
        yield Finding("warn", "sources", "nothing configured: backfills would load nothing",
                      "set TOGGL_SHARED_REPORTS (name=report_token,...) and/or TOGGL_WORKSPACE_IDS")


def _probe(client: TogglClient, report: Any, page_size: int, start: str, day: str) -> Any:
    """A report's answer for the last PROBE_DAYS days; for yesterday alone when Toggl does not support that
    period (a weekly report may want a calendar week)."""
    def ask(first: str) -> Any:
        return client.request(
            "POST", SHARED_REPORT_PATH.format(token=report.token),
            body={"start_date": first, "end_date": day, "page_size": page_size}, label=f"shared report '{report.key}'",
            public_path=SHARED_REPORT_PATH.format(token=f"<report:{report.key}>"),
        )

    try:
        return ask(start)
    except errors.TogglPeriodNotSupported:
        return ask(day)


def _kept(answers: list[Any], response: Any) -> Any:
    answers.append(response)
    return response


def _learned(key: str, response: Any, page_size: int, days: int) -> Iterator[Finding]:
    """The note lines of what this answer showed of the real API (`doctor_notes`)."""
    try:
        body = response.json()
    except TogglError:
        return
    for topic, detail in report_notes(response.headers, body, page_size, days):
        yield Finding("note", f"report '{key}' {topic}", detail)


def _credentials(settings: Settings, client: TogglClient) -> Iterator[Finding]:
    """Yield the credentials and quota lines; return whether the credentials work."""
    if not settings.has_credentials:
        status = "FAIL" if settings.workspace_ids else "warn"
        yield Finding(status, "credentials", "no TOGGL_API_TOKEN (nor TOGGL_EMAIL/TOGGL_PASSWORD): only public reports can be read", API_TOKEN_HINT)
        return False
    finding = _ask("credentials", API_TOKEN_HINT, lambda: client.request("GET", QUOTA_PATH, label="API quota"), _describe_quota)
    yield finding
    return finding.status == "ok"


def _ask(item: str, hint: str, send: Callable[[], Any], describe: Callable[[Any], str]) -> Finding:
    """One request: ok with `describe(response)`, else the error (already redacted by the client) and a hint."""
    try:
        response = send()
    except errors.TogglQuotaExhausted as exc:
        return Finding("FAIL", item, f"not checked: {exc}", "wait for the hourly quota to reset, then run doctor again")
    except errors.TogglConnectionError as exc:
        return Finding("FAIL", item, str(exc), "check TOGGL_API_URL and the network")
    except (errors.TogglAuthError, errors.TogglNotFound, errors.TogglPlanError, errors.TogglBadRequest) as exc:
        return Finding("FAIL", item, _cause(exc), hint)
    except TogglError as exc:
        return Finding("FAIL", item, _cause(exc), "Toggl had a problem; try again in a few minutes")
    try:
        return Finding("ok", item, describe(response))
    except (ValueError, TypeError, AttributeError) as exc:
        return Finding("FAIL", item, f"Toggl answered something unexpected ({type(exc).__name__})", hint)


def _cause(exc: TogglError) -> str:
    """Toggl's answer without the client's label prefix ("shared report 'x': ") and generic advice (the doctor
    gives a specific hint)."""
    message = str(exc).split(". Check TOGGL_API_TOKEN")[0]
    label, sep, rest = message.partition(": ")
    return rest if sep and label.startswith(_CLIENT_LABELS) else message


def _describe_quota(response: Any) -> str:
    quota = response.json()
    quota = quota[0] if isinstance(quota, list) and quota else quota
    if not isinstance(quota, dict) or "remaining" not in quota:
        return "accepted (Toggl reports no quota)"
    total = f"/{quota['total']}" if quota.get("total") is not None else ""
    resets = f", resets in {quota['resets_in_secs']} s" if quota.get("resets_in_secs") is not None else ""
    return f"accepted; API quota {quota['remaining']}{total} requests left this hour{resets}"


def _describe_report(response: Any) -> str:
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("not an object")
    kind = body.get("report_type") or next((k.name for k in KINDS.values() if isinstance(body.get(k.results_key), dict)),
                                           "unknown type")
    notes = [f"{kind} report readable"]
    if body.get("fixed_daterange"):
        notes.append("saved with a fixed date range (it keeps its own dates)")
    if body.get("hide_amounts"):
        notes.append("amounts hidden (they land as NULL)")
    return "; ".join(notes)


# ---- database ---------------------------------------------------------------------------------------


def _database_checks(settings: Settings) -> Iterator[Finding]:
    from toggl_warehouse.warehouse import database
    from toggl_warehouse.warehouse.migrations import MigrationError, migration_status

    url = settings.database_url
    if url is None:
        server = database.local_server_url() or database.local_server_url(database.db_port())
        if server is None:
            yield Finding("warn", "database", "no Postgres is running; commands start an embedded one by themselves",
                          "run `toggl-warehouse db` to keep one running for psql, BI tools and `./run dev`")
            return
        if not _database_exists(server, database.WAREHOUSE_DATABASE):
            yield Finding("warn", "database", f"{database.redact_url(server)} answers but has no database "
                          f"{database.WAREHOUSE_DATABASE} yet", "run `toggl-warehouse migrate` (the first load also creates it)")
            return
        url = database.with_database(server, database.WAREHOUSE_DATABASE)
    engine = database.create_engine_for(url)
    try:
        try:
            with engine.connect():
                pass
        except Exception as exc:  # noqa: BLE001 - any driver error: report its first line
            reason = (str(getattr(exc, "orig", exc)).strip().splitlines() or [type(exc).__name__])[0]
            yield Finding("FAIL", "database", f"{database.redact_url(url)} does not answer: {reason}",
                          "check DATABASE_URL (or unset it to use the local/embedded Postgres; `toggl-warehouse db` starts one)")
            return
        yield Finding("ok", "database", f"{database.redact_url(url)} answers")
        try:
            status = migration_status(engine)
        except MigrationError as exc:
            yield Finding("FAIL", "migrations", str(exc), "reinstall toggl-warehouse or set TOGGL_WAREHOUSE_SQL_DIR")
            return
        if status.changed:
            yield Finding("FAIL", "migrations", f"applied files changed since: {', '.join(status.changed)}",
                          "revert those edits; changes go into a new numbered file")
        elif status.pending:
            yield Finding("warn", "migrations", f"{len(status.pending)} not applied (first: {status.pending[0]})",
                          "run `toggl-warehouse migrate` (loads also apply them)")
        else:
            yield Finding("ok", "migrations", "current")
    finally:
        engine.dispose()


def _database_exists(server_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(server_url, connect_timeout=5) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
