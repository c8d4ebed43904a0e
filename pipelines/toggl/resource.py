"""TogglResource: the Dagster resource that configures a TogglClient; secrets arrive through EnvVar."""

from __future__ import annotations

from typing import Optional

import dagster as dg
from pydantic import Field

from pipelines.settings import DEFAULT_API_URL, Settings
from pipelines.toggl.client import Log, SharedReportRef, TogglClient


class TogglResource(dg.ConfigurableResource):
    """Connection settings for the Toggl API. Token, password and report tokens come from the environment."""

    api_url: str = Field(default=DEFAULT_API_URL, description="Base URL of the Toggl API (TOGGL_API_URL).")
    api_token: Optional[str] = Field(default=None, description="API token (TOGGL_API_TOKEN); secret.")
    email: Optional[str] = Field(default=None, description="Login email for basic auth (TOGGL_EMAIL).")
    password: Optional[str] = Field(default=None, description="Password for basic auth (TOGGL_PASSWORD); secret.")
    shared_reports: Optional[str] = Field(
        default=None, description="name=report_token pairs (TOGGL_SHARED_REPORTS); the tokens are secret."
    )
    page_size: int = Field(default=1000, description="Rows per page asked of the Reports API (TOGGL_PAGE_SIZE).")
    min_request_interval: float = Field(default=1.0, description="Seconds between two requests (TOGGL_MIN_REQUEST_INTERVAL).")
    max_quota_wait_seconds: int = Field(default=3600, description="Longest wait for the hourly quota to reset.")
    max_attempts: int = Field(default=6, description="Attempts per request before giving up.")
    connect_timeout_seconds: float = Field(default=10.0, description="TCP connect timeout.")
    read_timeout_seconds: float = Field(default=120.0, description="Read timeout per response.")

    def client(self, log: Log | None = None) -> TogglClient:
        """A new TogglClient with these settings (close it when done)."""
        return TogglClient(
            self.api_url,
            api_token=self.api_token,
            email=self.email,
            password=self.password,
            timeout=(self.connect_timeout_seconds, self.read_timeout_seconds),
            max_attempts=self.max_attempts,
            min_interval=self.min_request_interval,
            max_quota_wait=self.max_quota_wait_seconds,
            log=log,
        )

    def shared_report(self, key: str) -> SharedReportRef:
        """The configured shared report named `key`, with its token."""
        report = Settings.from_mapping({"TOGGL_SHARED_REPORTS": self.shared_reports or ""}).report(key)
        return SharedReportRef(key=report.key, token=report.token)
