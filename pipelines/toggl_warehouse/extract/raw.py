"""The raw landing: fetch records in `toggl_raw.fetches`, and each page committed as it arrives.

Every page is landed in its own short transaction — the body once per distinct content in
`toggl_raw.bodies` (the bytes as received, and their SHA-256), the page itself always in `toggl_raw.pages` — so
a fetch that fails on page 3 keeps pages 1 and 2, and a history A, B, A records three fetches. No
transaction is ever open while the client waits on Toggl. Secrets never reach these tables: callers pass
the redacted request path, and only paging, range, quota and content-type headers are kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from psycopg.types.json import Jsonb

from toggl_warehouse.extract.retention import LANDING_LOCK
from toggl_warehouse.toggl.errors import TogglConnectionError, TogglError, TogglQuotaExhausted, TogglServerError

CURSOR_HEADERS = {"X-Next-ID": "first_id", "X-Next-Row-Number": "first_row_number", "X-Next-Timestamp": "first_timestamp"}
"""Toggl's paging headers and the body field each is sent back as (every one Toggl gives is sent back)."""
KEPT_HEADERS = (
    *CURSOR_HEADERS,
    "X-Page-Size",
    "X-Range-Start",
    "X-Range-End",
    "X-Toggl-Quota-Remaining",
    "X-Toggl-Quota-Resets-In",
    "Content-Type",
)
_KEPT_BY_LOWER = {name.lower(): name for name in KEPT_HEADERS}
# A path segment that looks like a token (long hex or long opaque string) means the path is not redacted.
_TOKEN_LIKE = re.compile(r"[0-9A-Fa-f]{20,}|[A-Za-z0-9_\-]{32,}")
_SECRET_QUERY = re.compile(r"(token|password|secret|api_key)=", re.IGNORECASE)


@dataclass(frozen=True)
class FetchSubject:
    """What a fetch is of: a source, a shared report or a workspace, and the parameters besides the dates."""

    source: str
    report_key: str | None = None
    workspace_id: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """How messages name it: "shared report 'team'" or "profitability export of workspace 1"."""
        if self.report_key is not None:
            return f"shared report '{self.report_key}'"
        return f"profitability export of workspace {self.workspace_id}"


@dataclass
class Fetch:
    """A fetch record: its id, subject and requested range, and what landed under it so far."""

    fetch_id: int
    subject: FetchSubject
    requested_start: date
    requested_end: date
    status: str = "running"
    pages: int = 0
    requests: int = 0
    resumed_pages: int = 0
    served_start: date | None = None
    served_end: date | None = None
    report_type: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class PageToLand:
    """One response to land: where it sits in the fetch, the request, and the bytes as received."""

    window_start: date
    window_end: date
    served_start: date
    served_end: date
    page_number: int
    method: str
    path: str  # redacted
    request_body: Mapping[str, Any]
    status_code: int
    headers: Mapping[str, str]
    content: bytes
    content_type: str
    body_json: Any = None  # the parsed body when it is JSON, else None
    row_count: int | None = None


@dataclass(frozen=True)
class StoredPage:
    """A landed page read back: its window, paging headers and body (parsed JSON, or bytes)."""

    page_index: int
    window_start: date
    window_end: date
    served_start: date
    served_end: date
    page_number: int
    headers: Mapping[str, str]
    row_count: int | None
    next_row_number: int | None
    body_json: Any
    body_bytes: bytes | None

    @property
    def has_next(self) -> bool:
        """Toggl announced a next page (any X-Next-* header)."""
        return bool(next_cursor(self.headers))


def next_cursor(headers: Mapping[str, str]) -> dict[str, int]:
    """The body fields that ask for the page after this one: every X-Next-* value Toggl gave; {} on the last page."""
    lowered = {name.lower(): value for name, value in headers.items()}
    cursor = {}
    for header, field_name in CURSOR_HEADERS.items():
        value = _int_or_none(lowered.get(header.lower()))
        if value is not None:
            cursor[field_name] = value
    return cursor


# ---- fetch records ----------------------------------------------------------------------------------


def start_fetch(engine: sa.Engine, subject: FetchSubject, start: date, end: date, run_id: str | None) -> Fetch:
    """Record a new running fetch of `subject` over [start, end]."""
    with engine.begin() as conn:
        fetch_id = _pg(conn).execute(
            "INSERT INTO toggl_raw.fetches (source, report_key, workspace_id, request_params, requested_start, "
            "requested_end, dagster_run_id) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING fetch_id",
            (subject.source, subject.report_key, subject.workspace_id, Jsonb(dict(subject.params)), start, end, run_id),
        ).fetchone()[0]
    return Fetch(fetch_id, subject, start, end)


def resumable_fetch(
    engine: sa.Engine, subject: FetchSubject, start: date, end: date, max_age: timedelta, run_id: str | None
) -> Fetch | None:
    """The latest failed-but-resumable fetch of the same subject, range and parameters younger than `max_age`,
    marked running again under `run_id`; None when there is none (or `max_age` is zero)."""
    if max_age <= timedelta(0):
        return None
    with engine.begin() as conn:
        row = _pg(conn).execute(
            "UPDATE toggl_raw.fetches SET status = 'running', error = NULL, finished_at = NULL, dagster_run_id = %s "
            "WHERE fetch_id = (SELECT fetch_id FROM toggl_raw.fetches WHERE source = %s "
            "  AND report_key IS NOT DISTINCT FROM %s AND workspace_id IS NOT DISTINCT FROM %s AND request_params = %s "
            "  AND requested_start = %s AND requested_end = %s AND status = 'failed' AND resumable "
            "  AND started_at > clock_timestamp() - %s ORDER BY fetch_id DESC LIMIT 1) "
            "RETURNING fetch_id, pages, requests, resumed_pages, report_type",
            (run_id, subject.source, subject.report_key, subject.workspace_id, Jsonb(dict(subject.params)), start, end, max_age),
        ).fetchone()
    if row is None:
        return None
    fetch_id, pages, requests, resumed, report_type = row
    return Fetch(fetch_id, subject, start, end, pages=pages, requests=requests, resumed_pages=resumed, report_type=report_type)


def land_page(engine: sa.Engine, fetch: Fetch, page: PageToLand, requests_spent: int) -> None:
    """Commit one page (its body once per content) and count it, with the requests it cost, on the fetch."""
    check_redacted(page.path)
    digest = hashlib.sha256(page.content).hexdigest()
    headers = kept_headers(page.headers)
    next_row = _int_or_none(headers.get("X-Next-Row-Number"))
    fetch.pages += 1
    fetch.requests += requests_spent
    with engine.begin() as conn:
        pg = _pg(conn)
        pg.execute("SELECT pg_advisory_xact_lock_shared(%s)", (LANDING_LOCK,))  # retention waits for the page
        pg.execute(
            "INSERT INTO toggl_raw.bodies (content_sha256, content_type, body_bytes, is_json, size_bytes) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (content_sha256) DO NOTHING",
            (digest, page.content_type, page.content, _is_json(page), len(page.content)),
        )
        pg.execute(
            "INSERT INTO toggl_raw.pages (fetch_id, page_index, window_start, window_end, served_start, served_end, "
            "page_number, request_method, request_path, request_body, status_code, response_headers, row_count, "
            "next_row_number, content_sha256) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (fetch.fetch_id, fetch.pages, page.window_start, page.window_end, page.served_start, page.served_end,
             page.page_number, page.method.upper(), page.path, Jsonb(dict(page.request_body)), page.status_code,
             Jsonb(headers), page.row_count, next_row, digest),
        )
        pg.execute(
            "UPDATE toggl_raw.fetches SET pages = %s, requests = %s, "
            "served_start = least(served_start, %s), served_end = greatest(served_end, %s) WHERE fetch_id = %s",
            (fetch.pages, fetch.requests, page.served_start, page.served_end, fetch.fetch_id),
        )
    fetch.served_start = min(filter(None, (fetch.served_start, page.served_start)))
    fetch.served_end = max(filter(None, (fetch.served_end, page.served_end)))


def finish_fetch(
    engine: sa.Engine,
    fetch: Fetch,
    *,
    requests_spent: int,
    error: str | None = None,
    resumable: bool = False,
) -> None:
    """Close the fetch: complete, or failed with a one-line `error` (resumable when it may pass on a re-run)."""
    fetch.requests += requests_spent
    fetch.status = "failed" if error else "complete"
    fetch.error = error
    with engine.begin() as conn:
        _pg(conn).execute(
            "UPDATE toggl_raw.fetches SET status = %s, error = %s, resumable = %s, requests = %s, pages = %s, "
            "resumed_pages = %s, report_type = coalesce(%s, report_type), finished_at = clock_timestamp() WHERE fetch_id = %s",
            (fetch.status, error, resumable and error is not None, fetch.requests, fetch.pages, fetch.resumed_pages,
             fetch.report_type, fetch.fetch_id),
        )


def close_after_interruption(engine: sa.Engine, fetch: Fetch, requests_spent: int, exc: BaseException) -> None:
    """Best effort: record a fetch cut short by something other than Toggl (an interrupt, the database) as
    failed and resumable; when the database itself is gone the record stays 'running' and is not resumed."""
    try:
        finish_fetch(engine, fetch, requests_spent=requests_spent, error=f"interrupted: {type(exc).__name__}", resumable=True)
    except Exception:  # noqa: BLE001 - the original exception is what the caller must see
        pass


class Landing:
    """Lands the pages of one fetch, counting the client's requests; `with` closes the fetch.

    On leaving the block the fetch is complete; after a TogglError it is failed (resumable when the error may
    pass) and the error is raised again, its message saying what was kept; after anything else (the database,
    an interrupt) it is failed and resumable if the database still answers.
    """

    def __init__(self, engine: sa.Engine, fetch: Fetch, requests_sent: Callable[[], int]):
        self.engine, self.fetch, self._requests_sent = engine, fetch, requests_sent
        self._counted = requests_sent()

    def land(self, page: PageToLand) -> None:
        """Commit one page, with the requests spent since the previous one."""
        land_page(self.engine, self.fetch, page, self._spent())

    def __enter__(self) -> "Landing":
        return self

    def __exit__(self, kind, exc, traceback) -> bool:
        if exc is None:
            finish_fetch(self.engine, self.fetch, requests_spent=self._spent())
            return False
        if isinstance(exc, TogglError):
            resumable = may_pass(exc)
            finish_fetch(self.engine, self.fetch, requests_spent=self._spent(), error=str(exc), resumable=resumable)
            raise with_fetch_note(exc, self.fetch, resumable) from None
        close_after_interruption(self.engine, self.fetch, self._spent(), exc)
        return False

    def _spent(self) -> int:
        now = self._requests_sent()
        spent, self._counted = now - self._counted, now
        return spent


def may_pass(exc: TogglError) -> bool:
    """Whether a failure may pass on a re-run (quota, network, 5xx): then the fetch is resumable."""
    return exc.retryable or isinstance(exc, (TogglQuotaExhausted, TogglConnectionError, TogglServerError))


def with_fetch_note(exc: TogglError, fetch: Fetch, resumable: bool) -> TogglError:
    """The same error, its message ending with what was kept and what a re-run does."""
    if resumable:
        note = f"fetch {fetch.fetch_id} kept {fetch.pages} page(s); run again to continue from the next one"
    else:
        note = f"fetch {fetch.fetch_id} kept {fetch.pages} page(s) in toggl_raw for inspection"
    return type(exc)(f"{exc} ({note})", status=exc.status, retry_after=exc.retry_after)


def read_fetch(conn: sa.Connection, fetch_id: int) -> Fetch:
    """The fetch record `fetch_id`."""
    row = _pg(conn).execute(
        "SELECT source, report_key, workspace_id, request_params, requested_start, requested_end, status, pages, "
        "requests, resumed_pages, served_start, served_end, report_type, error FROM toggl_raw.fetches WHERE fetch_id = %s",
        (fetch_id,),
    ).fetchone()
    if row is None:
        raise LookupError(f"toggl_raw.fetches has no fetch {fetch_id}")
    source, report_key, workspace_id, params, *rest = row
    return Fetch(fetch_id, FetchSubject(source, report_key, workspace_id, params or {}), *rest)


def stored_pages(conn: sa.Connection, fetch_id: int) -> Iterator[StoredPage]:
    """The pages of a fetch in the order received, reading one body at a time (memory stays flat)."""
    pg = _pg(conn)
    index = pg.execute(
        "SELECT page_index, window_start, window_end, served_start, served_end, page_number, response_headers, "
        "row_count, next_row_number, content_sha256 FROM toggl_raw.pages WHERE fetch_id = %s ORDER BY page_index",
        (fetch_id,),
    ).fetchall()
    for *meta, digest in index:
        body_text, body_bytes, is_json = pg.execute(
            "SELECT body_json::text, body_bytes, is_json FROM toggl_raw.bodies WHERE content_sha256 = %s", (digest,)
        ).fetchone()
        if body_text is not None:  # landed before migration 022, as jsonb
            yield StoredPage(*meta, body_json=orjson.loads(body_text), body_bytes=None)
        elif is_json:
            yield StoredPage(*meta, body_json=orjson.loads(body_bytes), body_bytes=None)
        else:
            yield StoredPage(*meta, body_json=None, body_bytes=bytes(body_bytes))


def page_index(conn: sa.Connection, fetch_id: int) -> list[StoredPage]:
    """The pages of a fetch without their bodies (paging metadata only)."""
    rows = _pg(conn).execute(
        "SELECT page_index, window_start, window_end, served_start, served_end, page_number, response_headers, "
        "row_count, next_row_number FROM toggl_raw.pages WHERE fetch_id = %s ORDER BY page_index",
        (fetch_id,),
    ).fetchall()
    return [StoredPage(*row, body_json=None, body_bytes=None) for row in rows]


def mark_loaded(conn: sa.Connection, fetch_id: int) -> None:
    """Record, inside the load's transaction, that tables were just replaced from this fetch."""
    _pg(conn).execute("UPDATE toggl_raw.fetches SET last_loaded_at = now() WHERE fetch_id = %s", (fetch_id,))


# ---- helpers ----------------------------------------------------------------------------------------


def check_redacted(path: str) -> None:
    """Refuse a request path that looks like it contains a secret (never echoing the path)."""
    route, _, query = path.partition("?")
    if any(_TOKEN_LIKE.fullmatch(segment) for segment in route.split("/")) or _SECRET_QUERY.search(query):
        raise ValueError(
            "request path looks like it contains a token; raw landing needs the redacted path "
            "(secrets replaced by a placeholder naming the report)"
        )


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The paging, range, quota and content-type headers, under their canonical names."""
    return {_KEPT_BY_LOWER[k.lower()]: v for k, v in headers.items() if k.lower() in _KEPT_BY_LOWER}


def _is_json(page: PageToLand) -> bool:
    """Whether the body parsed as JSON (orjson accepts only valid UTF-8) without a NUL character, which jsonb
    cannot store: then it is read back as JSON, and toggl_raw.json_bodies shows it as jsonb."""
    return page.body_json is not None and b"\\u0000" not in page.content


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _pg(conn: sa.Connection):
    """The psycopg connection under a SQLAlchemy connection."""
    return conn.connection.driver_connection
