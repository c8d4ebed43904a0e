"""The local Dagster instance's storage: Dagster's own SQLite storage, with its event log kept warm.

Dagster's ``SqliteEventLogStorage`` builds a new SQLAlchemy engine, so a new SQLite connection and freshly
compiled statements, for every event it stores, and closing that connection checkpoints the write-ahead
log to disk. A one-year backfill run stores two events per day (planned, then materialized): 730 of them,
about 5 s on this 2-core machine, more than the run's own loading. Here each shard keeps one engine (the
most recently used few, so a webserver browsing many runs holds few files open), its connection stays
open between events, and SQLite runs with ``synchronous=NORMAL`` in WAL mode: every commit survives a
crash of the process; only a power loss can undo commits made since the last checkpoint, which costs a
re-run (every load is idempotent per window), never a wrong row. Files, schema and queries are Dagster's,
so an instance home moves freely between this class and Dagster's default.

Dagster's live view of a run (the UI's run page) is woken by a change to the run's database file, which a
closing connection used to cause by checkpointing; commits now stay in the run's ``-wal`` file, so storing
an event touches the database file once it is committed, and Dagster's own watcher sees it as before.

``dagster.yaml`` names it (``storage: custom:``); the production instance (``deploy/dagster.yaml``) keeps
its storage in Postgres and does not use it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster._check as check
import sqlalchemy as sa
from dagster import Field, StringSource
from dagster._core.errors import DagsterInvariantViolationError
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

OPEN_SHARDS = 8
"""Engines (one open SQLite connection each) a process keeps: the index shard and its busiest runs."""


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


class WarmSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose shards keep their engine and one open connection (see the module)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables_seen: set[str] = set()
        _LIVE_STORAGES.add(self)
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(check.str_param(shard, "shard"))
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

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

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before storing each tagged asset event, on a new engine each time; a table that
        exists stays (migrations only add), so a yes is remembered."""
        if table_name not in self._tables_seen and super().has_table(table_name):
            self._tables_seen.add(table_name)
        return table_name in self._tables_seen

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
        # Committed: wake the run's watchers (a file watcher on the run's .db, in this or another process).
        # Touching after the commit, not on the -wal write, means a watcher never reads before the event is there.
        with contextlib.suppress(FileNotFoundError):
            os.utime(self.path_for_shard(event.run_id))

    def dispose(self) -> None:
        super().dispose()
        self.close_shards()


def _relaxed_sync(dbapi_connection, _record) -> None:
    """NORMAL sync in WAL mode (Dagster sets it when it creates a shard): durable across process crashes. A
    shard in another journal mode keeps SQLite's FULL, where NORMAL could corrupt it on a power loss."""
    (mode,) = dbapi_connection.execute("PRAGMA journal_mode").fetchone()
    if mode.lower() == "wal":
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


_LIVE_STORAGES: weakref.WeakSet[WarmSqliteEventLogStorage] = weakref.WeakSet()


def _forget_shards_after_fork() -> None:
    for storage in list(_LIVE_STORAGES):
        storage.close_shards(close=False)


os.register_at_fork(after_in_child=_forget_shards_after_fork)
