"""The warehouse's tables and views for Python: built from the generated ``catalog.py``, plus what SQL cannot say.

The SQL migrations in ``sql/`` are the one declaration of every table and view (columns, types, NOT NULL, keys,
``COMMENT ON``). ``catalog.py`` is generated from a database migrated to head (``python -m
toggl_warehouse.warehouse.generate``; ``tests/integration/test_warehouse_catalog.py`` fails while it is stale).
This module adds only what the catalogue does not hold: which tables the loader writes (:data:`LOADED_TABLES`, by
the convention :func:`_is_loaded`; merged by their primary key, ``loaded_at`` set by the merge), the COPY type of each catalogue type, and the
pandas dtype a flattener gives each loaded column. The flatteners take column order and dtypes from here
(``toggl_warehouse.transform``), the loader COPYs and merges by it (``toggl_warehouse.load.window``), and the asset
specs carry it as ``dagster/column_schema`` (``toggl_warehouse.assets.warehouse``).
"""

from __future__ import annotations

from dataclasses import dataclass

from toggl_warehouse.warehouse import catalog

COPY_TYPE_OF_CATALOGUE_TYPE = {
    "text": "text",
    "bigint": "int8",
    "integer": "int4",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "boolean": "bool",
    "bigint[]": "int8[]",
    "text[]": "text[]",
    "jsonb": "jsonb",
}
"""Postgres catalogue type names (format_type) -> the names psycopg's binary ``COPY ... set_types`` understands."""

LOADED_AT = "loaded_at"
"""The column of every loaded table the merge sets to ``now()`` whenever it inserts or changes a row (not loaded)."""


@dataclass(frozen=True)
class Column:
    """A column as the catalogue lists it: name, ``format_type`` name, NULL allowed, comment."""

    name: str
    data_type: str
    nullable: bool
    description: str

    @property
    def pg_type(self) -> str:
        """The COPY type name (loaded columns only)."""
        try:
            return COPY_TYPE_OF_CATALOGUE_TYPE[self.data_type]
        except KeyError:
            raise ValueError(f"column {self.name}: no COPY type for {self.data_type!r}") from None

    @property
    def pandas_dtype(self) -> str:
        """The dtype a flattener gives this column: integers int64 (nullable: Int64), booleans bool (nullable:
        boolean), timestamps datetime64[us, UTC], everything else object (str, date, lists, dicts and None as they are)."""
        if self.pg_type in ("int8", "int4"):
            return "Int64" if self.nullable else "int64"
        if self.pg_type == "bool":
            return "boolean" if self.nullable else "bool"
        if self.pg_type == "timestamptz":
            return "datetime64[us, UTC]"
        return "object"


@dataclass(frozen=True)
class _Relation:
    qualified_name: str
    kind: str
    description: str
    all_columns: tuple[Column, ...]
    key: tuple[str, ...]
    reads: tuple[str, ...]

    @property
    def schema(self) -> str:
        return self.qualified_name.split(".")[0]

    @property
    def table(self) -> str:
        return self.qualified_name.split(".")[1]

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.all_columns


@dataclass(frozen=True)
class TableSpec(_Relation):
    """A table the loader writes: COPYs ``columns`` (every column but ``loaded_at``, in table order) into a stage,
    then merges by ``key``; a row whose ``compared_columns`` are unchanged is left alone."""

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.all_columns if c.name != LOADED_AT)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def pg_types(self) -> tuple[str, ...]:
        return tuple(c.pg_type for c in self.columns)

    @property
    def dtypes(self) -> dict[str, str]:
        """Column name -> pandas dtype, in column order (see :attr:`Column.pandas_dtype`)."""
        return {c.name: c.pandas_dtype for c in self.columns}

    @property
    def loaded_at_column(self) -> str:
        return LOADED_AT

    @property
    def value_columns(self) -> tuple[str, ...]:
        """Loaded columns outside the key (updated by the merge)."""
        return tuple(n for n in self.column_names if n not in self.key)

    @property
    def compared_columns(self) -> tuple[str, ...]:
        """Value columns whose change makes the merge rewrite a row."""
        return self.value_columns


class RelationSpec(_Relation):
    """A relation the migrations create but the loader never writes: a view (``kind="view"``), or a table filled
    by a migration or by triggers (``kind="table"``). ``reads``: for a view the relations it selects from; for a
    table the tables whose triggers write it."""


_CATALOG = {relation["name"]: relation for relation in catalog.RELATIONS}


def _spec(name: str, cls: type[_Relation] = RelationSpec) -> _Relation:
    r = _CATALOG[name]
    return cls(name, r["kind"], r["comment"], tuple(Column(*c) for c in r["columns"]), r["key"], r["reads"])


def _is_loaded(relation: dict) -> bool:
    """The convention of ``sql/``: a table the loader writes has a primary key and a ``loaded_at`` column, and no
    trigger writes it (``toggl.time_entries`` has both but is kept by triggers)."""
    return (relation["kind"] == "table" and bool(relation["key"]) and not relation["reads"]
            and any(column[0] == LOADED_AT for column in relation["columns"]))


def _table(name: str) -> TableSpec:
    """A loaded table; every type must be one COPY can write."""
    spec = _spec(name, TableSpec)
    assert isinstance(spec, TableSpec)
    spec.pg_types  # noqa: B018 - raises for a type COPY cannot write
    return spec


LOADED_TABLES: dict[str, TableSpec] = {r["name"]: _table(r["name"]) for r in catalog.RELATIONS if _is_loaded(r)}
"""Every table the loader writes, by qualified name: a new migration's table that follows the convention is
one without any edit here (a report type's rows table: ``load.report_kinds``)."""
ALL_TABLES: tuple[TableSpec, ...] = tuple(LOADED_TABLES.values())

REPORT_TIME_ENTRIES = LOADED_TABLES["toggl.report_time_entries"]
REPORT_TOTALS = LOADED_TABLES["toggl.report_totals"]
REPORT_TOTALS_GRAPH = LOADED_TABLES["toggl.report_totals_graph"]
REPORT_RATES = LOADED_TABLES["toggl.report_rates"]
REPORT_SUMMARY = LOADED_TABLES["toggl.report_summary"]
REPORT_WEEKLY = LOADED_TABLES["toggl.report_weekly"]
CLIENTS = LOADED_TABLES["toggl.clients"]
PROJECTS = LOADED_TABLES["toggl.projects"]
TAGS = LOADED_TABLES["toggl.tags"]
TASKS = LOADED_TABLES["toggl.tasks"]
USERS = LOADED_TABLES["toggl.users"]
USER_GROUPS = LOADED_TABLES["toggl.user_groups"]
DIMENSION_TABLES: dict[str, TableSpec] = {spec.table: spec for spec in (CLIENTS, PROJECTS, TAGS, TASKS, USERS, USER_GROUPS)}
"""The dimension tables by the name of the report dictionary that fills them."""
PROFITABILITY_PROJECTS = LOADED_TABLES["toggl.profitability_projects"]

RELATIONS: tuple[RelationSpec, ...] = tuple(
    _spec(r["name"]) for r in catalog.RELATIONS if r["name"] not in LOADED_TABLES  # type: ignore[misc]
)
"""Views and reference tables, upstream first (a view follows the relations it reads)."""

ALL_RELATIONS: tuple[TableSpec | RelationSpec, ...] = ALL_TABLES + RELATIONS
"""Everything in the schemas ``toggl`` and ``reporting``."""
