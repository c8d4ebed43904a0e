"""Injected failures for the emulator: Fault, the FaultPlan queue, and ApiError (an error answer).

A test queues faults; the server asks the plan for the first fault matching each request path and,
while its ``times`` last, answers with the fault instead of (or, for a pure delay, before) the
normal answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

QUOTA_REMAINING = "X-Toggl-Quota-Remaining"
QUOTA_RESETS_IN = "X-Toggl-Quota-Resets-In"

DEFAULT_MESSAGES = {
    400: "Invalid parameters",
    401: "Unable to extract authentication data",
    402: "You have hit your hourly API quota; it resets soon.",
    403: "Invalid token",
    404: "Not found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """An error answer: HTTP status, a message sent as a JSON string, and whether quota headers go with it."""

    def __init__(self, status: int, message: str, *, quota_headers: bool = True,
                 headers: dict[str, str] | None = None):
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.quota_headers = quota_headers
        self.headers = dict(headers or {})


@dataclass
class Fault:
    """One injected failure. ``status=None`` means: wait ``delay_seconds``, then answer normally."""

    status: int | None = None
    body: str | None = None
    headers: dict[str, str] | None = None
    retry_after: int | None = None
    delay_seconds: float = 0.0
    drop_connection: bool = False
    cut_body_after: int | None = None  # send the normal answer's headers, then only this many body bytes, and close
    content_type: str = "application/json"
    quota_headers: bool = True
    path_contains: str | None = None
    times: int = 1

    @classmethod
    def rate_limited(cls, retry_after: int = 1, **kw) -> "Fault":
        return cls(status=429, retry_after=retry_after, **kw)

    @classmethod
    def quota_exceeded(cls, resets_in: int = 2, **kw) -> "Fault":
        headers = {QUOTA_REMAINING: "0", QUOTA_RESETS_IN: str(resets_in)}
        return cls(status=402, headers=headers, **kw)

    @classmethod
    def plan_lacks_feature(cls, **kw) -> "Fault":
        body = '"This feature is not available on the workspace\'s plan"'
        return cls(status=402, body=body, quota_headers=False, **kw)

    @classmethod
    def too_big(cls, **kw) -> "Fault":
        return cls(status=500, body='"report is too big to be exported"', **kw)

    @classmethod
    def server_error(cls, status: int = 500, **kw) -> "Fault":
        return cls(status=status, **kw)

    @classmethod
    def cut_mid_body(cls, after_bytes: int = 100, **kw) -> "Fault":
        """The normal answer, its Content-Length announced in full, the connection closed after `after_bytes`."""
        return cls(cut_body_after=after_bytes, **kw)

    @classmethod
    def html_page(cls, html: str = "<html><body>Down for maintenance</body></html>", **kw) -> "Fault":
        """A 200 with an HTML body, as a captive portal or a proxy's maintenance page answers."""
        return cls(status=200, body=html, content_type="text/html; charset=utf-8", **kw)

    @classmethod
    def slow(cls, seconds: float, **kw) -> "Fault":
        return cls(delay_seconds=seconds, **kw)

    def matches(self, path: str) -> bool:
        return self.path_contains is None or self.path_contains in path

    def default_message(self) -> str:
        return DEFAULT_MESSAGES.get(self.status or 500, "Error")


@dataclass
class FaultPlan:
    """A thread-safe queue of faults; each matching request uses up one of a fault's ``times``."""

    _faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, fault: Fault) -> Fault:
        """Queue a copy of ``fault`` (so one Fault value can be added again, e.g. by a test run twice) and
        return the queued copy."""
        fault = replace(fault)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, path: str) -> Fault | None:
        """The first queued fault matching ``path`` (its remaining count decremented), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None
