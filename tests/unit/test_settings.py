"""Settings: defaults, parsing of every variable, and errors that name the variable but never a secret."""

from __future__ import annotations

from datetime import date

import pytest

from toggl_warehouse.settings import Settings, SettingsError


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


def test_the_stage_settings_are_read_and_reach_the_resources():
    from toggl_warehouse.definitions import build_resources

    settings = Settings.from_mapping({
        "TOGGL_MAX_ATTEMPTS": "3", "TOGGL_CONNECT_TIMEOUT_SECONDS": "2.5", "TOGGL_READ_TIMEOUT_SECONDS": "30",
        "TOGGL_RESUME_MAX_AGE_HOURS": "0", "TOGGL_TOTALS_GATE": "WARN",
    })
    assert (settings.max_attempts, settings.connect_timeout_seconds, settings.read_timeout_seconds) == (3, 2.5, 30.0)
    assert (settings.resume_max_age_hours, settings.totals_gate) == (0.0, "warn")
    resources = build_resources(settings)
    client = resources["toggl"].client()
    assert (client.max_attempts, client.timeout) == (3, (2.5, 30.0))
    assert resources["toggl"].resume_max_age.total_seconds() == 0
    assert resources["warehouse"].totals_gate == "warn"
    defaults = Settings.from_mapping({})
    assert (defaults.max_attempts, defaults.read_timeout_seconds, defaults.resume_max_age_hours, defaults.totals_gate) == (
        6, 120.0, 24.0, "error")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TOGGL_TOTALS_GATE", "off", "TOGGL_TOTALS_GATE must be one of error, warn, got 'off'"),
        ("TOGGL_MAX_ATTEMPTS", "0", "TOGGL_MAX_ATTEMPTS must be at least 1, got 0"),
        ("TOGGL_READ_TIMEOUT_SECONDS", "soon", "TOGGL_READ_TIMEOUT_SECONDS must be a number, got 'soon'"),
    ],
)
def test_bad_stage_settings_are_refused_in_one_line(name, value, message):
    with pytest.raises(SettingsError) as refused:
        Settings.from_mapping({name: value})
    assert str(refused.value) == message


# -- each setting declared once ------------------------------------------------------------------------


def test_every_setting_is_declared_once_with_its_variable_and_meaning() -> None:
    import dataclasses

    from toggl_warehouse.settings import ProfitabilityOptions

    declared = [f for cls in (Settings, ProfitabilityOptions) for f in dataclasses.fields(cls) if f.name != "profitability"]
    names = [f.metadata["env"] for f in declared]

    assert len(declared) == 29  # with TOGGL_RAW_KEEP_DAYS (issue 20)
    assert len(set(names)) == len(names)
    assert [f.name for f in declared if not f.metadata["doc"].strip()] == []


def test_resource_fields_take_their_defaults_and_descriptions_from_settings() -> None:
    from toggl_warehouse.resources import TogglResource, WarehouseResource
    from toggl_warehouse.settings import DEFAULTS, doc

    fields = {**TogglResource.model_fields, **WarehouseResource.model_fields}

    assert fields["page_size"].default == DEFAULTS.page_size == 1000
    assert fields["page_size"].description == "Rows per page asked of the Reports API (TOGGL_PAGE_SIZE)."
    assert fields["max_quota_wait_seconds"].default == 3600
    assert fields["totals_gate"].default == "error"
    assert [name for name, f in fields.items() if name not in ("shared_reports", "shared_report_token_vars") and (
        f.default != getattr(DEFAULTS, name) or f.description != doc(Settings, name))] == []
