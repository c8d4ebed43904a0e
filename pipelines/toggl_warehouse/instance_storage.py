"""Dagster instance storage that keeps its connections: Dagster's own SQLite and Postgres storages, warm.

Both of Dagster's storages open a new connection for every event they store (SQLAlchemy's NullPool), and a
one-year backfill run stores two events per day (planned, then materialized): 730 of them, more of the
run's time than its own loading. Files, tables and queries stay Dagster's, so an instance moves freely
between these classes and Dagster's defaults.

Local (``dagster.yaml``: ``LocalSqliteStorage``). Dagster's ``SqliteEventLogStorage`` builds a new engine
per event, so a new SQLite connection, freshly compiled statements, and a write-ahead-log checkpoint to disk
when it closes. Here each shard keeps one engine (the most recently used few, so a webserver browsing many
runs holds few files open), its connection stays open between events, and SQLite runs with
``synchronous=NORMAL`` in WAL mode: every commit survives a crash of the process; only a power loss can undo
commits made since the last checkpoint, which costs a re-run (every load is idempotent per window), never a
wrong row. Dagster's live view of a run (the UI's run page) is woken by a change to the run's database
file, which a closing connection used to cause by checkpointing; commits now stay in the run's ``-wal``
file, so storing an event touches the database file once it is committed, and Dagster's own watcher sees
it as before. Dagster stores a batch of events (a run's planned events, the materializations of a
partition range) one event at a time, two SQLite transactions each; here a batch takes one transaction per
shard, with Dagster's own statements in Dagster's order.

Production (``deploy/dagster.yaml``: ``WarmPostgresStorage``). dagster-postgres holds a connection only in
the webserver (``optimize_for_webserver``); every other process (the daemon, run workers, the CLI)
connects and authenticates once per statement. Here the run and event-log storages hold one connection
each in every process, as the webserver's do, recycled hourly. Dagster's Postgres event log writes a
batch of materializations in one INSERT.

Both storages turn Dagster's event batching on in the process that builds them (``DAGSTER_EVENT_BATCH_SIZE``,
an environment variable Dagster reads at each event, with no instance setting) unless it is set already:
a year's run then stores its 365 planned events and 365 materializations in a few transactions.

Connections inherited through a fork are forgotten in the child (the parent owns them).
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import dagster._check as check
import sqlalchemy as sa
from dagster import Field, StringSource
from dagster._core.errors import DagsterInvariantViolationError
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from dagster_postgres import (
    DagsterPostgresStorage,
    PostgresEventLogStorage,
    PostgresRunStorage,
    PostgresScheduleStorage,
)
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

EVENT_BATCH_SIZE = "1000"
"""``DAGSTER_EVENT_BATCH_SIZE`` for a process that builds one of these storages and has none set (see the module)."""
OPEN_SHARDS = 8
"""Engines (one open SQLite connection each) a process keeps: the index shard and its busiest runs."""
POSTGRES_POOL = {"statement_timeout": 0, "pool_recycle": 3600, "max_overflow": 10}
"""The Postgres storages' pool outside the webserver: one kept connection, more for concurrent threads (the
daemon's) closed when returned, recycled hourly, no statement timeout (as their NullPool connections had)."""


class _RemembersTables:
    """Dagster's event logs ask whether a table exists before storing each tagged asset event, on a connection
    of its own (a new engine on SQLite, a second pooled one on Postgres); a table that exists stays
    (migrations only add), so a yes is remembered."""

    def has_table(self, table_name: str) -> bool:
        seen = self.__dict__.setdefault("_tables_seen", set())
        if table_name not in seen and super().has_table(table_name):
            seen.add(table_name)
        return table_name in seen


class LocalSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite instance storage (runs, schedules: unchanged) with a `WarmSqliteEventLogStorage`.

    Config: ``base_dir``, the instance home; defaults to ``$DAGSTER_HOME``."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # DagsterSqliteStorage.__init__ would build Dagster's event log storage too: build the parts here.
        self.base_dir = check.str_param(base_dir, "base_dir")
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = WarmSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = check.opt_inst_param(inst_data, "inst_data", ConfigurableClassData)
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value) -> LocalSqliteStorage:
        base_dir = config_value.get("base_dir") or os.environ.get("DAGSTER_HOME")
        if not base_dir:
            raise DagsterInvariantViolationError(
                "dagster.yaml: the local storage needs a home: set DAGSTER_HOME to a directory "
                "(`./run dev` and `toggl-warehouse` use ./.dagster_home) or give storage.custom.config.base_dir"
            )
        return cls.from_local(os.path.abspath(base_dir), inst_data=inst_data)


class WarmSqliteEventLogStorage(_RemembersTables, SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose shards keep their engine and one open connection (see the module)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._batch: _ShardTransactions | None = None
        _LIVE_STORAGES.add(self)
        _batch_dagster_events()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        batch = self._batch
        if batch is not None and batch.owner == threading.get_ident():
            yield batch.connection(shard, self._ready_engine)
            return
        with self._db_lock:
            with self._ready_engine(shard).connect() as conn, conn.begin():
                yield conn

    def _ready_engine(self, shard: str) -> sa.Engine:
        engine = self._engine(check.str_param(shard, "shard"))
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    def _engine(self, shard: str) -> sa.Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                # One kept connection: Dagster's _db_lock lets one thread at a time use the event log. Its
                # shard set-up inspects the schema on a second one, which is closed when returned.
                pool_size=1,
                max_overflow=4,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            sa.event.listen(engine, "connect", _relaxed_sync)
            self._engines[shard] = engine
            while len(self._engines) > OPEN_SHARDS:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    def close_shards(self, *, close: bool = True) -> None:
        """Close every kept connection (``close=False`` after a fork: forget them, the parent owns them)."""
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose(close=close)
            self._engines.clear()

    def wipe(self) -> None:
        self.close_shards()  # the run shards' files are about to be deleted
        super().wipe()

    def store_event(self, event: EventLogEntry) -> None:
        super().store_event(event)
        self._wake_watchers(event.run_id)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Dagster's own statements for each event, in order, but one transaction per shard for the whole
        batch (a run's planned events, a range's materializations) instead of one or two per event. Other
        threads wait on Dagster's lock for the shards, as they do for a single event; a failure rolls the
        whole batch back (and Dagster then stores its events one by one)."""
        with self._db_lock:
            self._batch = _ShardTransactions(threading.get_ident())
            try:
                for event in events:
                    SqliteEventLogStorage.store_event(self, event)
                self._batch.commit()
            finally:
                self._batch.close()
                self._batch = None
        for run_id in dict.fromkeys(event.run_id for event in events):
            self._wake_watchers(run_id)

    def _wake_watchers(self, run_id: str) -> None:
        """Committed: wake the run's watchers (a file watcher on the run's .db, in this or another process).
        Touching after the commit, not on the -wal write, means a watcher never reads before the event is there."""
        with contextlib.suppress(FileNotFoundError):
            os.utime(self.path_for_shard(run_id))

    def dispose(self) -> None:
        super().dispose()
        self.close_shards()


class _ShardTransactions:
    """The open transaction of each shard a batch has written to, for the thread that stores the batch."""

    def __init__(self, owner: int):
        self.owner = owner
        self._open: dict[str, tuple[sa.Connection, sa.RootTransaction]] = {}

    def connection(self, shard: str, engine_for: Callable[[str], sa.Engine]) -> sa.Connection:
        if shard not in self._open:
            conn = engine_for(shard).connect()
            self._open[shard] = (conn, conn.begin())
        return self._open[shard][0]

    def commit(self) -> None:
        for _, transaction in self._open.values():
            transaction.commit()

    def close(self) -> None:
        """Roll back whatever was not committed, and return the connections."""
        for conn, _ in self._open.values():
            conn.close()
        self._open.clear()


class WarmPostgresEventLogStorage(_RemembersTables, PostgresEventLogStorage):
    """Dagster's Postgres event log, asking once per table whether it exists, and storing a batch it cannot
    INSERT at once (a run's planned events) in one transaction instead of two or three per event."""

    @property
    def _batch(self) -> threading.local:
        """This thread's batch: its ``connection`` is the one a batch is being stored on (else unset or None)."""
        return self.__dict__.setdefault("_batch_of_thread", threading.local())

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        if getattr(self._batch, "connection", None) is not None:
            yield self._batch.connection
            return
        with super()._connect() as conn:
            yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Dagster's one INSERT for materializations or observations; for any other batch, Dagster's own
        statements for each event, in order, in one transaction (rolled back whole on failure, after which
        Dagster stores the events one by one)."""
        kinds = {event.dagster_event_type for event in events}
        if kinds in ({DagsterEventType.ASSET_MATERIALIZATION}, {DagsterEventType.ASSET_OBSERVATION}):
            return super().store_event_batch(events)
        with super()._connect() as conn:
            conn.execution_options(isolation_level="READ COMMITTED")
            with conn.begin():
                self._batch.connection = conn
                try:
                    for event in events:
                        self.store_event(event)
                finally:
                    self._batch.connection = None


class WarmPostgresStorage(DagsterPostgresStorage):
    """Dagster's Postgres instance storage whose run and event-log storages keep one connection each.

    Config: the same as ``storage: postgres:`` (``postgres_url``, or its parts)."""

    def __init__(self, postgres_url: str, should_autocreate_tables: bool = True,
                 inst_data: ConfigurableClassData | None = None, token_provider=None):
        # DagsterPostgresStorage.__init__ would build Dagster's event log storage too: build the parts here.
        self.postgres_url = postgres_url
        self.should_autocreate_tables = check.bool_param(should_autocreate_tables, "should_autocreate_tables")
        self._inst_data = check.opt_inst_param(inst_data, "inst_data", ConfigurableClassData)
        self._run_storage = PostgresRunStorage(postgres_url, should_autocreate_tables, token_provider=token_provider)
        self._event_log_storage = WarmPostgresEventLogStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        self._schedule_storage = PostgresScheduleStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        super(DagsterPostgresStorage, self).__init__()
        self.keep_connections()
        _LIVE_STORAGES.add(self)
        _batch_dagster_events()

    def keep_connections(self) -> None:
        """Pool the run and event-log storages' connections (the webserver later sets its own pool)."""
        for storage in (self._run_storage, self._event_log_storage):
            storage.optimize_for_webserver(**POSTGRES_POOL)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value) -> WarmPostgresStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )

    def close_shards(self, *, close: bool = True) -> None:
        """Close the kept connections (``close=False`` after a fork: forget them, the parent owns them)."""
        for storage in (self._run_storage, self._event_log_storage):
            storage._engine.dispose(close=close)


def _batch_dagster_events() -> None:
    """Dagster hands a storage a run's planned events and a range's materializations as batches only when
    this process's environment says so (no instance setting does); a value already set, even 0, is kept."""
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)


def _relaxed_sync(dbapi_connection, _record) -> None:
    """NORMAL sync in WAL mode (Dagster sets it when it creates a shard): durable across process crashes. A
    shard in another journal mode keeps SQLite's FULL, where NORMAL could corrupt it on a power loss."""
    (mode,) = dbapi_connection.execute("PRAGMA journal_mode").fetchone()
    if mode.lower() == "wal":
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


_LIVE_STORAGES: weakref.WeakSet[WarmSqliteEventLogStorage | WarmPostgresStorage] = weakref.WeakSet()


def _forget_shards_after_fork() -> None:
    for storage in list(_LIVE_STORAGES):
        storage.close_shards(close=False)


os.register_at_fork(after_in_child=_forget_shards_after_fork)
