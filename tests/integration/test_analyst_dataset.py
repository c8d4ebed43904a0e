"""The analyst's dataset end to end, read through a BI login with SQL as a BI tool (Superset) sends it.

In both emulator dialects (swagger: unpriced entries with NULL money, users in several zones), two detailed
reports over the same entries of the emulator (Europe/Berlin, two months across the October DST
change) are loaded through Dagster, the one saved with "hide amounts" first, then both, then the hidden one
again. Covers: reporting.time_entries has every entry once and every amount; seconds and cents per month and
currency equal the emulator's workspace to the second and the cent, in the entries, the facts, the daily
project view and utilisation; the calendar is continuous; start_local/stop_local/utc_offset are the wall clock
and offset written in Toggl's strings; the tag bridge has exactly the entries' tags; names say (no project) and
(no client); the BI login cannot read toggl or toggl_raw.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy.engine import make_url

from toggl_warehouse.warehouse.roles import create_login_role, create_readonly_role
from tests.integration.pipeline_helpers import materialize

pytestmark = [pytest.mark.integration, pytest.mark.both_dialects]
PASSWORD = "bi-" + uuid.uuid4().hex[:12]
MONTHS = (date(2026, 10, 1), date(2026, 11, 30))  # inside the emulator's 120 days before today


@pytest.fixture
def bi(engine, database_url):
    """A read-only BI login (as `migrate --bi-role --bi-login` makes it), connected; dropped after the test."""
    suffix = uuid.uuid4().hex[:8]
    role, login = f"tw_bi_{suffix}", f"tw_bi_login_{suffix}"
    create_readonly_role(engine, role)
    create_login_role(engine, role, login, PASSWORD)
    url = make_url(database_url).set(username=login, password=PASSWORD).render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn
    with engine.begin() as conn:
        pg = conn.connection.driver_connection
        for name in (login, role):
            pg.execute(psycopg.sql.SQL("DROP OWNED BY {}").format(psycopg.sql.Identifier(name)))
            pg.execute(psycopg.sql.SQL("DROP ROLE {}").format(psycopg.sql.Identifier(name)))


@pytest.fixture
def loaded(emulator, pipeline_env, clean_warehouse):
    """The two months loaded: the hidden report alone first, then both; then one billable entry is edited in
    Toggl and only the hidden report is loaded again, so its rows are the most recent of every entry's."""
    start, end = MONTHS
    assert emulator.config.start <= start and end < emulator.today
    workspace = emulator.workspace
    emulator.reports["grouped_detailed"] = dataclasses.replace(emulator.reports["grouped_detailed"], hide_amounts=True)
    for reports in (("grouped_detailed",), ("team_detailed", "grouped_detailed")):
        assert materialize(pipeline_env(emulator, reports=reports), start, end).success
    edited = next(e for e in workspace.entries_between(start, end) if (workspace.amount_of(e) or 0) > 0)
    workspace.update_entry(edited.id, description="edited after the invoice")
    assert materialize(pipeline_env(emulator, reports=("grouped_detailed",)), start, end).success
    return workspace, workspace.entries_between(start, end)


def _superset(conn: psycopg.Connection, query: str) -> list[tuple]:
    return [tuple(row) for row in conn.execute(query).fetchall()]


def _month(day: date) -> date:
    return day.replace(day=1)


def test_every_entry_once_with_every_amount_and_the_workspace_sums(loaded, bi):
    workspace, ws = loaded
    seconds, cents, entries, unpriced = Counter(), {}, Counter(), Counter()
    for entry in ws:
        month, currency, amount = _month(entry.date), workspace.rate_of(entry)[1].upper(), workspace.amount_of(entry)
        seconds[month] += entry.seconds
        entries[month] += 1
        cents.setdefault((month, currency), None)
        if amount is None:  # no rate (the swagger dialect): unknown, so left out of the sum, never counted as 0
            unpriced[month] += entry.seconds if entry.billable else 0
        else:
            cents[(month, currency)] = (cents[(month, currency)] or 0) + amount
    priced = sum(1 for entry in ws if workspace.amount_of(entry) is not None)

    once = _superset(bi, """
        SELECT count(*), count(DISTINCT time_entry_id), count(billable_amount_cents), count(*) FILTER (WHERE report_key = 'team_detailed')
        FROM reporting.time_entries""")
    per_report = _superset(bi, "SELECT report_key, count(*) FROM reporting.report_time_entries GROUP BY report_key ORDER BY 1")
    by_month = _superset(bi, """
        SELECT DATE_TRUNC('month', entry_date) AS entry_date, SUM(seconds) AS "SUM(seconds)", COUNT(*) AS count
        FROM reporting.time_entries
        WHERE entry_date >= TO_TIMESTAMP('2026-10-01 00:00:00.000000', 'YYYY-MM-DD HH24:MI:SS.US')
          AND entry_date < TO_TIMESTAMP('2026-12-01 00:00:00.000000', 'YYYY-MM-DD HH24:MI:SS.US')
        GROUP BY DATE_TRUNC('month', entry_date) ORDER BY 1 LIMIT 10000""")
    money = {
        view: _superset(bi, f"""
            SELECT DATE_TRUNC('month', entry_date)::date AS entry_date, currency, SUM(billable_amount_cents) AS cents
            FROM reporting.{view} GROUP BY 1, 2 ORDER BY 1, 2""")
        for view in ("time_entries", "daily_facts", "daily_project_hours")
    }
    facts_seconds = _superset(bi, """
        SELECT DATE_TRUNC('month', entry_date)::date, SUM(seconds), SUM(time_entries), SUM(unpriced_billable_seconds)
        FROM reporting.daily_facts GROUP BY 1 ORDER BY 1""")
    utilisation = _superset(bi, """
        SELECT period_start, SUM(seconds), SUM(billable_seconds) FROM reporting.user_utilisation
        WHERE period = 'month' GROUP BY 1 ORDER BY 1""")

    # Every priced entry shows the money of the report that shows it; an unpriced one has no money in either
    # report, so the hidden report's row, chosen first and of the same version, stays.
    assert once == [(len(ws), len(ws), priced, priced)]
    assert per_report == [("grouped_detailed", len(ws)), ("team_detailed", len(ws))]
    assert [(day.date(), total, count) for day, total, count in by_month] == [
        (month, seconds[month], entries[month]) for month in sorted(seconds)]
    expected_money = sorted((month, currency, total) for (month, currency), total in cents.items())
    assert money == {view: expected_money for view in money}
    assert facts_seconds == [(month, seconds[month], entries[month], unpriced[month]) for month in sorted(seconds)]
    billable = Counter()
    for entry in ws:
        billable[_month(entry.date)] += entry.seconds if entry.billable else 0
    assert utilisation == [(month, seconds[month], billable[month]) for month in sorted(seconds)]


def test_wall_clock_offsets_calendar_tags_and_names(loaded, bi):
    emulator_ws, ws = loaded
    local = _superset(bi, """
        SELECT time_entry_id, to_char(start_local, 'YYYY-MM-DD"T"HH24:MI:SS'), to_char(stop_local, 'YYYY-MM-DD"T"HH24:MI:SS'),
               utc_offset, EXTRACT(HOUR FROM start_local)::int
        FROM reporting.time_entries ORDER BY time_entry_id""")
    calendar = _superset(bi, """
        SELECT count(*), count(DISTINCT date), min(date), max(date), max(date) - min(date) + 1,
               count(*) FILTER (WHERE is_weekend), min(iso_week), max(iso_week)
        FROM reporting.calendar""")
    gaps = _superset(bi, "SELECT count(*) FROM reporting.calendar c WHERE c.date > (SELECT min(date) FROM reporting.calendar) "
                         "AND NOT EXISTS (SELECT 1 FROM reporting.calendar p WHERE p.date = c.date - 1)")
    bridge = _superset(bi, "SELECT time_entry_id, tag_id, tag_name FROM reporting.time_entry_tags ORDER BY 1, 2")
    names = _superset(bi, """
        SELECT count(*) FILTER (WHERE project_id IS NULL), count(*) FILTER (WHERE project_name = '(no project)'),
               count(*) FILTER (WHERE client_id IS NULL), count(*) FILTER (WHERE client_name = '(no client)'),
               count(*) FILTER (WHERE user_name IS NULL OR project_name IS NULL OR client_name IS NULL)
        FROM reporting.time_entries""")

    assert local == [
        (e.id, e.start_str[:19], e.stop_str[:19], e.start_str[19:], e.start.hour) for e in sorted(ws, key=lambda e: e.id)]
    assert {"+01:00", "+02:00"} <= {offset for *_, offset, _ in local}  # both sides of the DST change (Berlin)
    year = date.today().year
    first, last = date(MONTHS[0].year, 1, 1), date(year, 12, 31)
    assert calendar[0][:5] == ((last - first).days + 1, (last - first).days + 1, first, last, (last - first).days + 1)
    assert gaps == [(0,)]
    assert bridge == sorted((e.id, tag, emulator_ws.tag(tag).name) for e in ws for tag in e.tag_ids)
    without_project = sum(1 for e in ws if e.project_id is None)
    without_client = sum(1 for e in ws if emulator_ws.project(e.project_id) is None
                         or emulator_ws.project(e.project_id).client_id is None)
    assert without_project > 0 and without_client > without_project
    assert names == [(without_project, without_project, without_client, without_client, 0)]


def test_the_bi_login_cannot_read_toggl_or_toggl_raw(loaded, bi):
    for query in ("SELECT count(*) FROM toggl.time_entries", "SELECT email FROM toggl.users",
                  "SELECT count(*) FROM toggl.report_time_entries", "SELECT count(*) FROM toggl_raw.fetches"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute(query)
    assert "email" not in [column.name for column in bi.execute("SELECT * FROM reporting.users LIMIT 0").description]
