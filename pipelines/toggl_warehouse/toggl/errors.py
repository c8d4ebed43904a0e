"""Errors raised by the Toggl client, and the redaction that keeps secrets out of their messages.

Every message names what was asked ("shared report 'team'", "profitability export of workspace 1")
and what Toggl answered, and never contains a token or password: report tokens live in the URL path,
so anything derived from a URL or a lower-level exception goes through `Redactor` first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable


class Redactor:
    """Replaces registered secret values with a placeholder in any text."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Register more secret values (empty and very short values are ignored)."""
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def __call__(self, text: object) -> str:
        result = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            result = result.replace(secret, "***")
        return result


class RedactingFilter(logging.Filter):
    """A logging filter that redacts secrets from records (urllib3 logs request paths at DEBUG)."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redactor(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


LOG_REDACTOR = Redactor()
"""Secrets every client has seen; filters urllib3's DEBUG lines, which include request paths."""
logging.getLogger("urllib3.connectionpool").addFilter(RedactingFilter(LOG_REDACTOR))


class TogglError(Exception):
    """Base class: a Toggl request failed. `status` is the HTTP status when there was one."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class TogglBadRequest(TogglError):
    """400: Toggl refused the parameters (the message says which)."""


class TogglPeriodNotSupported(TogglBadRequest):
    """400 "The report period is not supported": the date range must be shorter (a weekly report takes 7 days)."""


class TogglAuthError(TogglError):
    """401/403: credentials missing or wrong, or no access to the report or workspace."""


class TogglNotFound(TogglError):
    """404: no such report or endpoint."""


class TogglPlanError(TogglError):
    """402 for the plan: the workspace's plan lacks this feature. Never retried."""


class TogglQuotaExhausted(TogglError):
    """402 for the quota: the hourly API quota is used up until it resets."""

    retryable = True


class TogglPaymentUnclear(TogglQuotaExhausted):
    """402 that says neither plan nor quota, with no quota seen to decide: never retried, resumable."""

    retryable = False


class TogglRateLimited(TogglError):
    """429: too many requests per second; retried after Retry-After."""

    retryable = True


class TogglReportTooBig(TogglError):
    """500 "report is too big to be exported": the date range must be split."""


class TogglServerError(TogglError):
    """5xx: a server-side failure, retried with backoff."""

    retryable = True


class TogglConnectionError(TogglError):
    """The connection failed or timed out; retried with backoff."""

    retryable = True


class TogglResponseError(TogglError):
    """Toggl answered 200 with a body this client cannot read."""
