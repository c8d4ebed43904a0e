"""Window loads: binary COPY of DataFrames into a temp staging table, then one set-based merge.

A ``WindowLoad`` owns one slice of one table (the ``Window``): after ``merge`` the slice holds exactly
the staged rows. Target rows in the window whose key was not staged are deleted; staged rows are
upserted by key, and a row is only rewritten (``loaded_at`` included) when a compared column changed,
so re-running a window with the same data changes nothing. A staged key may currently live outside the
window (an entry moved to another day): the upsert moves it, it is never duplicated. ``window=None``
only upserts (dimension tables). A first load into an empty window is a plain INSERT from the stage
(under a savepoint; any key conflict falls back to the full merge).

Rows are staged from a DataFrame (``stage``) or as ready tuples in column order (``stage_rows``, what the
flatteners' record form gives, with no pandas in between), with psycopg's own binary dumpers.

Everything happens in the caller's transaction (``with engine.begin() as conn``): any failure rolls the
whole window back, leaving the table exactly as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy import Connection

from toggl_warehouse.warehouse.tables import TableSpec

_stage_numbers = itertools.count(1)


class LoadError(RuntimeError):
    """Staged data cannot be merged; the transaction must be rolled back."""


class DuplicateKeyError(LoadError):
    """Two staged rows share a key."""


class OutsideWindowError(LoadError):
    """A staged row lies outside the window the load owns."""


@dataclass(frozen=True)
class Window:
    """The slice of a table one load owns: ``equals`` columns equal to values and, optionally,
    ``date_column`` between ``start`` and ``end`` (inclusive; an omitted bound is open)."""

    equals: Mapping[str, object] = field(default_factory=dict)
    date_column: str | None = None
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if not self.equals and self.date_column is None:
            raise ValueError("a Window needs equals columns or a date_column (use window=None to upsert only)")
        if any(value is None for value in self.equals.values()):
            raise ValueError("Window.equals values must not be None")
        if self.date_column is None and (self.start or self.end):
            raise ValueError("Window start/end need a date_column")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"Window start {self.start} is after end {self.end}")

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.equals) + ((self.date_column,) if self.date_column else ())

    def predicate(self, alias: str) -> tuple[sql.Composable, list[object]]:
        """SQL condition "row of ``alias`` lies in the window", and its parameters."""
        conditions: list[sql.Composable] = []
        params: list[object] = []
        for column, value in self.equals.items():
            conditions.append(sql.SQL("{} = %s").format(sql.Identifier(alias, column)))
            params.append(value.item() if isinstance(value, np.generic) else value)  # numpy scalar -> Python
        for bound, operator in ((self.start, ">="), (self.end, "<=")):
            if bound is not None:
                column = sql.Identifier(alias, self.date_column)
                conditions.append(sql.SQL("{} {} %s").format(column, sql.SQL(operator)))
                params.append(bound)
        if not conditions:  # date_column without bounds: any non-null date
            conditions.append(sql.SQL("{} IS NOT NULL").format(sql.Identifier(alias, self.date_column)))
        return sql.SQL(" AND ").join(conditions), params


@dataclass(frozen=True)
class LoadStats:
    staged: int
    inserted: int
    updated: int
    deleted: int
    unchanged: int

    def __add__(self, other: LoadStats) -> LoadStats:
        """Field-wise sum (several windows of one table in one run)."""
        if not isinstance(other, LoadStats):
            return NotImplemented
        return LoadStats(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


class WindowLoad:
    """Stage DataFrames page by page, then merge them into ``spec``'s table as one window replace."""

    def __init__(self, conn: Connection, spec: TableSpec, window: Window | None) -> None:
        self._spec = spec
        self._merged = False
        self.window = window
        if not conn.in_transaction():
            conn.begin()  # like SQLAlchemy's autobegin: the caller's commit() commits the load
        self._pg: psycopg.Connection = conn.connection.driver_connection
        if self._pg.autocommit:
            raise LoadError(f"{spec.qualified_name}: WindowLoad needs a transaction, not an autocommit connection")
        self._stage = sql.Identifier(f"_stage_{spec.schema}_{spec.table}_{next(_stage_numbers)}")
        self._target = sql.Identifier(spec.schema, spec.table)
        self._staged = 0
        self._execute(
            sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                self._stage, _identifiers(spec.column_names), self._target,
            )
        )

    @property
    def spec(self) -> TableSpec:
        return self._spec

    @property
    def window(self) -> Window | None:
        return self._window

    @window.setter
    def window(self, window: Window | None) -> None:
        """The window may be set or narrowed after staging (e.g. once paging knows the range), before merge."""
        if self._merged:
            raise LoadError(f"{self._spec.qualified_name}: window changed after merge()")
        _validate_window(self._spec, window)
        self._window = window

    def stage(self, frame: pd.DataFrame) -> int:
        """COPY (binary) ``frame[spec columns]`` into the staging table; return the rows staged."""
        if self._merged:
            raise LoadError(f"{self._spec.qualified_name}: stage() after merge()")
        missing = [name for name in self._spec.column_names if name not in frame.columns]
        if missing:
            raise LoadError(f"{self._spec.qualified_name}: frame lacks columns {missing}")
        if frame.empty:
            return 0
        columns = [
            copy_values(frame[column.name], column.pg_type, f"{self._spec.qualified_name}.{column.name}")
            for column in self._spec.columns
        ]
        return self.stage_rows(zip(*columns))

    def stage_rows(self, rows: Iterable[Sequence[Any]]) -> int:
        """COPY (binary) rows given as tuples of Python values in ``spec.column_names`` order (ints, str,
        bool, ``date``, timezone-aware ``datetime``, lists for arrays, None for NULL); return the rows staged."""
        if self._merged:
            raise LoadError(f"{self._spec.qualified_name}: stage_rows() after merge()")
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            self._stage, _identifiers(self._spec.column_names)
        )
        staged = 0
        with self._pg.cursor() as cursor:
            with cursor.copy(statement) as copy:
                copy.set_types(list(self._spec.pg_types))
                write_row = copy.write_row
                try:
                    for row in rows:
                        write_row(row)
                        staged += 1
                except (TypeError, ValueError, psycopg.DataError) as exc:
                    if getattr(exc, "sqlstate", None):  # the server's refusal: its own error, as it said it
                        raise
                    # a value psycopg cannot write as its column's type (a str in an int8[], a ragged array)
                    raise LoadError(f"{self._spec.qualified_name}: staged row {staged + 1} cannot be written "
                                    f"({type(exc).__name__}: {exc})") from None
        self._staged += staged
        return staged

    def merge(self) -> LoadStats:
        """Check the staged rows, delete window rows not staged, upsert changed rows; return counts."""
        if self._merged:
            raise LoadError(f"{self._spec.qualified_name}: merge() called twice")
        self._merged = True
        self._lock_slice()
        if self._window is not None:
            self._reject_rows_outside_window()
            if self._insert_into_empty_window():
                self._execute(sql.SQL("DROP TABLE {}").format(self._stage))
                return LoadStats(self._staged, self._staged, 0, 0, 0)
        self._index_stage()
        self._analyze_stage()
        deleted = 0
        if self._window is not None:
            deleted = self._delete_unstaged()
        inserted, updated = self._upsert()
        self._execute(sql.SQL("DROP TABLE {}").format(self._stage))  # free it now, not at commit
        unchanged = self._staged - inserted - updated
        return LoadStats(self._staged, inserted, updated, deleted, unchanged)

    # -- merge steps ------------------------------------------------------------------------------

    def _lock_slice(self) -> None:
        """Serialise concurrent loads of the same slice (parallel workers, a backfill beside the daily
        run) until commit, instead of letting them deadlock on each other's rows."""
        equals = sorted((k, str(v)) for k, v in self._window.equals.items()) if self._window else []
        self._execute(sql.SQL("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"),
                      [f"toggl-warehouse load {self._spec.qualified_name} {equals}"])

    def _insert_into_empty_window(self) -> bool:
        """A first load: when the target holds nothing in the window, a plain INSERT of the staged rows (no
        conflict handling, no staging index) is the whole merge. A staged key that already lives elsewhere
        (an entry moved in from an unloaded day) or twice in the stage makes it fail: then it is undone to
        its savepoint and the full merge runs. True when it did the job."""
        predicate, params = self._window.predicate("t")
        if self._fetchone(sql.SQL("SELECT EXISTS (SELECT 1 FROM {} AS t WHERE {})").format(self._target, predicate), params)[0]:
            return False
        columns = _identifiers(self._spec.column_names)
        try:
            with self._pg.transaction():  # a savepoint inside the load's transaction
                self._execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(self._target, columns, columns, self._stage))
        except psycopg.errors.UniqueViolation:
            return False
        return True

    def _index_stage(self) -> None:
        """A unique index on the staged keys: rejects duplicate keys (naming one) and keeps the delete's
        anti-join fast whatever the planner estimates (a just-loaded target often has stale statistics,
        and a nested loop over an unindexed staging table would be quadratic)."""
        statement = sql.SQL("CREATE UNIQUE INDEX ON {} ({})").format(self._stage, _identifiers(self._spec.key))
        try:
            self._execute(statement)
        except psycopg.errors.UniqueViolation as exc:
            detail = exc.diag.message_detail or "a key appears more than once"
            raise DuplicateKeyError(
                f"{self._spec.qualified_name}: staged rows share a key ({detail}); a key must appear once per load"
            ) from None

    def _analyze_stage(self) -> None:
        """Statistics for the planner: autovacuum never analyzes a temp table."""
        window_columns = self._window.columns if self._window else ()
        columns = self._spec.key + tuple(c for c in window_columns if c not in self._spec.key)
        self._execute(sql.SQL("ANALYZE {} ({})").format(self._stage, _identifiers(columns)))

    def _reject_rows_outside_window(self) -> None:
        assert self._window is not None
        predicate, params = self._window.predicate("s")
        shown = self._spec.key + tuple(c for c in self._window.columns if c not in self._spec.key)
        row = self._fetchone(
            sql.SQL("SELECT {} FROM {} AS s WHERE NOT coalesce({}, false) LIMIT 1").format(
                _identifiers(shown), self._stage, predicate
            ),
            params,
        )
        if row is not None:
            raise OutsideWindowError(
                f"{self._spec.qualified_name}: staged row {dict(zip(shown, row))} lies outside the "
                f"window {_describe(self._window)}"
            )

    def _delete_unstaged(self) -> int:
        assert self._window is not None
        predicate, params = self._window.predicate("t")
        same_key = sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier("s", k), sql.Identifier("t", k)) for k in self._spec.key
        )
        statement = sql.SQL(
            "DELETE FROM {target} AS t WHERE {predicate} "
            "AND NOT EXISTS (SELECT 1 FROM {stage} AS s WHERE {same_key})"
        ).format(target=self._target, predicate=predicate, stage=self._stage, same_key=same_key)
        with self._pg.cursor() as cursor:
            # Both sides are bounded (the window's rows, the staged rows): a hash or merge anti-join is linear
            # in them, where the nested loop a just-loaded target's stale statistics invite probes the staging
            # index once per window row (about twice as slow on a whole re-loaded window). Local to this
            # statement; a rollback (to a savepoint) restores it too.
            previous = cursor.execute("SELECT current_setting('enable_nestloop')").fetchone()[0]
            cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
            cursor.execute(statement, params)
            deleted = cursor.rowcount
            cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [previous])
            return deleted

    def _upsert(self) -> tuple[int, int]:
        """Insert new keys and rewrite changed rows. Unchanged staged rows are filtered out first by one hash
        anti-join against the target (cheaper than letting ON CONFLICT probe and compare every row); ON
        CONFLICT still guards the insert, so the result is the same whatever the join finds."""
        spec = self._spec
        columns = _identifiers(spec.column_names)
        same_key = sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier("t", k), sql.Identifier("s", k)) for k in spec.key
        )
        unchanged = sql.SQL("ROW({}) IS NOT DISTINCT FROM ROW({})").format(
            sql.SQL(", ").join(sql.Identifier("t", c) for c in spec.compared_columns),
            sql.SQL(", ").join(sql.Identifier("s", c) for c in spec.compared_columns),
        ) if spec.compared_columns else sql.SQL("true")
        statement = sql.SQL(
            "WITH upserted AS ("
            " INSERT INTO {target} AS t ({columns})"
            " SELECT {staged} FROM {stage} AS s"
            " WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {same_key} AND {unchanged})"
            " ON CONFLICT ({keys}) {action}"
            " RETURNING (t.xmax = 0) AS inserted)"
            " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted"
        ).format(
            target=self._target,
            columns=columns,
            staged=sql.SQL(", ").join(sql.Identifier("s", c) for c in spec.column_names),
            stage=self._stage,
            same_key=same_key,
            unchanged=unchanged,
            keys=_identifiers(spec.key),
            action=_conflict_action(spec),
        )
        inserted, updated = self._fetchone(statement)
        return inserted, updated

    # -- helpers ----------------------------------------------------------------------------------

    def _execute(self, statement: sql.Composable, params: list[object] | None = None) -> None:
        with self._pg.cursor() as cursor:
            cursor.execute(statement, params)

    def _fetchone(self, statement: sql.Composable, params: list[object] | None = None) -> tuple | None:
        with self._pg.cursor() as cursor:
            return cursor.execute(statement, params).fetchone()


def _validate_window(spec: TableSpec, window: Window | None) -> None:
    if window is None:
        return
    types = dict(zip(spec.column_names, spec.pg_types))
    unknown = [c for c in window.columns if c not in types]
    if unknown:
        raise ValueError(f"{spec.qualified_name}: window columns {unknown} are not loaded columns")
    if window.date_column and types[window.date_column] != "date":
        raise ValueError(f"{spec.qualified_name}: window date_column {window.date_column} is not a date column")


def _conflict_action(spec: TableSpec) -> sql.Composable:
    """``DO UPDATE SET ... WHERE <compared columns changed>`` (or ``DO NOTHING``)."""
    if not spec.compared_columns:
        return sql.SQL("DO NOTHING")
    assignments = [sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in spec.value_columns]
    if spec.loaded_at_column:
        assignments.append(sql.SQL("{} = now()").format(sql.Identifier(spec.loaded_at_column)))
    current = sql.SQL(", ").join(sql.Identifier("t", c) for c in spec.compared_columns)
    proposed = sql.SQL(", ").join(sql.Identifier("excluded", c) for c in spec.compared_columns)
    return sql.SQL("DO UPDATE SET {} WHERE ROW({}) IS DISTINCT FROM ROW({})").format(
        sql.SQL(", ").join(assignments), current, proposed
    )


def _identifiers(names: tuple[str, ...] | list[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _describe(window: Window) -> str:
    parts = [f"{k}={v!r}" for k, v in window.equals.items()]
    if window.date_column:
        parts.append(f"{window.start or '-inf'} <= {window.date_column} <= {window.end or '+inf'}")
    return "{" + ", ".join(parts) + "}"


# -- pandas -> Python values for binary COPY, column-wise ----------------------------------------------


def copy_values(series: pd.Series, pg_type: str, label: str) -> list[Any]:
    """The values of ``series`` as Python objects psycopg's binary dumper for ``pg_type`` accepts.

    Missing values (None, NaN, NaT, pd.NA) become None. Works per column (vectorised), not per cell,
    except for arrays and jsonb whose cells are containers.
    """
    if pg_type in ("int8", "int4"):
        values = _plain(_as_nullable_int(series, label))
    elif pg_type == "timestamptz":
        values = _timestamps(series, label)
    elif pg_type == "date":
        values = _plain(series.dt.date if _is_datetime64(series) else series)
    elif pg_type.endswith("[]"):
        values = _arrays(series, label)
    elif pg_type == "jsonb":
        values = [None if v is None else Jsonb(v) for v in _plain(series)]
    else:  # text, bool
        values = _plain(series)
    _check_sample(values, pg_type, label)
    return values


def _plain(series: pd.Series) -> list[Any]:
    """Python objects, with every missing value as None."""
    return series.to_numpy(dtype=object, na_value=None).tolist()


def _as_nullable_int(series: pd.Series, label: str) -> pd.Series:
    if series.dtype.kind in "iu" or str(series.dtype) in ("Int64", "Int32", "Int16", "Int8"):
        return series
    try:
        return series.astype("Int64")  # floats with NaN (integral only), objects holding ints/None
    except (TypeError, ValueError) as exc:
        raise LoadError(f"{label}: values are not integers ({exc})") from exc


def _timestamps(series: pd.Series, label: str) -> list[Any]:
    if _is_datetime64(series):
        if getattr(series.dtype, "tz", None) is None:
            raise LoadError(f"{label}: timestamps must be timezone-aware for a timestamptz column")
        return _plain(series.dt.to_pydatetime())
    return _plain(series)


def _is_datetime64(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series.dtype)


def _arrays(series: pd.Series, label: str) -> list[Any]:
    """Cells as lists (lists pass through untouched; tuples and numpy arrays are converted)."""
    values = _plain(series)
    if all(v is None or type(v) is list for v in values):
        return values
    return [v if v is None or type(v) is list else _as_list(v, label) for v in values]


def _as_list(value: object, label: str) -> list[Any]:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, pd.Series)):
        return list(value)
    raise LoadError(f"{label}: expected a list for an array column, got {type(value).__name__}")


_EXPECTED: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "int8": (int, np.integer),
    "int4": (int, np.integer),
    "bool": (bool, np.bool_),
    "date": (date,),
    "timestamptz": (datetime,),
}


def _check_sample(values: list[Any], pg_type: str, label: str) -> None:
    """Fail early, with the column name, when the first non-null value has the wrong Python type."""
    expected = _EXPECTED.get(pg_type)
    if expected is None:
        return
    sample = next((v for v in values if v is not None), None)
    if sample is None:
        return
    wrong = not isinstance(sample, expected) or (pg_type in ("int8", "int4") and isinstance(sample, bool))
    if pg_type == "timestamptz" and not wrong and sample.tzinfo is None:
        raise LoadError(f"{label}: timestamps must be timezone-aware for a timestamptz column")
    if wrong:
        raise LoadError(f"{label}: expected {pg_type} values, got {type(sample).__name__}")
