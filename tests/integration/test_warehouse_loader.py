"""WindowLoad on a real Postgres: idempotent re-runs, window replace (deleted and moved entries, rows
outside the window untouched), all-or-nothing failures, dimension upserts, exact type round-trips."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import psycopg
import pytest
from sqlalchemy import Engine

from toggl_warehouse.warehouse import tables
from toggl_warehouse.load.window import (
    DuplicateKeyError,
    LoadError,
    LoadStats,
    OutsideWindowError,
    Window,
    WindowLoad,
)

pytestmark = pytest.mark.integration

JAN = [date(2025, 1, d) for d in range(1, 32)]  # JAN[1] is 2025-01-02
CET = timezone(timedelta(hours=1))


def entry(entry_id: int, day: date, *, report_key: str = "team", **overrides: object) -> dict:
    start = datetime(day.year, day.month, day.day, 9, 30, 15, 123456, tzinfo=CET)
    row = {
        "report_key": report_key,
        "time_entry_id": entry_id,
        "entry_date": day,
        "start_at": start,
        "stop_at": start + timedelta(hours=1),
        "seconds": 3600,
        "is_running": False,
        "updated_at": start + timedelta(days=1),
        "user_id": 7,
        "username": "Ada",
        "email": "ada@example.com",
        "project_id": 11,
        "project_name": "Apollo",
        "project_color": "#06aaf5",
        "project_hex": "#06aaf5",
        "client_name": "NASA",
        "task_id": None,
        "task_name": None,
        "description": f"entry {entry_id}",
        "billable": True,
        "tag_ids": [1, 2],
        "tag_names": ["a", "b"],
        "hourly_rate_in_cents": 10000,
        "currency": "USD",
        "row_billable_amount_in_cents": 10000,
        "billable_amount_in_cents": 10000,
    }
    row.update(overrides)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    """Rows as a DataFrame with the dtypes the flatteners produce (tz-aware datetime64, Int64, str)."""
    df = pd.DataFrame(list(rows), columns=tables.REPORT_TIME_ENTRIES.column_names)
    for column in ("start_at", "stop_at", "updated_at"):
        df[column] = pd.to_datetime(df[column], utc=True)
    for column in ("user_id", "project_id", "task_id", "hourly_rate_in_cents"):
        df[column] = df[column].astype("Int64")
    return df


def window(start: date, end: date, report_key: str = "team") -> Window:
    return Window(equals={"report_key": report_key}, date_column="entry_date", start=start, end=end)


def load(engine: Engine, spec: tables.TableSpec, win: Window | None, *pages: pd.DataFrame) -> LoadStats:
    with engine.begin() as conn:
        loader = WindowLoad(conn, spec, win)
        for page in pages:
            loader.stage(page)
        return loader.merge()


def checksum(engine: Engine, qualified_name: str = "toggl.report_time_entries", where: str = "true") -> str:
    """md5 over every row (loaded_at included) in key order: equal means byte-for-byte unchanged."""
    spec = next(s for s in tables.ALL_TABLES if s.qualified_name == qualified_name)
    query = (
        f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY {', '.join(spec.key)}), '')) "
        f"FROM {qualified_name} t WHERE {where}"
    )
    with engine.connect() as conn:
        return conn.connection.driver_connection.execute(query).fetchone()[0]


def rows(engine: Engine, query: str) -> list[tuple]:
    with engine.connect() as conn:
        return conn.connection.driver_connection.execute(query).fetchall()


def entry_days(engine: Engine) -> dict[int, date]:
    return dict(rows(engine, "SELECT time_entry_id, entry_date FROM toggl.report_time_entries"))


# -- idempotence ----------------------------------------------------------------------------------


def test_first_load_inserts_and_rerun_changes_nothing(clean_warehouse: Engine) -> None:
    page = frame(entry(1, JAN[0]), entry(2, JAN[0]), entry(3, JAN[1]), entry(4, JAN[2], task_id=5))
    win = window(JAN[0], JAN[2])

    first = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, page)
    before = checksum(clean_warehouse)
    again = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, page.iloc[:2], page.iloc[2:])

    assert first == LoadStats(staged=4, inserted=4, updated=0, deleted=0, unchanged=0)
    assert again == LoadStats(staged=4, inserted=0, updated=0, deleted=0, unchanged=4)
    assert checksum(clean_warehouse) == before


def test_only_changed_rows_are_rewritten(clean_warehouse: Engine) -> None:
    win = window(JAN[0], JAN[0])
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0]), entry(2, JAN[0])))
    untouched = checksum(clean_warehouse, where="time_entry_id = 1")

    stats = load(
        clean_warehouse, tables.REPORT_TIME_ENTRIES, win,
        frame(entry(1, JAN[0]), entry(2, JAN[0], description="edited", tag_ids=[2], tag_names=["b"])),
    )

    assert stats == LoadStats(staged=2, inserted=0, updated=1, deleted=0, unchanged=1)
    assert checksum(clean_warehouse, where="time_entry_id = 1") == untouched
    assert rows(clean_warehouse, "SELECT description, tag_ids FROM toggl.report_time_entries WHERE time_entry_id = 2") == [
        ("edited", [2])
    ]


# -- window replace -------------------------------------------------------------------------------


def test_entry_deleted_upstream_disappears_from_its_day(clean_warehouse: Engine) -> None:
    win = window(JAN[0], JAN[1])
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0]), entry(2, JAN[0]), entry(3, JAN[1])))

    stats = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0]), entry(3, JAN[1])))

    assert stats.deleted == 1 and stats.unchanged == 2
    assert sorted(entry_days(clean_warehouse)) == [1, 3]


def test_empty_window_deletes_its_rows(clean_warehouse: Engine) -> None:
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[1]), frame(entry(1, JAN[0]), entry(2, JAN[1])))

    stats = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[1], JAN[1]), frame())

    assert stats == LoadStats(staged=0, inserted=0, updated=0, deleted=1, unchanged=0)
    assert entry_days(clean_warehouse) == {1: JAN[0]}


def test_entry_moved_to_another_day_inside_the_window(clean_warehouse: Engine) -> None:
    win = window(JAN[0], JAN[2])
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0]), entry(2, JAN[1])))

    stats = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[2]), entry(2, JAN[1])))

    assert stats == LoadStats(staged=2, inserted=0, updated=1, deleted=0, unchanged=1)
    assert entry_days(clean_warehouse) == {1: JAN[2], 2: JAN[1]}


def test_entry_moved_into_the_window_from_outside_is_moved_not_duplicated(clean_warehouse: Engine) -> None:
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[0]), frame(entry(1, JAN[0]), entry(2, JAN[0])))

    # entry 1 now starts on Jan 5; the daily run loads Jan 5 only
    stats = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[4], JAN[4]), frame(entry(1, JAN[4])))

    assert stats == LoadStats(staged=1, inserted=0, updated=1, deleted=0, unchanged=0)
    assert entry_days(clean_warehouse) == {1: JAN[4], 2: JAN[0]}


def test_entry_moved_out_of_the_window_leaves_it_then_lands_once(clean_warehouse: Engine) -> None:
    win = window(JAN[0], JAN[1])
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0]), entry(2, JAN[1])))

    left = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0])))
    landed = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[9], JAN[9]), frame(entry(2, JAN[9])))

    assert left.deleted == 1 and landed.inserted == 1
    assert entry_days(clean_warehouse) == {1: JAN[0], 2: JAN[9]}


def test_rows_outside_the_window_are_untouched(clean_warehouse: Engine) -> None:
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[2]),
         frame(entry(1, JAN[0]), entry(2, JAN[1]), entry(3, JAN[2])))
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[2], "other"),
         frame(entry(1, JAN[1], report_key="other"), entry(9, JAN[1], report_key="other")))
    outside = "NOT (report_key = 'team' AND entry_date = '2025-01-02')"
    before = checksum(clean_warehouse, where=outside)

    stats = load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[1], JAN[1]), frame(entry(4, JAN[1])))

    assert stats == LoadStats(staged=1, inserted=1, updated=0, deleted=1, unchanged=0)
    assert checksum(clean_warehouse, where=outside) == before
    assert sorted(rows(clean_warehouse, "SELECT report_key, time_entry_id FROM toggl.report_time_entries")) == [
        ("other", 1), ("other", 9), ("team", 1), ("team", 3), ("team", 4),
    ]


def test_open_ended_window_and_equals_only_window(clean_warehouse: Engine) -> None:
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[3]),
         frame(entry(1, JAN[0]), entry(2, JAN[2]), entry(3, JAN[3])))

    from_jan3 = Window(equals={"report_key": "team"}, date_column="entry_date", start=JAN[2])
    assert load(clean_warehouse, tables.REPORT_TIME_ENTRIES, from_jan3, frame(entry(3, JAN[3]))).deleted == 1
    whole_report = Window(equals={"report_key": "team"})
    assert load(clean_warehouse, tables.REPORT_TIME_ENTRIES, whole_report, frame()).deleted == 2
    assert entry_days(clean_warehouse) == {}


# -- failures leave the table as it was ---------------------------------------------------------------


def _bad_type_page() -> pd.DataFrame:
    page = frame(entry(30, JAN[0]))
    page["seconds"] = ["an hour"]
    return page


FAILURES = {
    "duplicate key across pages": ([frame(entry(3, JAN[0]))], DuplicateKeyError, "toggl.report_time_entries"),
    "row outside the window": ([frame(entry(30, JAN[5]))], OutsideWindowError, "toggl.report_time_entries"),
    "other report in the window": ([frame(entry(30, JAN[0], report_key="x"))], OutsideWindowError, "report_key"),
    "not-null violation at merge": ([frame(entry(30, JAN[0], start_at=None))], psycopg.errors.NotNullViolation, "start_at"),
    "wrong type in a later page": ([_bad_type_page()], LoadError, "seconds"),
    "server rejects a value during COPY": ([frame(entry(30, JAN[0], description="nul\x00byte"))], psycopg.Error, "0x00"),
    "missing column": ([frame(entry(30, JAN[0])).drop(columns="tag_ids")], LoadError, "tag_ids"),
}


@pytest.mark.parametrize("name", FAILURES)
def test_failure_mid_load_leaves_the_table_byte_identical(clean_warehouse: Engine, name: str) -> None:
    win = window(JAN[0], JAN[1])
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0]), entry(2, JAN[1])))
    before = checksum(clean_warehouse)
    later_pages, error, message = FAILURES[name]
    good_page = frame(entry(1, JAN[0], description="changed"), entry(3, JAN[0]))  # would update, insert, delete

    with pytest.raises(error, match=message):
        load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, good_page, *later_pages)

    assert checksum(clean_warehouse) == before


def test_failure_after_merge_in_the_same_transaction_rolls_back(clean_warehouse: Engine) -> None:
    win = window(JAN[0], JAN[0])
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0])))
    before = checksum(clean_warehouse)

    with pytest.raises(RuntimeError, match="boom"), clean_warehouse.begin() as conn:
        loader = WindowLoad(conn, tables.REPORT_TIME_ENTRIES, win)
        loader.stage(frame(entry(2, JAN[0])))
        assert loader.merge().deleted == 1
        raise RuntimeError("boom")

    assert checksum(clean_warehouse) == before


def test_duplicate_key_message_names_table_and_key(clean_warehouse: Engine) -> None:
    with pytest.raises(DuplicateKeyError) as caught:
        load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[0]),
             frame(entry(5, JAN[0]), entry(5, JAN[0])))
    assert "toggl.report_time_entries" in str(caught.value)
    assert "(report_key, time_entry_id)=(team, 5)" in str(caught.value)


def test_naive_timestamps_are_refused(clean_warehouse: Engine) -> None:
    page = frame(entry(1, JAN[0]))
    page["start_at"] = page["start_at"].dt.tz_localize(None)
    with pytest.raises(LoadError, match="timezone-aware"):
        load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[0]), page)


# -- transactions -----------------------------------------------------------------------------------


def test_several_loads_of_one_table_in_one_transaction(clean_warehouse: Engine) -> None:
    spec = tables.REPORT_TOTALS
    totals = lambda start, end, seconds: pd.DataFrame([{  # noqa: E731
        "report_key": "team", "window_start": start, "window_end": end, "resolution": "day",
        "seconds": seconds, "billable_amount_in_cents": 0, "labour_cost_in_cents": 0, "tracked_days": 1,
    }])
    with clean_warehouse.begin() as conn:
        for start, end in ((JAN[0], JAN[6]), (JAN[7], JAN[13])):
            snapshot = Window(equals={"report_key": "team", "window_start": start, "window_end": end})
            loader = WindowLoad(conn, spec, snapshot)
            loader.stage(totals(start, end, 60))
            assert loader.merge().inserted == 1

    assert LoadStats(1, 1, 0, 0, 0) + LoadStats(2, 0, 1, 3, 1) == LoadStats(3, 1, 1, 3, 1)
    assert rows(clean_warehouse, "SELECT window_start, seconds FROM toggl.report_totals ORDER BY 1") == [
        (JAN[0], 60), (JAN[7], 60),
    ]


def test_concurrent_loads_of_one_window_leave_one_of_them_whole(clean_warehouse: Engine) -> None:
    win = window(JAN[0], JAN[1])
    pages = {
        "a": frame(*(entry(i, JAN[i % 2], description="a") for i in range(1, 301))),
        "b": frame(*(entry(i, JAN[(i + 1) % 2], description="b") for i in range(400, 150, -1))),
    }
    staged = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            with clean_warehouse.begin() as conn:
                loader = WindowLoad(conn, tables.REPORT_TIME_ENTRIES, win)
                loader.stage(pages[name])
                staged.wait(timeout=30)
                loader.merge()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    final = rows(clean_warehouse, "SELECT time_entry_id, description FROM toggl.report_time_entries")
    winner = {d for _, d in final}
    assert len(winner) == 1  # one load's window, whole; never a mix or a duplicate
    assert sorted(i for i, _ in final) == sorted(pages[winner.pop()]["time_entry_id"].tolist())


def test_commit_as_you_go_connection(clean_warehouse: Engine) -> None:
    with clean_warehouse.connect() as conn:
        loader = WindowLoad(conn, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[0]))
        loader.stage(frame(entry(1, JAN[0])))
        loader.merge()
        conn.commit()
    assert entry_days(clean_warehouse) == {1: JAN[0]}


def test_window_can_be_set_after_staging(clean_warehouse: Engine) -> None:
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[1]), frame(entry(1, JAN[0]), entry(2, JAN[1])))
    with clean_warehouse.begin() as conn:
        loader = WindowLoad(conn, tables.REPORT_TIME_ENTRIES, window=None)
        loader.stage(frame(entry(1, JAN[0])))
        loader.window = window(JAN[0], JAN[1])
        assert loader.merge().deleted == 1


def test_invalid_windows_are_refused(clean_warehouse: Engine) -> None:
    with pytest.raises(ValueError, match="after end"):
        window(JAN[2], JAN[1])
    with pytest.raises(ValueError):
        Window(equals={})
    with clean_warehouse.begin() as conn, pytest.raises(ValueError, match="not loaded columns"):
        WindowLoad(conn, tables.REPORT_TIME_ENTRIES, Window(equals={"workspace_id": 1}))


# -- dimensions -------------------------------------------------------------------------------------


def test_dimensions_are_upserted_and_never_deleted(clean_warehouse: Engine) -> None:
    clients = lambda *items: pd.DataFrame(  # noqa: E731
        [{"client_id": cid, "name": name, "attributes": {"id": cid, "name": name}} for cid, name in items]
    )
    first = load(clean_warehouse, tables.CLIENTS, None, clients((1, "NASA"), (2, "ESA")))
    untouched = checksum(clean_warehouse, "toggl.clients", where="client_id = 2")
    second = load(clean_warehouse, tables.CLIENTS, None, clients((2, "ESA"), (1, "NASA JPL"), (3, "JAXA")))

    assert first == LoadStats(staged=2, inserted=2, updated=0, deleted=0, unchanged=0)
    assert second == LoadStats(staged=3, inserted=1, updated=1, deleted=0, unchanged=1)
    assert rows(clean_warehouse, "SELECT client_id, name, attributes FROM toggl.clients ORDER BY 1") == [
        (1, "NASA JPL", {"id": 1, "name": "NASA JPL"}),
        (2, "ESA", {"id": 2, "name": "ESA"}),
        (3, "JAXA", {"id": 3, "name": "JAXA"}),
    ]
    assert checksum(clean_warehouse, "toggl.clients", where="client_id = 2") == untouched
    assert load(clean_warehouse, tables.CLIENTS, None, clients((5, "CNSA"))).deleted == 0


# -- exact round trips ------------------------------------------------------------------------------


def test_arrays_jsonb_timestamps_and_nulls_round_trip_exactly(clean_warehouse: Engine) -> None:
    tokyo = timezone(timedelta(hours=9))
    start = datetime(2025, 1, 1, 23, 59, 59, 999999, tzinfo=tokyo)
    page = frame(
        entry(1, JAN[0], start_at=start, stop_at=None, is_running=True, seconds=0, tag_ids=[], tag_names=[],
              description="naïve 🚀 'quoted' \\ back\tslash", user_id=None, hourly_rate_in_cents=None,
              currency=None, updated_at=datetime(2025, 1, 2, 0, 0, tzinfo=timezone.utc)),
        entry(2, JAN[0], tag_ids=[9_007_199_254_740_993, 2], tag_names=["with,comma", "with \"quote\""],
              description="", client_name=None),
        entry(3, JAN[0], tag_ids=np.array([-1, None, 3], dtype=object), tag_names=("x", None, "NULL")),
    )
    page["description"] = page["description"].astype("str")
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[0]), page)

    got = rows(clean_warehouse, "SELECT start_at, stop_at, is_running, tag_ids, tag_names, description, user_id, "
                                "hourly_rate_in_cents, currency, client_name FROM toggl.report_time_entries ORDER BY time_entry_id")
    assert got[0] == (start, None, True, [], [], "naïve 🚀 'quoted' \\ back\tslash", None, None, None, "NASA")
    assert got[0][0].utcoffset() is not None
    assert got[1][3:6] == ([9_007_199_254_740_993, 2], ["with,comma", 'with "quote"'], "")
    assert got[1][9] is None
    assert got[2][3:5] == ([-1, None, 3], ["x", None, "NULL"])


@pytest.mark.parametrize(("column", "cell"), [("tag_ids", ["1"]), ("tag_names", [1]), ("tag_ids", "1,2")])
def test_bad_array_cells_fail_the_load(clean_warehouse: Engine, column: str, cell: object) -> None:
    page = frame(entry(1, JAN[0]))
    page[column] = [cell]
    with pytest.raises((LoadError, psycopg.DataError)):
        load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[0]), page)
    assert entry_days(clean_warehouse) == {}


def test_repeated_arrays_in_one_page_round_trip_each_as_its_own(clean_warehouse: Engine) -> None:
    """Repeated, reordered and near-miss arrays in one COPY each round-trip as themselves."""
    cells = [([1, 2], ["a", "b"]), ([2, 1], ["b", "a"]), ([1, 2], ["a", "b"]), ([], []), ([None], [None]),
             ([1, 2], ["a", "b"]), ([1], ["a"]), ([], []), ([None], [None])]
    page = frame(*(entry(i + 1, JAN[0], tag_ids=ids, tag_names=names) for i, (ids, names) in enumerate(cells)))
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[0]), page)

    got = rows(clean_warehouse, "SELECT tag_ids, tag_names FROM toggl.report_time_entries ORDER BY time_entry_id")
    assert got == [(list(ids), list(names)) for ids, names in cells]


@pytest.mark.parametrize("cell", [[[1], 2], [1.5], [1.0], [1, "2"]])
def test_an_array_refused_after_equal_good_ones_still_fails_the_load(clean_warehouse: Engine, cell: list) -> None:
    page = frame(entry(1, JAN[0], tag_ids=[1, 2]), entry(2, JAN[0], tag_ids=[1]), entry(3, JAN[0], tag_ids=cell))
    with pytest.raises(LoadError, match="toggl.report_time_entries: staged row 3 cannot be written"):
        load(clean_warehouse, tables.REPORT_TIME_ENTRIES, window(JAN[0], JAN[0]), page)
    assert entry_days(clean_warehouse) == {}


def test_jsonb_and_numpy_values_round_trip(clean_warehouse: Engine) -> None:
    by_rate = {"10000": {"seconds": 3600, "amount": 10000}, "nested": [1, None, "ü", {"a": True}], "f": 1.5}
    graph = pd.DataFrame({
        "report_key": ["team", "team"],
        "window_start": [JAN[0], JAN[0]],
        "window_end": [JAN[6], JAN[6]],
        "bucket_index": np.array([0, 1], dtype=np.int32),
        "bucket_start": pd.to_datetime(["2025-01-01", "2025-01-02"]),  # datetime64 -> date
        "seconds": np.array([3600, 0], dtype=np.int64),
        "billable_amount_in_cents": [10000.0, 0.0],  # integral floats are accepted
        "labour_cost_in_cents": pd.array([5, 0], dtype="Int64"),
        "by_rate": [by_rate, {}],
    })
    snapshot = Window(equals={"report_key": "team", "window_start": JAN[0], "window_end": JAN[6]})

    load(clean_warehouse, tables.REPORT_TOTALS_GRAPH, snapshot, graph)

    assert rows(clean_warehouse, "SELECT bucket_index, bucket_start, seconds, billable_amount_in_cents, "
                                 "labour_cost_in_cents, by_rate FROM toggl.report_totals_graph ORDER BY 1") == [
        (0, JAN[0], 3600, 10000, 5, by_rate),
        (1, JAN[1], 0, 0, 0, {}),
    ]


def test_profitability_window_by_workspace_resolution_currency(clean_warehouse: Engine) -> None:
    def export(workspace_id: object, *projects: tuple[str, date, int]) -> pd.DataFrame:
        return pd.DataFrame([{
            "workspace_id": workspace_id, "resolution": "day", "currency": "usd", "period_start": day,
            "project_name": name, "client_name": "", "project_id": None, "total_seconds": seconds,
            "billable_seconds": seconds, "earnings_in_cents": 0, "labour_cost_in_cents": 0, "profit_in_cents": 0,
            "extra": {"Members": 2},
        } for name, day, seconds in projects])

    def ws_window(workspace_id: object, day: date) -> Window:
        return Window(equals={"workspace_id": workspace_id, "resolution": "day", "currency": "usd"},
                      date_column="period_start", start=day, end=day)

    load(clean_warehouse, tables.PROFITABILITY_PROJECTS, ws_window(1, JAN[0]), export(1, ("A", JAN[0], 60), ("B", JAN[0], 30)))
    load(clean_warehouse, tables.PROFITABILITY_PROJECTS, ws_window(2, JAN[0]), export(2, ("A", JAN[0], 5)))

    stats = load(clean_warehouse, tables.PROFITABILITY_PROJECTS, ws_window(np.int64(1), JAN[0]),
                 export(np.int64(1), ("A", JAN[0], 90)))

    assert stats == LoadStats(staged=1, inserted=0, updated=1, deleted=1, unchanged=0)
    assert rows(clean_warehouse, "SELECT workspace_id, project_name, total_seconds, extra "
                                 "FROM toggl.profitability_projects ORDER BY 1, 2") == [
        (1, "A", 90, {"Members": 2}), (2, "A", 5, {"Members": 2}),
    ]


def test_merge_leaves_the_callers_planner_settings_as_they_were(clean_warehouse: Engine) -> None:
    win = window(JAN[0], JAN[1])
    load(clean_warehouse, tables.REPORT_TIME_ENTRIES, win, frame(entry(1, JAN[0]), entry(2, JAN[1])))
    with clean_warehouse.begin() as conn:
        pg = conn.connection.driver_connection
        pg.execute("SET LOCAL enable_nestloop = on")
        loader = WindowLoad(conn, tables.REPORT_TIME_ENTRIES, win)
        loader.stage(frame(entry(1, JAN[0])))
        assert loader.merge().deleted == 1  # the delete runs with nested loops off, for itself only
        assert pg.execute("SHOW enable_nestloop").fetchone()[0] == "on"
