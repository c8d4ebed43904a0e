"""TogglClient: the one place that talks HTTP to Toggl — auth, pacing, retries, quota, paging, range splits.

- Auth: HTTP Basic with `<api_token>:api_token`, or email and password.
- Pacing: at most one request per `min_interval` seconds (Toggl's leaky bucket is ~1 request/s).
- Retries (tenacity): 429, 5xx and connection errors with exponential backoff and jitter, honouring
  `Retry-After`; a quota 402 waits `X-Toggl-Quota-Resets-In`. `max_quota_wait` bounds every wait: a longer
  one is not waited, it fails at once saying so.
- 402: the plan (Toggl's text names Premium or the plan; never retried) or the hourly quota (quota text or
  headers); with neither, the last `X-Toggl-Quota-Remaining` seen decides, else `GET /api/v9/me/quota`;
  when still unknown the one-line error says both. A user out of quota is never told to upgrade.
- Quota: `X-Toggl-Quota-Remaining` / `X-Toggl-Quota-Resets-In` are read on every response; when the
  quota is known to be used up the client waits for the reset instead of spending a request on a 402.
- Errors: each Toggl answer becomes a TogglError subclass whose one-line message names the request and
  says what Toggl answered; paging and range splitting are the extract stage's, not the client's.
- Secrets: report tokens are in the URL path, so nothing built from a URL is logged or raised unredacted.
- Recording: an optional `recorder` sees every request and its raw response (errors included); the capture
  kit (`toggl_warehouse.capture`) uses it to write what Toggl answered, secrets removed.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from requests.structures import CaseInsensitiveDict
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from toggl_warehouse.toggl import errors
from toggl_warehouse.toggl.errors import Redactor, TogglError
from toggl_warehouse.settings import DEFAULTS

SHARED_REPORT_PATH = "/reports/api/v3/shared/{token}"
PROFITABILITY_EXPORT_PATH = "/insights/api/v1/workspace/{workspace_id}/profitability/projects.{extension}"
MAX_RANGE_DAYS = 366
QUOTA_REMAINING = "X-Toggl-Quota-Remaining"
QUOTA_RESETS_IN = "X-Toggl-Quota-Resets-In"
QUOTA_PATH = "/api/v9/me/quota"
_HTML_TITLE = re.compile(r"<(?:title|h1)[^>]*>(.*?)</(?:title|h1)>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]+>")


class Log(Protocol):
    """What the client needs of a logger: `logging.Logger` and Dagster's `context.log` both fit."""

    def info(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def warning(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def debug(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


@dataclass
class QuotaStatus:
    """The last quota Toggl reported: requests left and seconds until the window resets."""

    remaining: int | None = None
    resets_in: float | None = None
    observed_at: float | None = None


@dataclass(frozen=True)
class ApiResponse:
    """A successful response with what raw landing needs; `path` is already redacted."""

    method: str
    path: str
    request_body: dict[str, Any]
    status_code: int
    headers: Mapping[str, str]
    content: bytes
    content_type: str

    def json(self) -> Any:
        """The body as JSON; raises TogglResponseError when it is not JSON."""
        try:
            return json.loads(self.content)
        except ValueError:
            raise errors.TogglResponseError(f"{self.path}: Toggl answered {self.status_code} with a body that is not JSON") from None


@dataclass(frozen=True)
class SharedReportRef:
    """A shared report to fetch: `key` is its public name, `token` is secret."""

    key: str
    token: str = field(repr=False)


Recorder = Callable[[str, str, Mapping[str, Any] | None, requests.Response], None]
"""Called with (method, path as sent — it may hold a report token —, JSON body, response) of every response."""


class TogglClient:
    """A Toggl API client; see the module docstring for its behaviour."""

    recorder: Recorder | None = None

    def __init__(
        self,
        base_url: str,
        *,
        api_token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        timeout: tuple[float, float] = (DEFAULTS.connect_timeout_seconds, DEFAULTS.read_timeout_seconds),
        max_attempts: int = DEFAULTS.max_attempts,
        min_interval: float = DEFAULTS.min_request_interval,
        max_quota_wait: float = DEFAULTS.max_quota_wait_seconds,
        backoff_max: float = 60.0,
        log: Log | None = None,
        redactor: Redactor | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.min_interval = min_interval
        self.max_quota_wait = max_quota_wait
        self.backoff_max = backoff_max
        self.log = log or _default_log()
        self.redact = redactor or Redactor()
        self._add_secrets(api_token, password)
        self._sleep = sleep
        self._clock = clock
        self._last_request_at: float | None = None
        self.quota = QuotaStatus()
        self.requests_sent = 0
        self.session = requests.Session()
        self.session.headers.update({"Content-Type": "application/json", "User-Agent": "toggl-warehouse"})
        if api_token:
            self.session.auth = (api_token, "api_token")
        elif email and password:
            self.session.auth = (email, password)

    def _add_secrets(self, *secrets: str | None) -> None:
        self.redact.add(*secrets)
        errors.LOG_REDACTOR.add(*secrets)

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    # ---- shared reports -------------------------------------------------------------------------

    def shared_report(self, report: SharedReportRef, body: Mapping[str, Any]) -> ApiResponse:
        """POST one request for a shared report (one page of one window); the body is returned as received.

        Paging, window splitting and landing are the extract stage's (`toggl_warehouse.extract.shared_reports`).
        """
        self._add_secrets(report.token)
        return self.request(
            "POST",
            SHARED_REPORT_PATH.format(token=report.token),
            body=body,
            label=f"shared report '{report.key}'",
            public_path=SHARED_REPORT_PATH.format(token=f"<report:{report.key}>"),
        )

    # ---- profitability export -------------------------------------------------------------------

    def profitability_export(self, workspace_id: int, extension: str, body: Mapping[str, Any]) -> ApiResponse:
        """Download the profitability projects export (`csv` or `xlsx`) of a workspace."""
        path = PROFITABILITY_EXPORT_PATH.format(workspace_id=workspace_id, extension=extension)
        response = self.request("POST", path, body=dict(body), label=f"profitability export of workspace {workspace_id}")
        self.log.info(
            f"profitability export of workspace {workspace_id} ({extension}, {body.get('start_date')}..{body.get('end_date')}): "
            f"{len(response.content)} bytes" + self.quota_note()
        )
        return response

    # ---- HTTP -----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        label: str,
        public_path: str | None = None,
    ) -> ApiResponse:
        """Send one request with pacing, quota waits and retries; raise a TogglError on failure.

        Args:
            method: HTTP method.
            path: path below the base URL (may contain secrets).
            body: JSON body.
            label: how messages name this request, e.g. "shared report 'team'".
            public_path: the path as it may be shown and stored; the redacted `path` when None.
        """
        retrying = Retrying(
            retry=retry_if_exception(self._worth_retrying),
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait_before_retry,
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(label, state),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                response = self._send_once(method, path, body, label)
        return ApiResponse(
            method=method,
            path=public_path or self.redact(path),
            request_body=dict(body or {}),
            status_code=response.status_code,
            headers=CaseInsensitiveDict(response.headers),
            content=response.content,
            content_type=response.headers.get("Content-Type", ""),
        )

    def _send_once(self, method: str, path: str, body: Mapping[str, Any] | None, label: str) -> requests.Response:
        self._wait_for_quota(label)
        self._pace()
        self.requests_sent += 1
        try:
            response = self.session.request(method, self.base_url + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            # The exception text carries the URL, and so the report token: never chain it.
            raise errors.TogglConnectionError(f"{label}: could not reach Toggl at {self.redact(self.base_url)}: {type(exc).__name__}: {self.redact(exc)}") from None
        self._read_quota(response.headers)
        if self.recorder is not None:
            self.recorder(method, path, body, response)
        if response.status_code >= 400:
            raise self._error_for(response, label)
        return response

    def _error_for(self, response: requests.Response, label: str) -> TogglError:
        status = response.status_code
        message = self.redact(_error_message(response))
        headers = response.headers
        if status == 400:
            if "period is not supported" in message.lower():
                return errors.TogglPeriodNotSupported(f"{label}: Toggl refused the parameters (400): {message}", status=status)
            return errors.TogglBadRequest(f"{label}: Toggl refused the parameters (400): {message}", status=status)
        if status == 401 and headers.get("X-Authorization-Missing", "").strip().lower() == "true":
            return errors.TogglAuthError(
                f"{label}: Toggl received no credentials (401, X-Authorization-Missing). Set TOGGL_API_TOKEN "
                "(or TOGGL_EMAIL and TOGGL_PASSWORD)", status=status,
            )
        if status in (401, 403):
            return errors.TogglAuthError(
                f"{label}: Toggl denied access ({status}): {message}. Check TOGGL_API_TOKEN (or TOGGL_EMAIL/TOGGL_PASSWORD) "
                "and that this user may read it (a private report is readable by its owner and workspace admins).",
                status=status,
            )
        if status == 402:
            return self._payment_required(headers, label, message)
        if status == 404:
            return errors.TogglNotFound(f"{label}: Toggl answered 404 Not Found: {message}", status=status)
        retry_after = _number(headers.get("Retry-After"))
        if status == 429 and retry_after is not None and retry_after > self.max_quota_wait:
            return errors.TogglRateLimited(
                f"{label}: Toggl answered 429 Too Many Requests and asks to wait {retry_after:.0f} s, more than "
                f"TOGGL_MAX_QUOTA_WAIT_SECONDS={self.max_quota_wait:.0f}; run again later: loads are resumable",
                status=status, retry_after=retry_after,
            )
        if status == 429:
            return errors.TogglRateLimited(
                f"{label}: Toggl kept answering 429 Too Many Requests: {message}. Raise TOGGL_MIN_REQUEST_INTERVAL", status=status, retry_after=_number(headers.get("Retry-After"))
            )
        if status == 500 and "too big" in message.lower():
            return errors.TogglReportTooBig(f"{label}: {message}", status=status)
        if status >= 500:
            return errors.TogglServerError(
                f"{label}: Toggl kept failing with {status}: {message}", status=status, retry_after=_number(headers.get("Retry-After"))
            )
        return TogglError(f"{label}: Toggl answered {status}: {message}", status=status)

    def _worth_retrying(self, exc: BaseException) -> bool:
        """Retry what may pass, never when Toggl asks for a longer wait than TOGGL_MAX_QUOTA_WAIT_SECONDS."""
        if not isinstance(exc, TogglError) or not exc.retryable:
            return False
        return exc.retry_after is None or exc.retry_after <= self.max_quota_wait

    def _wait_before_retry(self, state: Any) -> float:
        """Toggl's Retry-After (or reset), else exponential backoff; never more than max_quota_wait."""
        exc = state.outcome.exception()
        if getattr(exc, "retry_after", None) is not None:
            wait = max(0.0, float(exc.retry_after))
        else:
            wait = wait_exponential_jitter(initial=1, max=self.backoff_max)(state)
        return min(wait, self.max_quota_wait)

    def _payment_required(self, headers: Mapping[str, str], label: str, message: str) -> TogglError:
        """A 402 is the plan (Toggl's text says Premium/plan) or the hourly quota (quota headers or text); with
        neither, the last X-Toggl-Quota-Remaining seen, else Toggl's GET /api/v9/me/quota decides; when still
        unknown, one line says both. A user out of quota is never told to upgrade."""
        text = message.lower()
        remaining = _number(headers.get(QUOTA_REMAINING))
        resets_in = _number(headers.get(QUOTA_RESETS_IN))
        if "quota" in text or (remaining is not None and remaining <= 0) or (remaining is None and resets_in is not None):
            out_of_quota: bool | None = True
        elif "premium" in text or "plan" in text:
            out_of_quota = False
        elif remaining is not None:
            out_of_quota = False
        elif self.quota.remaining is not None:  # no quota header on this 402: the last one seen decides
            out_of_quota = self.quota.remaining <= 1
            resets_in = self._seconds_to_reset()
        else:
            out_of_quota, resets_in = self._ask_quota()
        if out_of_quota is False:
            return errors.TogglPlanError(
                f"{label}: Toggl says the workspace's plan does not include this feature (402): {_sentence(message or 'Payment Required')} "
                "Not retried: upgrade the workspace or remove this source from the configuration", status=402
            )
        if out_of_quota is None:
            return errors.TogglPaymentUnclear(
                f"{label}: Toggl answered 402 ({message or 'Payment Required'}) without saying why: either the hourly API "
                "quota is used up (run again after it resets: loads are resumable) or the workspace's plan lacks this "
                "feature (then remove this source from the configuration). Not retried", status=402,
            )
        if resets_in is None:
            exhausted = errors.TogglQuotaExhausted(
                f"{label}: the hourly Toggl API quota is used up (402) and Toggl did not say when it resets; "
                "run again later: loads are resumable.", status=402,
            )
            exhausted.retryable = False
            return exhausted
        exhausted = errors.TogglQuotaExhausted(
            f"{label}: the hourly Toggl API quota is used up (402); it resets in {resets_in:.0f} s. "
            f"That is more than TOGGL_MAX_QUOTA_WAIT_SECONDS={self.max_quota_wait:.0f}; run again later: loads are resumable.",
            status=402, retry_after=resets_in,
        )
        exhausted.retryable = resets_in <= self.max_quota_wait
        return exhausted

    def _seconds_to_reset(self) -> float | None:
        quota = self.quota
        if quota.resets_in is None or quota.observed_at is None:
            return None
        return max(0.0, quota.resets_in - (self._clock() - quota.observed_at))

    def _ask_quota(self) -> tuple[bool | None, float | None]:
        """(out of quota?, seconds to reset) from Toggl's GET /api/v9/me/quota; (None, None) when it does not say."""
        self.requests_sent += 1
        try:
            response = self.session.get(self.base_url + QUOTA_PATH, timeout=self.timeout)
            payload = response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None, None
        entries = payload if isinstance(payload, list) else [payload]
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("remaining"), (int, float)):
                resets = entry.get("resets_in_secs")
                return entry["remaining"] <= 0, float(resets) if isinstance(resets, (int, float)) else None
        return None, None

    def _log_retry(self, label: str, state: Any) -> None:
        exc = state.outcome.exception()
        wait = state.next_action.sleep if state.next_action else 0
        self.log.warning(f"{label}: attempt {state.attempt_number} failed ({exc}); retrying in {wait:.1f} s")

    def _pace(self) -> None:
        if self._last_request_at is not None and self.min_interval > 0:
            wait = self.min_interval - (self._clock() - self._last_request_at)
            if wait > 0:
                self._sleep(wait)
        self._last_request_at = self._clock()

    def _read_quota(self, headers: Mapping[str, str]) -> None:
        remaining = _number(headers.get(QUOTA_REMAINING))
        if remaining is None:
            return
        self.quota = QuotaStatus(
            remaining=int(remaining), resets_in=_number(headers.get(QUOTA_RESETS_IN)), observed_at=self._clock()
        )

    def _wait_for_quota(self, label: str) -> None:
        """When the last response said no request is left, wait for the reset rather than earn a 402."""
        quota = self.quota
        if quota.remaining is None or quota.remaining > 0 or quota.resets_in is None or quota.observed_at is None:
            return
        wait = quota.resets_in - (self._clock() - quota.observed_at)
        if wait <= 0:
            return
        if wait > self.max_quota_wait:
            exhausted = errors.TogglQuotaExhausted(
                f"{label}: the hourly Toggl API quota is used up; it resets in {wait:.0f} s, more than "
                f"TOGGL_MAX_QUOTA_WAIT_SECONDS={self.max_quota_wait:.0f}. Run again later: loads are resumable.",
                retry_after=wait,
            )
            exhausted.retryable = False  # the wait is over the ceiling: waiting it out as a retry would break it
            raise exhausted
        self.log.warning(f"{label}: Toggl API quota used up; waiting {wait:.0f} s for it to reset")
        self._sleep(wait)
        self.quota = QuotaStatus()

    def quota_note(self) -> str:
        """' (API quota: N left, resets in S s)' after a response that reported it, else ''."""
        if self.quota.remaining is None:
            return ""
        resets = f", resets in {self.quota.resets_in:.0f} s" if self.quota.resets_in is not None else ""
        return f" (API quota: {self.quota.remaining} left{resets})"


def _error_message(response: requests.Response) -> str:
    """Toggl's error text: a JSON string, a JSON object with a message, or plain text."""
    text = response.text.strip()
    if text.startswith("<"):  # an HTML page (nginx, a proxy): its title or first heading, on one line
        found = _HTML_TITLE.search(text)
        words = " ".join(_HTML_TAG.sub(" ", found.group(1) if found else text).split())
        return f"an HTML page ({words[:200] or response.reason or 'no text'})"
    try:
        payload = json.loads(text)
    except ValueError:
        return " ".join(text[:500].split()) or response.reason or ""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict):
        for key in ("message", "error", "error_message"):
            if isinstance(payload.get(key), str):
                return payload[key]
    return text[:500]


def _sentence(text: str) -> str:
    """Toggl's text ending with a full stop (unless it ends with one, or with ! or ?)."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _number(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _default_log() -> Log:
    return logging.getLogger("toggl_warehouse.client")
