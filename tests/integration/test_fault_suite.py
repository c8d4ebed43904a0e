"""The fault suite of extract → check → load: a misbehaving Toggl (the emulator's fault switches, real HTTP) and a
misbehaving database, each against a warehouse already holding the window.

Every case: the window was loaded once, then an entry was deleted upstream (so a successful reload changes the
table); a fault is injected and the backfill runs again. On failure every `toggl.*` table is identical to before,
the pages that were paid for are kept in `toggl_raw`, the backfill's error is the exact one line below, and the
emulator received exactly the requests counted. On success the table is exact. Also: no session sits
`idle in transaction` while a page is slow; a resumed fetch pays only for the pages it lacked; replay restores
a deleted window with zero requests; two runs of one window at once both succeed. The resume cases run in both
emulator dialects (a row-number cursor, and Toggl's keyset cursor capped at 50 rows a page).
"""

from __future__ import annotations

import math
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from toggl_warehouse.backfill import run_backfill
from toggl_warehouse.dates import yesterday
from toggl_warehouse.toggl.emulator import Fault
from tests.integration.pipeline_helpers import report_requests, warehouse_checksums

pytestmark = pytest.mark.integration

REPORT = "team_detailed"
ENTRIES = "toggl.report_time_entries"
PAGE_SIZE = 50


class Scenario:
    """A 10-day window loaded once, then changed upstream; `run()` backfills it again and returns the error line."""

    def __init__(self, emulator, pipeline_env, engine, tmp_path, **settings):
        self.emulator, self.engine, self.home = emulator, engine, tmp_path / "dagster_home"
        self.settings = pipeline_env(emulator, reports=(REPORT,), TOGGL_PAGE_SIZE=PAGE_SIZE, TOGGL_MAX_ATTEMPTS=3,
                                     TOGGL_MAX_QUOTA_WAIT_SECONDS=5, **settings)
        self.end = yesterday(self.settings.timezone)
        self.start = self.end - timedelta(days=9)
        assert self.run() is None
        rows = emulator.report_rows(REPORT, self.start, self.end)
        emulator.workspace.delete_entry(rows[0]["time_entries"][0]["id"])
        self.pages = math.ceil(len(emulator.report_rows(REPORT, self.start, self.end)) / PAGE_SIZE)
        assert self.pages >= 3, "the window must span several pages"
        self.before = warehouse_checksums(engine)
        self.requests_before = report_requests(emulator, REPORT)
        self.fetches_before = self.count("toggl_raw.fetches")

    def run(self) -> str | None:
        report = run_backfill(self.settings, self.start, self.end, refresh=True, instance_home=self.home, progress=False)
        return report.chunks[-1].error

    @property
    def requests(self) -> int:
        return report_requests(self.emulator, REPORT) - self.requests_before

    def count(self, table: str, where: str = "true") -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar()

    def last_fetch(self) -> sa.Row:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT fetch_id, status, pages, requests, resumable, error FROM toggl_raw.fetches ORDER BY fetch_id DESC LIMIT 1"
            )).one()

    def assert_unchanged_keeping(self, pages: int) -> None:
        """The failure left every flattened table as it was, and kept the pages it had paid for."""
        assert warehouse_checksums(self.engine) == self.before
        fetch = self.last_fetch()
        assert (fetch.status, fetch.pages) == ("failed", pages)
        assert self.count("toggl_raw.pages", f"fetch_id = {fetch.fetch_id}") == pages

    def assert_exact(self) -> None:
        """The window holds exactly the emulator's entries now."""
        expected = sorted(e["id"] for row in self.emulator.report_rows(REPORT, self.start, self.end) for e in row["time_entries"])
        with self.engine.connect() as conn:
            ids = conn.execute(sa.text(f"SELECT time_entry_id FROM {ENTRIES} ORDER BY 1")).scalars().all()
        assert ids == expected


@pytest.fixture
def scenario(emulator, pipeline_env, clean_warehouse, tmp_path):
    return Scenario(emulator, pipeline_env, clean_warehouse, tmp_path)


def page_one_then(fault: Fault) -> list[Fault]:
    """Page 1 answered normally, then `fault`."""
    return [Fault.slow(0), fault]


# ---- Toggl misbehaves ------------------------------------------------------------------------------


def test_a_burst_of_429s_is_retried_and_the_reload_is_exact(scenario):
    scenario.emulator.faults.add(Fault.rate_limited(retry_after=0, times=2))
    assert scenario.run() is None
    assert scenario.requests == scenario.pages + 2
    scenario.assert_exact()


def test_429s_past_the_attempts_fail_in_one_line(scenario):
    scenario.emulator.faults.add(Fault.rate_limited(retry_after=0, times=3))
    error = scenario.run()
    fetch = scenario.last_fetch()
    assert error == (
        "shared report 'team_detailed': Toggl kept answering 429 Too Many Requests: Too Many Requests. Raise "
        f"TOGGL_MIN_REQUEST_INTERVAL (fetch {fetch.fetch_id} kept 0 page(s); run again to continue from the next one)"
    )
    assert scenario.requests == 3
    scenario.assert_unchanged_keeping(pages=0)


def test_a_402_with_quota_headers_within_the_wait_is_waited_out(scenario):
    for fault in page_one_then(Fault.quota_exceeded(resets_in=1)):
        scenario.emulator.faults.add(fault)
    assert scenario.run() is None
    assert scenario.requests == scenario.pages + 1
    scenario.assert_exact()


@pytest.mark.both_dialects  # resuming from a stored cursor: row number, and Toggl's keyset
def test_a_402_with_quota_headers_beyond_the_wait_fails_and_keeps_the_paid_page(scenario):
    for fault in page_one_then(Fault.quota_exceeded(resets_in=7200)):
        scenario.emulator.faults.add(fault)
    error = scenario.run()
    fetch = scenario.last_fetch()
    assert error == (
        "shared report 'team_detailed': the hourly Toggl API quota is used up (402); it resets in 7200 s. That is more than "
        "TOGGL_MAX_QUOTA_WAIT_SECONDS=5; run again later: loads are resumable. "
        f"(fetch {fetch.fetch_id} kept 1 page(s); run again to continue from the next one)"
    )
    assert scenario.requests == 2 and fetch.resumable
    scenario.assert_unchanged_keeping(pages=1)


def test_a_402_without_quota_headers_is_never_retried(scenario):
    scenario.emulator.faults.add(Fault.plan_lacks_feature())
    error = scenario.run()
    fetch = scenario.last_fetch()
    assert error == (
        "shared report 'team_detailed': Toggl says the workspace's plan does not include this feature (402): This feature "
        "is not available on the workspace's plan. Not retried: upgrade the workspace or remove this source from the "
        f"configuration (fetch {fetch.fetch_id} kept 0 page(s) in toggl_raw for inspection)"
    )
    assert scenario.requests == 1 and not fetch.resumable
    scenario.assert_unchanged_keeping(pages=0)


def test_5xx_then_success_is_exact(scenario):
    for fault in page_one_then(Fault.server_error(status=503, times=2)):
        scenario.emulator.faults.add(fault)
    assert scenario.run() is None
    assert scenario.requests == scenario.pages + 2
    scenario.assert_exact()


@pytest.mark.both_dialects  # resuming from a stored cursor: row number, and Toggl's keyset
def test_retries_exhausted_on_page_2_keep_page_1_and_a_rerun_resumes_paying_only_for_what_it_lacked(scenario):
    for fault in page_one_then(Fault.server_error(times=3)):
        scenario.emulator.faults.add(fault)
    error = scenario.run()
    fetch = scenario.last_fetch()
    assert error == (
        "shared report 'team_detailed': Toggl kept failing with 500: Internal Server Error "
        f"(fetch {fetch.fetch_id} kept 1 page(s); run again to continue from the next one)"
    )
    assert scenario.requests == 1 + 3
    scenario.assert_unchanged_keeping(pages=1)

    requests_before_resume = report_requests(scenario.emulator, REPORT)
    assert scenario.run() is None
    assert report_requests(scenario.emulator, REPORT) - requests_before_resume == scenario.pages - 1
    resumed = scenario.last_fetch()
    assert (resumed.fetch_id, resumed.status, resumed.pages) == (fetch.fetch_id, "complete", scenario.pages)
    assert scenario.count("toggl_raw.fetches", "resumed_pages = 1") == 1
    scenario.assert_exact()


def test_a_read_timeout_fails_in_one_line(emulator, pipeline_env, clean_warehouse, tmp_path):
    scenario = Scenario(emulator, pipeline_env, clean_warehouse, tmp_path, TOGGL_READ_TIMEOUT_SECONDS="0.3")
    for fault in page_one_then(Fault.slow(1.0, times=3)):
        emulator.faults.add(fault)
    error = scenario.run()
    fetch = scenario.last_fetch()
    assert error.startswith(f"shared report 'team_detailed': could not reach Toggl at {emulator.base_url}: ReadTimeout: ")
    assert error.endswith(f"(fetch {fetch.fetch_id} kept 1 page(s); run again to continue from the next one)")
    assert emulator.reports[REPORT].token not in error
    assert scenario.requests == 1 + 3
    scenario.assert_unchanged_keeping(pages=1)


def test_a_connection_closed_mid_body_is_retried(scenario):
    for fault in page_one_then(Fault.cut_mid_body(after_bytes=200)):
        scenario.emulator.faults.add(fault)
    assert scenario.run() is None
    assert scenario.requests == scenario.pages + 1
    scenario.assert_exact()


@pytest.mark.both_dialects  # resuming from a stored cursor: row number, and Toggl's keyset
def test_a_connection_closed_mid_body_every_time_fails_in_one_line_and_resumes(scenario):
    for fault in page_one_then(Fault.cut_mid_body(after_bytes=200, times=3)):
        scenario.emulator.faults.add(fault)
    error = scenario.run()
    fetch = scenario.last_fetch()
    assert error.startswith(
        f"shared report 'team_detailed': could not reach Toggl at {scenario.emulator.base_url}: ChunkedEncodingError: ")
    assert error.endswith(f"(fetch {fetch.fetch_id} kept 1 page(s); run again to continue from the next one)")
    assert "\n" not in error and scenario.requests == 1 + 3
    scenario.assert_unchanged_keeping(pages=1)
    assert scenario.run() is None
    assert scenario.requests == 1 + 3 + scenario.pages - 1
    scenario.assert_exact()


@pytest.mark.parametrize(
    ("fault", "kept", "message"),
    [
        (Fault(status=200, body='{"report_type": "detailed", "detailed_results": {"rep'), 2,
         "page 2 of {start}..{end} is not valid JSON (53 bytes of application/json; truncated, or not Toggl's API)"),
        (Fault.html_page(), 2,
         "page 2 of {start}..{end} is not valid JSON (46 bytes of text/html; charset=utf-8; truncated, or not Toggl's API)"),
        (Fault(status=200, body='{"report_type": "detailed", "detailed_results": {"report": {}, "totals": {"seconds": 3600}}}'), 2,
         "page 2 of {start}..{end}: detailed_results.report is a JSON object, not a list of rows"),
        (Fault(status=200, body='{"report_type": "detailed", "detailed_results": {"report": "rows"}}'), 2,
         "page 2 of {start}..{end}: detailed_results.report is a JSON string, not a list of rows"),
        (Fault(status=200, body='{"report_type": "detailed"}'), 2,
         "page 2 of {start}..{end}: detailed_results is missing, not an object"),
        (Fault(status=200, body='["not", "a", "report"]'), 2,
         "page 2 of {start}..{end} is not a detailed, summary or weekly report (no report_type or result object)"),
    ],
    ids=["truncated JSON", "HTML with 200", "report an empty object", "report a string", "results missing", "a JSON array"],
)
def test_a_malformed_page_is_never_loaded(scenario, fault, kept, message):
    for injected in page_one_then(fault):
        scenario.emulator.faults.add(injected)
    error = scenario.run()
    fetch = scenario.last_fetch()
    where = message.format(start=scenario.start, end=scenario.end)
    assert error == (f"shared report 'team_detailed': {where} "
                     f"(fetch {fetch.fetch_id} kept {kept} page(s) in toggl_raw for inspection)")
    assert scenario.requests == 2 and not fetch.resumable
    scenario.assert_unchanged_keeping(pages=kept)


def test_rows_that_do_not_add_up_to_the_totals_are_refused_by_the_gate(scenario):
    # A last page with no rows while the totals still count them: v1 loaded it as "no rows" and deleted entries.
    body = ('{"report_type": "detailed", "detailed_results": {"report": [], "totals": '
            '{"seconds": 3600, "billable_amount_in_cents": 100}}}')
    scenario.emulator.faults.add(Fault(status=200, body=body))
    error = scenario.run()
    fetch = scenario.last_fetch()
    assert error == (
        f"shared report 'team_detailed', fetch {fetch.fetch_id}: rows do not add up to Toggl's totals "
        f"({scenario.start}..{scenario.end}: rows 0 s / 0 c, Toggl 3600 s / 100 c); nothing was replaced. "
        "Fetch again; if Toggl's rounding settings explain it, set TOGGL_TOTALS_GATE=warn"
    )
    assert warehouse_checksums(scenario.engine) == scenario.before
    assert (fetch.status, fetch.pages) == ("complete", 1)  # the fetch is fine; the gate refused to load it


def test_the_gate_in_warn_mode_loads_and_warns(emulator, pipeline_env, clean_warehouse, tmp_path):
    scenario = Scenario(emulator, pipeline_env, clean_warehouse, tmp_path, TOGGL_TOTALS_GATE="warn")
    body = ('{"report_type": "detailed", "detailed_results": {"report": [], "totals": '
            '{"seconds": 3600, "billable_amount_in_cents": 100}}}')
    emulator.faults.add(Fault(status=200, body=body))
    assert scenario.run() is None
    assert scenario.count(ENTRIES) == 0  # Toggl served no rows for the window, and the user chose to trust that


def test_a_range_toggl_finds_too_big_is_split_and_exact(scenario):
    scenario.emulator.faults.add(Fault.too_big())
    assert scenario.run() is None
    halves = math.ceil(len(scenario.emulator.report_rows(REPORT, scenario.start, scenario.start + timedelta(days=4))) / PAGE_SIZE)
    halves += math.ceil(len(scenario.emulator.report_rows(REPORT, scenario.start + timedelta(days=5), scenario.end)) / PAGE_SIZE)
    assert scenario.requests == 1 + halves
    scenario.assert_exact()


def test_a_reload_split_into_days_leaves_one_set_of_totals_per_date(scenario):
    last3 = (scenario.end - timedelta(days=2), scenario.end)
    scenario.start = last3[0]
    assert scenario.run() is None  # one 3-day window
    with scenario.engine.connect() as conn:
        before = conn.execute(sa.text("SELECT window_start, window_end FROM toggl.report_totals ORDER BY 1")).all()
    assert [tuple(row) for row in before] == [last3]  # the 10-day window it overlapped is gone: one set per date

    scenario.emulator.faults.add(Fault.too_big(times=2))  # 3 days refused, then 2 days: three 1-day windows
    assert scenario.run() is None

    with scenario.engine.connect() as conn:
        windows = conn.execute(sa.text(
            "SELECT window_start, window_end FROM toggl.report_totals WHERE window_end >= :start ORDER BY 1"),
            {"start": last3[0]}).all()
        graph = conn.execute(sa.text(
            "SELECT count(DISTINCT (window_start, window_end)) FROM toggl.report_totals_graph WHERE window_end >= :start"),
            {"start": last3[0]}).scalar()
    assert [tuple(row) for row in windows] == [(day, day) for day in (last3[0], last3[0] + timedelta(days=1), last3[1])]
    assert graph == 3
    totals = scenario.emulator.report_totals(REPORT, last3[0], last3[1])
    with scenario.engine.connect() as conn:
        seconds = conn.execute(sa.text("SELECT sum(seconds) FROM toggl.report_totals WHERE window_start >= :start"),
                               {"start": last3[0]}).scalar()
    assert seconds == totals["seconds"]


# ---- the database misbehaves -------------------------------------------------------------------------


def test_the_database_connection_terminated_during_the_load_leaves_everything_as_it_was(scenario):
    with scenario.engine.begin() as conn:  # the load's first write to the entries kills its own session
        conn.execute(sa.text(
            "CREATE FUNCTION public.tw_test_kill() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$"))
        conn.execute(sa.text(f"CREATE TRIGGER tw_test_kill BEFORE DELETE OR INSERT ON {ENTRIES} "
                             "FOR EACH STATEMENT EXECUTE FUNCTION public.tw_test_kill()"))
    try:
        error = scenario.run()
    finally:
        with scenario.engine.begin() as conn:
            conn.execute(sa.text(f"DROP TRIGGER tw_test_kill ON {ENTRIES}"))
            conn.execute(sa.text("DROP FUNCTION public.tw_test_kill()"))
    url = scenario.engine.url  # host:port/database, or the socket directory of an embedded server
    location = f"{url.host}:{url.port}/{url.database}" if url.host else f"{url.query['host']}/{url.database}"
    assert error.startswith(
        f"shared report 'team_detailed' {scenario.start}..{scenario.end}: the warehouse Postgres "
        f"{location} failed during the load: "
    )
    assert error.endswith("Nothing was replaced (the load is one transaction); the pages are stored, so run again "
                          "(or `toggl-warehouse replay`) without paying Toggl again")
    assert warehouse_checksums(scenario.engine) == scenario.before
    fetch = scenario.last_fetch()
    assert (fetch.status, fetch.pages) == ("complete", scenario.pages)
    assert scenario.requests == scenario.pages


def test_the_database_down_at_the_start_is_named_in_one_line(emulator, pipeline_env, tmp_path, monkeypatch):
    settings = pipeline_env(emulator, reports=(REPORT,), DATABASE_URL="postgresql://toggl:s3cret@127.0.0.1:9/warehouse")
    end = yesterday(settings.timezone)
    report = run_backfill(settings, end, end, instance_home=tmp_path / "home", progress=False)
    error = report.chunks[0].error
    assert error.startswith(f"shared report 'team_detailed' {end}..{end}: could not reach the warehouse Postgres 127.0.0.1:9/warehouse: ")
    assert error.endswith("Check DATABASE_URL and that the server is running (`toggl-warehouse doctor` checks it)")
    assert "s3cret" not in error and "\n" not in error
    assert report_requests(emulator, REPORT) == 0


def test_no_session_is_idle_in_transaction_while_a_page_is_slow(scenario):
    for fault in page_one_then(Fault.slow(2.0)):
        scenario.emulator.faults.add(fault)
    database = scenario.engine.url.database
    seen: list[tuple[str, float, float]] = []  # state, seconds in that state, seconds in the transaction
    done = threading.Event()

    def watch() -> None:
        probe = sa.create_engine(scenario.engine.url, poolclass=sa.pool.NullPool)
        while not done.is_set():
            with probe.connect() as conn:
                seen.extend(conn.execute(sa.text(
                    "SELECT state, extract(epoch FROM clock_timestamp() - state_change), "
                    "coalesce(extract(epoch FROM clock_timestamp() - xact_start), 0) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid() AND state IS NOT NULL"), {"db": database}
                ).all())
            time.sleep(0.05)
        probe.dispose()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert scenario.run() is None
    finally:
        done.set()
        watcher.join()
    # The slice lock's session waits with the client through the 2 s page, outside any transaction.
    assert any(state == "idle" and in_state >= 1.0 for state, in_state, _ in seen)
    # No transaction waits with the client through the slow page: it would sit idle in transaction for it. (The
    # load's own transaction, after the last page, reads the pages back and stages them: on a busy 2-core host it
    # lasts about as long as the slow page, so its length is not what this test bounds.)
    assert not [row for row in seen if row[0] == "idle in transaction" and row[1] >= 0.5]
    scenario.assert_exact()


def test_two_runs_of_the_same_window_at_once_both_succeed(scenario):
    errors: list[str | None] = []
    runs = [threading.Thread(target=lambda: errors.append(scenario.run())) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert errors == [None, None]
    assert scenario.count("toggl_raw.fetches", "status = 'complete'") == scenario.fetches_before + 2
    scenario.assert_exact()


# ---- replay ------------------------------------------------------------------------------------------


def content_checksum(engine, table: str) -> tuple[int, str]:
    """Row count and md5 of every row of `table` without its loaded_at (a replay writes its own)."""
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            f"SELECT count(*), md5(string_agg((to_jsonb(t) - 'loaded_at')::text, '|' ORDER BY (to_jsonb(t) - 'loaded_at')::text)) "
            f"FROM {table} t")).one())


def test_replay_after_deleting_a_window_restores_it_with_zero_requests(scenario):
    assert scenario.run() is None
    tables = (ENTRIES, "toggl.report_totals", "toggl.report_totals_graph", "toggl.report_rates")
    loaded = {table: content_checksum(scenario.engine, table) for table in tables}
    with scenario.engine.begin() as conn:
        for table in tables:
            conn.execute(sa.text(f"DELETE FROM {table}"))
    requests_before = len(scenario.emulator.request_log)

    from toggl_warehouse.backfill import run_replay

    report = run_replay(scenario.settings, scenario.start, scenario.end, instance_home=scenario.home)

    assert report.ok, report.summary()
    assert len(scenario.emulator.request_log) == requests_before
    with scenario.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT count(*) FROM {ENTRIES}")).scalar()
    assert rows == len([e for row in scenario.emulator.report_rows(REPORT, scenario.start, scenario.end) for e in row["time_entries"]])
    assert {table: content_checksum(scenario.engine, table) for table in tables} == loaded
    scenario.assert_exact()
