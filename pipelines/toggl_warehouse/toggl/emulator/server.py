"""The emulator's HTTP side: EmulatorConfig, TogglEmulator (ThreadingHTTPServer on 127.0.0.1), routing,
basic auth, per-user quota and leaky-bucket headers, injected faults, error bodies and the request log.

Routes: POST /reports/api/v3/shared/{token}; POST /insights/api/v1/workspace/{id}/profitability/
projects.{csv|xlsx}; GET /api/v9/me; GET /api/v9/me/quota; GET /_emulator/info (loopback, no auth,
not logged, no quota). Report tokens never reach a log: request lines are redacted and only logged at
DEBUG level through ``logging``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import random
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .dialects import DIALECTS
from .faults import QUOTA_REMAINING, QUOTA_RESETS_IN, ApiError, Fault, FaultPlan
from .generation import DEMO_USERS, generate_organization
from .profitability import export_profitability, parse_variant
from .reports import (
    AnswerCache,
    ReportDefinition,
    define_reports,
    report_rows,
    resolve_query,
    select_entries,
    shared_report_response,
)
from .serving import HOST, LoopbackService
from .totals import build_totals
from .workspace import Organization, User, Workspace

log = logging.getLogger(__name__)
WINDOW_SECONDS = 3600
SHARED_REPORT = re.compile(r"^/reports/api/v3/shared/([^/]+)/?$")
PROFITABILITY = re.compile(r"^/insights/api/v1/workspace/([^/]+)/profitability/projects\.([A-Za-z0-9]+)$")
TOKEN_IN_PATH = re.compile(r"(/shared/)[^/?#\s\"]+")
BAD_CREDENTIALS = "Incorrect username and/or password"
NO_CREDENTIALS = "Unable to extract authentication data"


@dataclass
class EmulatorConfig:
    """The emulated organization and server. ``users``: people in the premium workspace (the default six
    are the demo team; more add generated colleagues, clients and projects in proportion). ``dialect``:
    ``enriched`` (names in every row, the default here) or ``swagger`` (Toggl's spec: see ``dialects.py``)."""

    seed: int = 7
    users: int = DEMO_USERS
    start: date | None = None
    end: date | None = None
    timezone: str = "Europe/Berlin"
    port: int = 0
    quota_per_hour: int = 600
    min_interval_seconds: float = 0.0
    too_big_rows: int | None = None
    now: datetime | None = None
    profitability_csv: dict = field(default_factory=dict)
    dialect: str = "enriched"

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"emulator dialect must be one of {', '.join(DIALECTS)}, got {self.dialect!r}")
        self.end = self.end or date.today()
        self.start = self.start or self.end - timedelta(days=400)
        tz = ZoneInfo(self.timezone)
        self.now = self.now or datetime.combine(self.end, clock_time(12), tz)
        self.now = self.now.replace(tzinfo=tz) if self.now.tzinfo is None else self.now.astimezone(tz)


def redact(path: str) -> str:
    """A request path with any report token replaced."""
    return TOKEN_IN_PATH.sub(r"\1<redacted>", path)


class QuotaBook:
    """Sliding 60-minute request quota and the minimum interval between requests, per identity."""

    def __init__(self, per_hour: int, min_interval: float, clock=time.monotonic):
        self.per_hour, self.min_interval, self.clock = per_hour, min_interval, clock
        self._used: dict[str, deque[float]] = {}
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def headers(self, identity: str) -> dict[str, str]:
        remaining, resets_in = self.status(identity)
        return {QUOTA_REMAINING: str(remaining), QUOTA_RESETS_IN: str(resets_in)}

    def status(self, identity: str) -> tuple[int, int]:
        with self._lock:
            used = self._window(identity)
            resets_in = math.ceil(WINDOW_SECONDS - (self.clock() - used[0])) if used else 0
            return max(self.per_hour - len(used), 0), resets_in

    def admit(self, identity: str) -> None:
        """Count one request, or raise 429 (too soon) / 402 (hourly quota used up)."""
        with self._lock:
            now = self.clock()
            last = self._last.get(identity)
            if self.min_interval > 0 and last is not None and now - last < self.min_interval:
                raise ApiError(429, "Too Many Requests", headers={"Retry-After": "1"})
            used = self._window(identity)
            if len(used) >= self.per_hour:
                raise ApiError(402, "You have hit your hourly API quota; it resets in "
                                    f"{math.ceil(WINDOW_SECONDS - (now - used[0]))} seconds.")
            used.append(now)
            self._last[identity] = now

    def _window(self, identity: str) -> deque[float]:
        used = self._used.setdefault(identity, deque())
        while used and self.clock() - used[0] >= WINDOW_SECONDS:
            used.popleft()
        return used


@dataclass
class Reply:
    status: int
    payload: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    quota_headers: bool = True

    @classmethod
    def json(cls, status: int, value, **kw) -> "Reply":
        return cls(status, json.dumps(value, ensure_ascii=False).encode("utf-8"), **kw)

    @classmethod
    def error(cls, err: ApiError) -> "Reply":
        return cls.json(err.status, err.message, headers=err.headers, quota_headers=err.quota_headers)

    @classmethod
    def fault(cls, fault: Fault) -> "Reply":
        payload = fault.body if fault.body is not None else json.dumps(fault.default_message())
        headers = dict(fault.headers or {})
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        return cls(fault.status, payload.encode("utf-8"), content_type=fault.content_type, headers=headers,
                   quota_headers=fault.quota_headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, emulator: "TogglEmulator"):
        self.emulator = emulator
        super().__init__((HOST, port), _Handler)

    def handle_error(self, request, client_address) -> None:
        """A client that went away mid-answer is normal here; never print tracebacks to stderr."""
        log.debug("emulator: connection from %s ended with an error", client_address[0], exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        log.debug("emulator: %s", redact(format % args))

    def _handle(self, method: str) -> None:
        raw = self._read_body()
        emulator = self.server.emulator
        path = urlsplit(self.path).path
        if path.startswith("/_emulator/"):
            return self._send(emulator.internal(path, self.client_address[0]), None)
        body = _json_body(raw)
        emulator.request_log.append((method, self.path, body if isinstance(body, dict) else {}))
        user, identity, auth_error = emulator.authenticate(self.headers.get("Authorization"),
                                                           self.client_address[0])
        fault = emulator.faults.take(path)
        if fault is not None:
            time.sleep(fault.delay_seconds)
            if fault.drop_connection:
                return self._drop()
            if fault.status is not None:
                return self._send(Reply.fault(fault), identity)
        reply = emulator.answer(method, path, body, self.headers, user, auth_error, identity)
        self._send(reply, identity, cut_after=fault.cut_body_after if fault is not None else None)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply, identity: str | None, cut_after: int | None = None) -> None:
        headers = {}
        if reply.quota_headers and identity is not None:
            headers.update(self.server.emulator.quota.headers(identity))
        headers.update(reply.headers)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if cut_after is None:
            self.wfile.write(reply.payload)
            return
        self.wfile.write(reply.payload[:cut_after])
        self.wfile.flush()
        self._drop()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _json_body(raw: bytes):
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if sep else None


class TogglEmulator(LoopbackService):
    """A fake Toggl API on loopback with a deterministic workspace; also a context manager."""

    def __init__(self, config: EmulatorConfig | None = None):
        super().__init__()
        self.config = config or EmulatorConfig()
        cfg = self.config
        self.organization: Organization = generate_organization(cfg.seed, cfg.start, cfg.end, cfg.timezone,
                                                                cfg.now, users=cfg.users,
                                                                dialect=DIALECTS[cfg.dialect])
        self.workspace: Workspace = self.organization.workspaces[0]
        self.reports: dict[str, ReportDefinition] = define_reports(
            random.Random(f"reports:{cfg.seed}"), self.workspace, self.today)
        self.faults = FaultPlan()
        self.quota = QuotaBook(cfg.quota_per_hour, cfg.min_interval_seconds)
        self.request_log: list[tuple[str, str, dict]] = []
        self.answers = AnswerCache()

    # ---- credentials and facts ---------------------------------------------------------------
    @property
    def admin(self) -> User:
        return self.organization.users[0]

    @property
    def member(self) -> User:
        return self.organization.users[1]

    @property
    def api_token(self) -> str:
        return self.admin.api_token

    @property
    def email(self) -> str:
        return self.admin.email

    @property
    def password(self) -> str:
        return self.admin.password

    @property
    def member_api_token(self) -> str:
        return self.member.api_token

    @property
    def workspaces(self) -> list[Workspace]:
        return self.organization.workspaces

    @property
    def workspace_ids(self) -> list[int]:
        return [w.id for w in self.workspaces]

    @property
    def today(self) -> date:
        return self.config.now.date()

    # ---- lifecycle ------------------------------------------------------------------------------
    def _make_server(self) -> _Server:
        return _Server(self.config.port, self)

    # ---- expected values for tests ----------------------------------------------------------------
    def report_rows(self, report_key: str, start_date: date | None = None, end_date: date | None = None,
                    **filters) -> list[dict]:
        """Every detailed row the endpoint would serve (all pages) for these dates and filters."""
        return report_rows(self.workspace, self.reports[report_key], start_date, end_date, self.today,
                           **filters)

    def report_totals(self, report_key: str, start_date: date | None = None, end_date: date | None = None,
                      **filters) -> dict:
        """The totals object the endpoint would serve for these dates and filters."""
        body = {"start_date": start_date and start_date.isoformat(),
                "end_date": end_date and end_date.isoformat(), **filters}
        query = resolve_query(self.reports[report_key], body, self.today)
        return build_totals(self.workspace, select_entries(self.workspace, query), query.start, query.end)

    def info(self) -> dict:
        """Everything needed to point the pipeline at this emulator (all of it is fake data)."""
        reports = {k: r.token for k, r in self.reports.items()}
        usable = ",".join(f"{k}={r.token}" for k, r in self.reports.items() if r.report_type == "detailed")
        return {
            "base_url": self.base_url, "email": self.email, "password": self.password,
            "api_token": self.api_token, "member_api_token": self.member_api_token,
            "organization_id": self.organization.id, "workspace_ids": self.workspace_ids,
            "premium_workspace_id": self.workspace.id, "reports": reports,
            "env": {"TOGGL_API_URL": self.base_url, "TOGGL_API_TOKEN": self.api_token,
                    "TOGGL_WORKSPACE_IDS": str(self.workspace.id), "TOGGL_SHARED_REPORTS": usable,
                    "TOGGL_TIMEZONE": self.config.timezone},
        }

    # ---- request handling (called from server threads) -----------------------------------------
    def internal(self, path: str, client_ip: str) -> Reply:
        if path.rstrip("/") != "/_emulator/info" or client_ip not in ("127.0.0.1", "::1"):
            return Reply.json(404, "Not found")
        return Reply.json(200, self.info())

    def authenticate(self, header: str | None, client_ip: str) -> tuple[User | None, str, ApiError | None]:
        """(user or None, quota identity, the 401 to answer if the credentials are unusable)."""
        anonymous = f"ip:{client_ip}"
        if not header:
            return None, anonymous, None
        credentials = _basic_credentials(header)
        if credentials is None:
            return None, anonymous, ApiError(401, NO_CREDENTIALS)
        user = self.organization.authenticate(*credentials)
        if user is None:
            return None, anonymous, ApiError(401, BAD_CREDENTIALS)
        return user, f"user:{user.id}", None

    def answer(self, method: str, path: str, body, headers, user: User | None, auth_error: ApiError | None,
               identity: str) -> Reply:
        try:
            if auth_error is not None:
                raise auth_error
            route = self._route(method, path)
            if route is None:
                raise ApiError(404, "Not found")
            handler, args, counted = route
            if counted:
                self.quota.admit(identity)
            return handler(*args, body=body, headers=headers, user=user, identity=identity)
        except ApiError as err:
            return Reply.error(err)
        except Exception:  # an emulator bug must still answer like a server would
            log.exception("emulator: internal error on %s %s", method, redact(path))
            return Reply.json(500, "Internal Server Error")

    def _route(self, method: str, path: str):
        if method == "GET" and path.rstrip("/") == "/api/v9/me/quota":
            return self._me_quota, (), False
        if method == "GET" and path.rstrip("/") == "/api/v9/me":
            return self._me, (), True
        match = SHARED_REPORT.match(path)
        if method == "POST" and match:
            return self._shared_report, (match.group(1),), True
        match = PROFITABILITY.match(path)
        if method == "POST" and match and match.group(2) in ("csv", "xlsx"):
            return self._profitability, match.groups(), True
        return None

    def _me(self, *, user, **_) -> Reply:
        user = _require(user)
        return Reply.json(200, {"id": user.id, "email": user.email, "fullname": user.name,
                                "default_workspace_id": self.workspace.id, "timezone": self.config.timezone})

    def _me_quota(self, *, user, identity, **_) -> Reply:
        _require(user)
        remaining, resets_in = self.quota.status(identity)
        return Reply.json(200, [{"organization_id": self.organization.id, "remaining": remaining,
                                 "resets_in_secs": resets_in, "total": self.config.quota_per_hour}])

    def _shared_report(self, token: str, *, body, user, **_) -> Reply:
        report = next((r for r in self.reports.values() if r.token == token), None)
        if report is None:
            raise ApiError(403, "Invalid token")
        if not report.public:
            _require(user)
            workspace = self.organization.workspace(report.workspace_id)
            if user.id != report.owner_id and not workspace.is_admin(user.id):
                raise ApiError(403, "Invalid token")
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid parameters")
        payload, headers = shared_report_response(self.workspace, report, body, self.today,
                                                  self.config.too_big_rows, cache=self.answers)
        return Reply(200, payload, headers=headers)

    def _profitability(self, workspace_id: str, extension: str, *, body, headers, user, **_) -> Reply:
        _require(user)
        workspace = self.organization.workspace(int(workspace_id)) if workspace_id.isdigit() else None
        if workspace is None:
            raise ApiError(400, "Invalid workspace ID")
        if not workspace.is_admin(user.id):
            raise ApiError(403, "User has no access to workspace or is not admin")
        if not workspace.premium:
            raise ApiError(402, "Profitability insights are not available on this workspace's plan",
                           quota_headers=False)
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid parameters")
        variant = parse_variant(headers.get("X-Emulator-Variant"), self.config.profitability_csv)
        payload, content_type = export_profitability(workspace, body, extension, variant, self.today)
        return Reply(200, payload, content_type=content_type)


def _require(user: User | None) -> User:
    if user is None:
        raise ApiError(401, NO_CREDENTIALS)
    return user
