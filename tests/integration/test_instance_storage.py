"""The local instance's storage (`dagster.yaml` -> `toggl_warehouse.instance_storage`), loaded the way Dagster loads it.

Covers: a DAGSTER_HOME holding the project's dagster.yaml gets `LocalSqliteStorage` and its warm event log, in
Dagster's usual files; a single run over 60 daily partitions records every partition planned and materialized
while opening a few SQLite connections, where Dagster's default storage opens more than two per partition;
the storage turns Dagster's event batching on (a value the user set, even 0, is kept) and then commits that
run's 120 events in a few transactions instead of four per partition, read back the same by Dagster's own
storage; a batch that fails half way is rolled back whole and Dagster's fallback stores each event once;
a second instance on the same home (as the webserver is a second process) reads those events while the
writer still holds its connections, and its live run watcher (Dagster's own) is woken by a commit that is
still in the run's -wal file; WAL shards sync NORMAL, others keep SQLite's FULL; without DAGSTER_HOME, one
line says what to set. And the production `deploy/dagster.yaml` (Postgres) records the same run with a
couple of kept connections, where Dagster's `storage: postgres:` opens one per statement; it turns batching on
too and then writes the run in under 40 transactions instead of about 390 (the cluster's transaction ids),
and a planned batch that fails half way is rolled back whole and stored again one by one.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
import sqlalchemy as sa
from dagster._core.instance.ref import InstanceRef

from toggl_warehouse.instance_storage import (
    EVENT_BATCH_SIZE,
    LocalSqliteStorage,
    WarmPostgresStorage,
    WarmPostgresEventLogStorage,
    WarmSqliteEventLogStorage,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DAYS = dg.DailyPartitionsDefinition(start_date="2025-01-01", end_date="2025-03-02")  # 60 days


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def daily() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 1})


RANGE = {"dagster/asset_partition_range_start": "2025-01-01", "dagster/asset_partition_range_end": "2025-03-01"}
RANGE_DAYS = [key for key in DAYS.get_partition_keys() if key <= RANGE["dagster/asset_partition_range_end"]]


def home_with(tmp_path: Path, config: Path | None) -> Path:
    home = tmp_path / "home"
    home.mkdir(parents=True)
    if config is not None:
        shutil.copy(config, home / "dagster.yaml")
    return home


class EventLogConnects:
    """Counts the connections any SQLAlchemy pool opens while in use: SQLite ones to the event log's files
    (history/runs/*.db; the run storage's few per run do not grow with the partitions), and Postgres ones."""

    def __init__(self):
        self.count = 0
        self.postgres = 0

    def _connected(self, dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            (_, _, filename), *_ = dbapi_connection.execute("PRAGMA database_list").fetchall()
            self.count += Path(filename).parent.parts[-2:] == ("history", "runs")
        elif isinstance(dbapi_connection, psycopg2.extensions.connection):
            self.postgres += 1

    def __enter__(self) -> EventLogConnects:
        sa.event.listen(sa.pool.Pool, "connect", self._connected)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(sa.pool.Pool, "connect", self._connected)


def run_sixty_days(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    job = dg.Definitions(assets=[daily]).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, tags=RANGE)


def materialized(instance: dg.DagsterInstance) -> set[str]:
    return set(instance.get_materialized_partitions(daily.key))


def test_project_dagster_yaml_gives_the_warm_storage_in_dagsters_files(tmp_path, monkeypatch):
    home = home_with(tmp_path, ROOT / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.get_ref().storage_data.rehydrate(LocalSqliteStorage), LocalSqliteStorage)
        assert isinstance(instance.event_log_storage, WarmSqliteEventLogStorage)
        result = run_sixty_days(instance)
        assert result.success

    run_shard = home / "history" / "runs" / f"{result.run_id}.db"
    assert run_shard.exists() and (home / "history" / "runs" / "index.db").exists()
    assert (home / "history" / "runs.db").exists() and (home / "schedules" / "schedules.db").exists()
    # Dagster's default storage reads the same home: the history moves freely between the two.
    (home / "dagster.yaml").unlink()
    with dg.DagsterInstance.get() as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert len(materialized(instance)) == 60
        assert instance.get_run_by_id(result.run_id).is_success


def test_a_sixty_day_run_records_every_partition_with_a_few_connections(tmp_path, monkeypatch):
    warm_home = home_with(tmp_path / "warm", ROOT / "dagster.yaml")
    default_home = home_with(tmp_path / "default", None)

    counted = {}
    for name, home in (("warm", warm_home), ("default", default_home)):
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.get() as instance:
            instance.get_runs(limit=1)  # creates the storage before counting
            with EventLogConnects() as connects:
                result = run_sixty_days(instance)
            counted[name] = connects.count
            assert result.success
            assert len(materialized(instance)) == 60
            planned = instance.get_records_for_run(
                result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, limit=1000
            ).records
            assert len(planned) == 60

    assert counted["default"] > 2 * 60, counted  # a connection per event and shard
    assert counted["warm"] <= 4, counted  # the index shard's and the run shard's, and the latter's set-up


class EventLogCommits:
    """Counts the transactions committed to the event log's SQLite files (history/runs/*.db)."""

    def __init__(self):
        self.count = 0

    def _committed(self, conn) -> None:
        self.count += Path(conn.engine.url.database or "").parent.parts[-2:] == ("history", "runs")

    def __enter__(self) -> EventLogCommits:
        sa.event.listen(sa.engine.Engine, "commit", self._committed)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(sa.engine.Engine, "commit", self._committed)


def user_batch_size(monkeypatch, value: str | None) -> None:
    """DAGSTER_EVENT_BATCH_SIZE as a user may leave it: unset (None) or set to `value`."""
    if value is None:
        monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE", raising=False)
    else:
        monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", value)


def recorded(instance: dg.DagsterInstance, run_id: str) -> dict[str, list[str]]:
    """The partitions of the run's planned and materialization events, in the order stored."""
    return {kind.value: [record.event_log_entry.dagster_event.partition for record in
                         instance.get_records_for_run(run_id, of_type=kind, limit=1000).records]
            for kind in (dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, dg.DagsterEventType.ASSET_MATERIALIZATION)}


def test_a_run_stores_its_planned_events_and_materializations_as_batches(tmp_path, monkeypatch):
    committed, stored = {}, {}
    for batch_size in (None, "0"):  # unset: the storage turns batching on; "0", set by the user: kept
        home = home_with(tmp_path / str(batch_size), ROOT / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        user_batch_size(monkeypatch, batch_size)
        with dg.DagsterInstance.get() as instance:
            instance.get_runs(limit=1)
            assert os.environ["DAGSTER_EVENT_BATCH_SIZE"] == (batch_size or EVENT_BATCH_SIZE)
            with EventLogCommits() as commits:
                result = run_sixty_days(instance)
            assert result.success
            committed[batch_size], stored[batch_size] = commits.count, recorded(instance, result.run_id)
            assert materialized(instance) == set(RANGE_DAYS)
        # Dagster's own storage reads the batched events the same
        (home / "dagster.yaml").unlink()
        with dg.DagsterInstance.get() as instance:
            assert recorded(instance, result.run_id) == stored[batch_size]
            assert materialized(instance) == set(RANGE_DAYS)

    assert stored[None] == stored["0"] == {"ASSET_MATERIALIZATION_PLANNED": RANGE_DAYS, "ASSET_MATERIALIZATION": RANGE_DAYS}
    assert committed["0"] >= 4 * 60, committed  # each planned and materialized partition: run shard + index
    assert committed[None] <= 30, committed  # the two batches: a transaction per shard each; the step's events


def test_a_second_instance_reads_and_watches_while_the_writer_holds_its_connections(tmp_path, monkeypatch):
    home = home_with(tmp_path, ROOT / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as writer, dg.DagsterInstance.get() as reader:
        result = run_sixty_days(writer)
        assert len(materialized(reader)) == 60  # read through the writer's uncheckpointed WAL
        run = writer.get_run_by_id(result.run_id)
        seen_before = reader.get_records_for_run(result.run_id, limit=10_000)
        assert not seen_before.has_more

        arrived = threading.Event()
        messages: list[str] = []

        def on_event(entry, _cursor) -> None:
            messages.append(entry.dagster_event.message)
            if entry.dagster_event.message == "written after the watch began":
                arrived.set()

        reader.watch_event_logs(result.run_id, seen_before.cursor, on_event)
        try:
            writer.report_engine_event("written after the watch began", run)
            wal = home / "history" / "runs" / f"{result.run_id}.db-wal"
            assert wal.exists() and wal.stat().st_size > 0  # the commit is in the -wal file
            assert arrived.wait(timeout=30), messages
        finally:
            reader.end_watch_event_logs(result.run_id, on_event)
        assert messages == ["written after the watch began"]


def test_without_dagster_home_one_line_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    ref = InstanceRef.from_dir(str(tmp_path / "temporary_home"), config_dir=str(ROOT))  # plain `dagster dev`
    with pytest.raises(dg.DagsterInvariantViolationError) as error:
        dg.DagsterInstance.from_ref(ref).get_runs()
    assert str(error.value) == (
        "dagster.yaml: the local storage needs a home: set DAGSTER_HOME to a directory "
        "(`./run dev` and `toggl-warehouse` use ./.dagster_home) or give storage.custom.config.base_dir"
    )


def test_wal_shards_sync_normal_and_other_journals_keep_full(tmp_path):
    storage = WarmSqliteEventLogStorage(str(tmp_path / "runs"))
    try:
        with storage.index_connection() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1  # NORMAL
        legacy = sqlite3.connect(storage.path_for_shard("legacy"))  # a shard in rollback-journal mode
        legacy.execute("PRAGMA journal_mode=DELETE")
        legacy.close()
        with storage.run_connection("legacy") as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "delete"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL, SQLite's default
    finally:
        storage.dispose()


def test_the_production_instance_keeps_its_postgres_connections(tmp_path, monkeypatch, instance_database):
    warm_home = home_with(tmp_path / "warm", ROOT / "deploy" / "dagster.yaml")
    default_home = home_with(tmp_path / "default", None)
    (default_home / "dagster.yaml").write_text("storage:\n  postgres:\n    postgres_url:\n      env: DAGSTER_PG_URL\n")
    monkeypatch.setenv("DAGSTER_PG_URL", instance_database)
    user_batch_size(monkeypatch, None)

    counted = {}
    for name, home in (("warm", warm_home), ("default", default_home)):
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.get() as instance:
            instance.get_runs(limit=1)
            with EventLogConnects() as connects:
                result = run_sixty_days(instance)
            counted[name] = connects.postgres
            assert result.success
            assert len(materialized(instance)) == 60
        if name == "warm":
            assert isinstance(instance.get_ref().storage_data.rehydrate(WarmPostgresStorage), WarmPostgresStorage)
            assert os.environ["DAGSTER_EVENT_BATCH_SIZE"] == EVENT_BATCH_SIZE  # it turned batching on

    assert counted["default"] > 2 * 60, counted  # a connection per statement outside the webserver
    assert counted["warm"] <= 4, counted  # one kept by the run storage, one by the event log


def write_transactions(database_url: str) -> int:
    """The cluster's transaction-id counter (each writing transaction takes one; reading it takes one too)."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT txid_current()").scalar_one()
        conn.commit()
    engine.dispose()
    return value


def test_the_production_instance_stores_a_runs_planned_events_in_one_transaction(tmp_path, monkeypatch, instance_database):
    monkeypatch.setenv("DAGSTER_PG_URL", instance_database)
    transactions, stored = {}, {}
    for batch_size in ("0", None):  # set by the user: kept; unset: the storage turns batching on
        home = home_with(tmp_path / str(batch_size), ROOT / "deploy" / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        user_batch_size(monkeypatch, batch_size)
        with dg.DagsterInstance.get() as instance:
            instance.get_runs(limit=1)
            before = write_transactions(instance_database)
            result = run_sixty_days(instance)
            transactions[batch_size] = write_transactions(instance_database) - before
            assert result.success
            stored[batch_size] = recorded(instance, result.run_id)
            assert materialized(instance) == set(RANGE_DAYS)

    assert stored[None] == stored["0"] == {"ASSET_MATERIALIZATION_PLANNED": RANGE_DAYS, "ASSET_MATERIALIZATION": RANGE_DAYS}
    assert transactions["0"] >= 4 * 60, transactions  # each event's INSERT and its index transaction
    assert transactions[None] <= 40, transactions


FAILING_BATCHES = {  # instance config, its event log, whether it is storing a batch in this thread, an error
    "sqlite": (ROOT / "dagster.yaml", WarmSqliteEventLogStorage, lambda storage: storage._batch is not None,
               sqlite3.OperationalError("disk I/O error")),
    "postgres": (ROOT / "deploy" / "dagster.yaml", WarmPostgresEventLogStorage,
                 lambda storage: getattr(storage._batch, "connection", None) is not None,
                 psycopg2.OperationalError("server closed the connection")),
}


@pytest.mark.parametrize("instance_kind", FAILING_BATCHES)
def test_a_batch_that_fails_half_way_leaves_nothing_and_dagster_stores_its_events_one_by_one(
        instance_kind, tmp_path, monkeypatch, request):
    config, storage_class, in_a_batch, error = FAILING_BATCHES[instance_kind]
    monkeypatch.setenv("DAGSTER_HOME", str(home_with(tmp_path, config)))
    if instance_kind == "postgres":
        monkeypatch.setenv("DAGSTER_PG_URL", request.getfixturevalue("instance_database"))
    user_batch_size(monkeypatch, None)
    store = storage_class._store_asset_event
    failed = []

    def fails_once_in_a_batch(self, conn, event, event_id):
        if in_a_batch(self) and not failed and event.dagster_event.partition == "2025-01-30":
            failed.append(event.dagster_event.event_type_value)
            raise sa.exc.OperationalError("INSERT", {}, error)
        return store(self, conn, event, event_id)

    monkeypatch.setattr(storage_class, "_store_asset_event", fails_once_in_a_batch)
    with dg.DagsterInstance.get() as instance:
        result = run_sixty_days(instance)
        assert result.success
        assert failed == ["ASSET_MATERIALIZATION_PLANNED"]  # after the batch had stored January's, uncommitted
        assert recorded(instance, result.run_id) == {"ASSET_MATERIALIZATION_PLANNED": RANGE_DAYS,
                                                     "ASSET_MATERIALIZATION": RANGE_DAYS}
        assert materialized(instance) == set(RANGE_DAYS)
