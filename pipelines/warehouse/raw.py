"""Land raw Toggl API responses in ``toggl_raw.api_responses``, once per distinct (request, content).

The request is identified by ``request_hash`` (source, report key, workspace, redacted path, canonical
JSON body) and the content by ``content_sha256``; landing an identical response again stores nothing.
Secrets never reach this table: callers pass the *redacted* request path (a shared report's token
replaced by a placeholder naming the report), and only paging, range and quota headers are kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Protocol

from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy import Connection

KEPT_HEADERS = (
    "X-Next-ID",
    "X-Next-Row-Number",
    "X-Range-Start",
    "X-Range-End",
    "X-Toggl-Quota-Remaining",
    "X-Toggl-Quota-Resets-In",
    "Content-Type",
)
_KEPT_BY_LOWER = {name.lower(): name for name in KEPT_HEADERS}
_TABLE = sql.Identifier("toggl_raw", "api_responses")
# A path segment that looks like a token (long hex or long opaque string) means the path is not redacted.
_TOKEN_LIKE = re.compile(r"[0-9A-Fa-f]{20,}|[A-Za-z0-9_\-]{32,}")
_SECRET_QUERY = re.compile(r"(token|password|secret|api_key)=", re.IGNORECASE)


def land_response(
    conn: Connection,
    *,
    source: str,
    report_key: str | None = None,
    workspace_id: int | None = None,
    method: str,
    path: str,
    body: dict,
    window_start: date | None,
    window_end: date | None,
    page_number: int,
    status_code: int,
    headers: Mapping[str, str],
    content_type: str | None,
    body_json: Any = None,
    body_bytes: bytes | None = None,
    run_id: str | None = None,
) -> bool:
    """Store one response (exactly one of ``body_json`` / ``body_bytes``); True if it was new.

    ``path`` must already be redacted (no token); a path that looks like it carries one is refused,
    without echoing it.
    """
    check_redacted(path)
    if (body_json is None) == (body_bytes is None):
        raise ValueError("pass exactly one of body_json and body_bytes")
    values = {
        "source": source,
        "report_key": report_key,
        "workspace_id": workspace_id,
        "request_method": method.upper(),
        "request_path": path,
        "request_body": Jsonb(body, dumps=canonical_json),
        "request_hash": request_hash(source, report_key, workspace_id, path, body),
        "window_start": window_start,
        "window_end": window_end,
        "page_number": page_number,
        "status_code": status_code,
        "response_headers": Jsonb(kept_headers(headers)),
        "content_type": content_type,
        "body_json": None if body_json is None else Jsonb(body_json, dumps=canonical_json),
        "body_bytes": body_bytes,
        "content_sha256": content_sha256(body_json=body_json, body_bytes=body_bytes),
        "dagster_run_id": run_id,
    }
    statement = sql.SQL(
        "INSERT INTO {} ({}) VALUES ({}) "
        "ON CONFLICT (request_hash, content_sha256) DO NOTHING RETURNING response_id"
    ).format(
        _TABLE,
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values)),
    )
    with conn.connection.driver_connection.cursor() as cursor:
        cursor.execute(statement, list(values.values()))
        return cursor.fetchone() is not None


def check_redacted(path: str) -> None:
    """Refuse a request path that looks like it contains a secret (never echoing the path)."""
    route, _, query = path.partition("?")
    if any(_TOKEN_LIKE.fullmatch(segment) for segment in route.split("/")) or _SECRET_QUERY.search(query):
        raise ValueError(
            "request path looks like it contains a token; land_response needs the redacted path "
            "(secrets replaced by a placeholder naming the report)"
        )


def request_hash(source: str, report_key: str | None, workspace_id: int | None, path: str, body: dict) -> str:
    """SHA-256 identifying a request: source, report key, workspace, redacted path, canonical body."""
    return _sha256(canonical_json([source, report_key, workspace_id, path, body]).encode("utf-8"))


def content_sha256(*, body_json: Any = None, body_bytes: bytes | None = None) -> str:
    """SHA-256 of the body bytes; a JSON body is hashed as its canonical JSON dump."""
    if body_bytes is not None:
        return _sha256(body_bytes)
    return _sha256(canonical_json(body_json).encode("utf-8"))


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The paging, range, quota and content-type headers, under their canonical names."""
    return {_KEPT_BY_LOWER[k.lower()]: v for k, v in headers.items() if k.lower() in _KEPT_BY_LOWER}


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept, dates as ISO strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ReceivedResponse(Protocol):
    """What raw landing needs of a client response (pipelines.toggl.client.ApiResponse fits)."""

    method: str
    path: str
    request_body: dict
    status_code: int
    headers: Mapping[str, str]
    content: bytes
    content_type: str


def land_received(
    conn: Connection,
    response: ReceivedResponse,
    *,
    source: str,
    window_start: date | None,
    window_end: date | None,
    page_number: int = 1,
    report_key: str | None = None,
    workspace_id: int | None = None,
    body_json: Any = None,
    run_id: str | None = None,
) -> bool:
    """`land_response` for a client response: JSON bodies as parsed `body_json`, anything else as bytes."""
    return land_response(
        conn,
        source=source,
        report_key=report_key,
        workspace_id=workspace_id,
        method=response.method,
        path=response.path,
        body=response.request_body,
        window_start=window_start,
        window_end=window_end,
        page_number=page_number,
        status_code=response.status_code,
        headers=response.headers,
        content_type=response.content_type,
        body_json=body_json,
        body_bytes=None if body_json is not None else response.content,
        run_id=run_id,
    )
