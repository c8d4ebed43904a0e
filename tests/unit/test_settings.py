"""Settings: defaults, parsing of every variable, and errors that name the variable but never a secret."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.settings import Settings, SettingsError


def test_defaults_follow_the_contract():
    settings = Settings.from_mapping({})
    assert settings.api_url == "https://api.track.toggl.com"
    assert (settings.currency, settings.timezone, settings.trailing_days) == ("usd", "UTC", 7)
    assert settings.start_date == date(2025, 1, 1)
    assert settings.shared_reports == () and settings.workspace_ids == ()
    assert settings.profitability.file_format == "csv"


def test_every_variable_is_read():
    settings = Settings.from_mapping(
        {
            "TOGGL_API_URL": "http://127.0.0.1:9/",
            "TOGGL_API_TOKEN": "tok",
            "TOGGL_WORKSPACE_IDS": "1, 2",
            "TOGGL_SHARED_REPORTS": "team=abc123, finance=def456",
            "TOGGL_CURRENCY": "EUR",
            "TOGGL_START_DATE": "2024-02-29",
            "TOGGL_TIMEZONE": "Europe/Berlin",
            "TOGGL_TRAILING_DAYS": "3",
            "TOGGL_PROFITABILITY_FORMAT": "XLSX",
            "TOGGL_PROFITABILITY_CLIENT_IDS": "5,null",
            "TOGGL_PROFITABILITY_BILLABLE": "yes",
        }
    )
    assert settings.api_url == "http://127.0.0.1:9"
    assert settings.workspace_ids == (1, 2)
    assert [(r.key, r.token) for r in settings.shared_reports] == [("team", "abc123"), ("finance", "def456")]
    assert (settings.currency, settings.start_date, settings.timezone, settings.trailing_days) == (
        "eur", date(2024, 2, 29), "Europe/Berlin", 3,
    )
    assert settings.profitability.file_format == "xlsx"
    assert settings.profitability.client_ids == (5, None)
    assert settings.profitability.billable is True
    assert "abc123" not in repr(settings) and "tok" not in repr(settings)
    assert set(settings.secrets) == {"tok", "abc123", "def456"}


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("TOGGL_SHARED_REPORTS", "team:SECRETTOKEN", "entry 1 must be name=report_token"),
        ("TOGGL_SHARED_REPORTS", "9team=SECRETTOKEN", "starting with a letter"),
        ("TOGGL_SHARED_REPORTS", "a=SECRETTOKEN,a=SECRETTOKEN2", "used twice"),
        ("TOGGL_WORKSPACE_IDS", "12,abc", "comma-separated whole numbers"),
        ("TOGGL_START_DATE", "01/02/2025", "YYYY-MM-DD"),
        ("TOGGL_TIMEZONE", "Mars/Olympus", "IANA timezone"),
        ("TOGGL_PROFITABILITY_FORMAT", "pdf", "csv, xlsx"),
        ("TOGGL_TRAILING_DAYS", "-1", "at least 0"),
    ],
)
def test_bad_values_name_the_variable_and_hide_secrets(name, value, fragment):
    with pytest.raises(SettingsError) as error:
        Settings.from_mapping({name: value})
    assert name in str(error.value) and fragment in str(error.value)
    assert "SECRETTOKEN" not in str(error.value)
