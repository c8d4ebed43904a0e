"""The shape of every table the loader writes: columns with their Postgres types, and the key.

Columns are those of ``sql/`` minus ``loaded_at`` (set by the merge) and in the same order; the types
are the names psycopg's binary ``COPY ... set_types`` understands. ``tests/integration`` checks these
specs against the catalogue after the migrations ran.
"""

from __future__ import annotations

from dataclasses import dataclass

PG_TYPES = frozenset({"text", "int8", "int4", "date", "timestamptz", "bool", "int8[]", "text[]", "jsonb"})


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str

    def __post_init__(self) -> None:
        if self.pg_type not in PG_TYPES:
            raise ValueError(f"column {self.name}: unsupported type {self.pg_type!r}")


@dataclass(frozen=True)
class TableSpec:
    """A loaded table: ``qualified_name`` ("schema.table"), its loaded columns and its primary key.

    ``compare_exclude`` names columns never compared to decide whether a row changed; ``loaded_at`` (not
    a loaded column) is set to ``now()`` whenever a row is inserted or changed.
    """

    qualified_name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    compare_exclude: tuple[str, ...] = ("loaded_at",)
    loaded_at_column: str | None = "loaded_at"

    def __post_init__(self) -> None:
        names = self.column_names
        if len(set(names)) != len(names):
            raise ValueError(f"{self.qualified_name}: duplicate column names")
        missing = [k for k in self.key if k not in names]
        if missing or not self.key:
            raise ValueError(f"{self.qualified_name}: key columns {missing or '()'} are not loaded columns")
        if self.qualified_name.count(".") != 1:
            raise ValueError(f"{self.qualified_name!r} is not schema.table")

    @property
    def schema(self) -> str:
        return self.qualified_name.split(".")[0]

    @property
    def table(self) -> str:
        return self.qualified_name.split(".")[1]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def pg_types(self) -> tuple[str, ...]:
        return tuple(c.pg_type for c in self.columns)

    @property
    def value_columns(self) -> tuple[str, ...]:
        """Loaded columns outside the key (updated by the merge)."""
        return tuple(n for n in self.column_names if n not in self.key)

    @property
    def compared_columns(self) -> tuple[str, ...]:
        """Value columns whose change makes the merge rewrite a row."""
        return tuple(n for n in self.value_columns if n not in self.compare_exclude)


def _columns(*pairs: str) -> tuple[Column, ...]:
    """``_columns("a text", "b int8")`` -> Column tuple (keeps the specs as readable as the DDL)."""
    return tuple(Column(*pair.split()) for pair in pairs)


REPORT_TIME_ENTRIES = TableSpec(
    "toggl.report_time_entries",
    _columns(
        "report_key text",
        "time_entry_id int8",
        "entry_date date",
        "start_at timestamptz",
        "stop_at timestamptz",
        "seconds int8",
        "is_running bool",
        "updated_at timestamptz",
        "user_id int8",
        "username text",
        "email text",
        "project_id int8",
        "project_name text",
        "project_color text",
        "project_hex text",
        "client_name text",
        "task_id int8",
        "task_name text",
        "description text",
        "billable bool",
        "tag_ids int8[]",
        "tag_names text[]",
        "hourly_rate_in_cents int8",
        "currency text",
        "row_billable_amount_in_cents int8",
        "billable_amount_in_cents int8",
    ),
    key=("report_key", "time_entry_id"),
)

REPORT_TOTALS = TableSpec(
    "toggl.report_totals",
    _columns(
        "report_key text",
        "window_start date",
        "window_end date",
        "resolution text",
        "seconds int8",
        "billable_amount_in_cents int8",
        "labour_cost_in_cents int8",
        "tracked_days int4",
    ),
    key=("report_key", "window_start", "window_end"),
)

REPORT_TOTALS_GRAPH = TableSpec(
    "toggl.report_totals_graph",
    _columns(
        "report_key text",
        "window_start date",
        "window_end date",
        "bucket_index int4",
        "bucket_start date",
        "seconds int8",
        "billable_amount_in_cents int8",
        "labour_cost_in_cents int8",
        "by_rate jsonb",
    ),
    key=("report_key", "window_start", "window_end", "bucket_index"),
)

REPORT_RATES = TableSpec(
    "toggl.report_rates",
    _columns(
        "report_key text",
        "window_start date",
        "window_end date",
        "hourly_rate_in_cents int8",
        "currency text",
        "billable_seconds int8",
    ),
    key=("report_key", "window_start", "window_end", "hourly_rate_in_cents", "currency"),
)

REPORT_SUMMARY = TableSpec(
    "toggl.report_summary",
    _columns(
        "report_key text",
        "window_start date",
        "window_end date",
        "grouping text",
        "sub_grouping text",
        "group_id int8",
        "group_name text",
        "sub_group_key text",
        "sub_group_id int8",
        "sub_group_title text",
        "project_color text",
        "project_hex_color text",
        "seconds int8",
        "rates jsonb",
        "time_entry_ids int8[]",
    ),
    key=("report_key", "window_start", "window_end", "group_id", "sub_group_key"),
)

REPORT_WEEKLY = TableSpec(
    "toggl.report_weekly",
    _columns(
        "report_key text",
        "day date",
        "row_key text",
        "user_id int8",
        "user_name text",
        "project_id int8",
        "project_name text",
        "client_name text",
        "project_color text",
        "project_hex_color text",
        "planned_task_id int8",
        "hourly_rate_in_cents int8",
        "currency text",
        "seconds int8",
        "billable_seconds int8",
        "billable_amount_in_cents int8",
    ),
    key=("report_key", "day", "row_key"),
)

CLIENTS = TableSpec(
    "toggl.clients",
    _columns("client_id int8", "name text", "attributes jsonb"),
    key=("client_id",),
)

PROJECTS = TableSpec(
    "toggl.projects",
    _columns(
        "project_id int8",
        "name text",
        "client_id int8",
        "color text",
        "billable bool",
        "active bool",
        "currency text",
        "attributes jsonb",
    ),
    key=("project_id",),
)

TAGS = TableSpec(
    "toggl.tags",
    _columns("tag_id int8", "name text", "attributes jsonb"),
    key=("tag_id",),
)

TASKS = TableSpec(
    "toggl.tasks",
    _columns("task_id int8", "name text", "project_id int8", "attributes jsonb"),
    key=("task_id",),
)

USERS = TableSpec(
    "toggl.users",
    _columns("user_id int8", "name text", "email text", "attributes jsonb"),
    key=("user_id",),
)

USER_GROUPS = TableSpec(
    "toggl.user_groups",
    _columns("user_group_id int8", "name text", "attributes jsonb"),
    key=("user_group_id",),
)

PROFITABILITY_PROJECTS = TableSpec(
    "toggl.profitability_projects",
    _columns(
        "workspace_id int8",
        "resolution text",
        "currency text",
        "period_start date",
        "project_name text",
        "client_name text",
        "project_id int8",
        "total_seconds int8",
        "billable_seconds int8",
        "earnings_in_cents int8",
        "labour_cost_in_cents int8",
        "profit_in_cents int8",
        "extra jsonb",
    ),
    key=("workspace_id", "resolution", "currency", "period_start", "project_name", "client_name"),
)

DIMENSION_TABLES: dict[str, TableSpec] = {
    "clients": CLIENTS,
    "projects": PROJECTS,
    "tags": TAGS,
    "tasks": TASKS,
    "users": USERS,
    "user_groups": USER_GROUPS,
}

ALL_TABLES: tuple[TableSpec, ...] = (
    REPORT_TIME_ENTRIES,
    REPORT_TOTALS,
    REPORT_TOTALS_GRAPH,
    REPORT_RATES,
    REPORT_SUMMARY,
    REPORT_WEEKLY,
    *DIMENSION_TABLES.values(),
    PROFITABILITY_PROJECTS,
)
