"""`toggl-warehouse emulator --replay FILE`: serve a capture back on loopback, so a user's capture becomes a test.

A request is answered with a recorded exchange of the same method and path (any report token matches the
captured `<report:NAME>`) whose request body agrees on the dates (`start_date`, `end_date`) and the paging:
`page_size` and the cursor fields (`first_row_number`, `first_id`, `first_timestamp`) are compared where
both bodies carry them, a first page (no cursor) only matches a first page, and a later page needs at least
one cursor field in common — so a capture replays whichever cursor fields the client sends. Exchanges
recorded for the same request (a 429, then the 200 of the retry) are served in order, then the last one
again. A request the capture does not hold gets a 404 whose JSON message names it. Any credentials pass.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from toggl_warehouse.capture.recording import body_bytes, read_capture

from .serving import HOST, LoopbackService

log = logging.getLogger(__name__)
DATE_FIELDS = ("start_date", "end_date")
CURSOR_FIELDS = ("first_row_number", "first_id", "first_timestamp")
PAGING_FIELDS = ("page_size", *CURSOR_FIELDS)
SHARED_REPORT = re.compile(r"^/reports/api/v3/shared/[^/]+$")
SHARED_REPORT_KEY = "/reports/api/v3/shared/<report>"
REPLAY_TOKEN = "replay-report-token"
"""The report token `environment()` configures; the replay accepts any."""


def path_key(path: str) -> str:
    """The path as matched: a shared report's token (or the capture's `<report:NAME>`) is not compared."""
    path = urlsplit(path).path.rstrip("/") or "/"
    return SHARED_REPORT_KEY if SHARED_REPORT.match(path) else path


def body_matches(recorded: Mapping[str, Any], asked: Mapping[str, Any]) -> bool:
    """Whether a recorded request body answers `asked` (see the module docstring)."""
    if any(recorded.get(field) != asked.get(field) for field in DATE_FIELDS):
        return False
    if any(field in recorded and field in asked and recorded[field] != asked[field] for field in PAGING_FIELDS):
        return False
    recorded_cursor = {field for field in CURSOR_FIELDS if recorded.get(field) is not None}
    asked_cursor = {field for field in CURSOR_FIELDS if asked.get(field) is not None}
    if not recorded_cursor or not asked_cursor:
        return not recorded_cursor and not asked_cursor
    return bool(recorded_cursor & asked_cursor)


def describe_request(method: str, path: str, body: Mapping[str, Any]) -> str:
    fields = ", ".join(f"{field}={body[field]}" for field in (*DATE_FIELDS, *PAGING_FIELDS) if body.get(field) is not None)
    return f"{method} {path_key(path)}" + (f" with {fields}" if fields else "")


class ReplayBook:
    """The exchanges of one capture and which of them were served."""

    def __init__(self, document: Mapping[str, Any], name: str):
        self.name = name
        self.about = {key: value for key, value in document.items() if key != "exchanges"}
        self.exchanges = [exchange for exchange in document["exchanges"] if isinstance(exchange, dict)]
        self._served = [0] * len(self.exchanges)
        self._lock = threading.Lock()
        self.request_log: list[tuple[str, str, dict]] = []

    @classmethod
    def from_file(cls, path: Path) -> "ReplayBook":
        return cls(read_capture(path), Path(path).name)

    def answer(self, method: str, path: str, body: Mapping[str, Any]) -> tuple[int, dict[str, str], str, bytes]:
        """(status, headers, content type, body) of the recorded answer, or the 404 naming the request."""
        with self._lock:
            self.request_log.append((method, path_key(path), dict(body)))
            matches = [index for index, exchange in enumerate(self.exchanges)
                       if exchange.get("method") == method and path_key(str(exchange.get("path", ""))) == path_key(path)
                       and body_matches(exchange.get("request_body") or {}, body)]
            if not matches:
                message = f"replay of {self.name}: the capture holds no answer to {describe_request(method, path, body)}"
                return 404, {}, "application/json", json.dumps(message).encode("utf-8")
            index = next((i for i in matches if not self._served[i]), matches[-1])
            self._served[index] += 1
        exchange = self.exchanges[index]
        return (int(exchange["status"]), dict(exchange.get("headers") or {}),
                str(exchange.get("content_type") or "application/json"), body_bytes(exchange))

    def environment(self, base_url: str) -> dict[str, str]:
        """The variables that make toggl-warehouse send the captured requests to this replay."""
        about = self.about
        env = {"TOGGL_API_URL": base_url, "TOGGL_API_TOKEN": "replay-api-token", "TOGGL_MIN_REQUEST_INTERVAL": "0"}
        if about.get("source") == "shared_report":
            env |= {"TOGGL_SHARED_REPORTS": f"{about['report']}={REPLAY_TOKEN}", "TOGGL_PAGE_SIZE": str(about["page_size"])}
        elif about.get("source") == "profitability_export":
            env |= {"TOGGL_WORKSPACE_IDS": str(about["workspace_id"]), "TOGGL_CURRENCY": str(about["currency"]),
                    "TOGGL_PROFITABILITY_RESOLUTION": str(about["resolution"]),
                    "TOGGL_PROFITABILITY_FORMAT": str(about.get("file_format", "csv"))}
        return env


class ReplayServer(LoopbackService):
    """A ThreadingHTTPServer on 127.0.0.1 answering from a ReplayBook; also a context manager."""

    _thread_name = "toggl-replay"

    def __init__(self, book: ReplayBook, port: int = 0):
        super().__init__()
        self.book = book
        self.port = port

    def _make_server(self) -> ThreadingHTTPServer:
        server = _Server((HOST, self.port), _Handler)
        server.book = self.book
        return server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    book: ReplayBook

    def handle_error(self, request, client_address) -> None:
        log.debug("replay: connection from %s ended with an error", client_address[0], exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        log.debug("replay: %s", path_key(self.path))

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            body = {}
        status, headers, content_type, payload = self.server.book.answer(
            method, self.path, body if isinstance(body, dict) else {})
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            if name.lower() not in ("content-type", "date", "server"):
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
