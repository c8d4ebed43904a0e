"""Every table and view of the warehouse, declared once: columns with their types, nullability and comments,
the key, and what each view reads.

This is the single declaration the rest follows: the flatteners take their column order from it
(``pipelines.transform``), the loader COPYs and merges by it (``pipelines.load.window``), and the Dagster asset
specs of the tables and views carry it as ``dagster/column_schema`` (``pipelines.assets.warehouse``). The SQL
migrations in ``sql/`` stay hand-written (DDL, indexes, views); ``tests/integration/test_warehouse_declaration.py``
proves that after the migrations ran the catalogue says exactly what is declared here: names, order, types,
NOT NULL, primary key, every table and column comment, and the relations each view reads.

Loaded columns are those of the table minus ``loaded_at`` (set by the merge; declared once as
:data:`LOADED_AT`) and in table order; their types are the names psycopg's binary ``COPY ... set_types``
understands.
"""

from __future__ import annotations

from dataclasses import dataclass

PG_TYPES = frozenset({"text", "int8", "int4", "date", "timestamptz", "bool", "int8[]", "text[]", "jsonb"})
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
"""Postgres catalogue type names (format_type) -> the COPY type names of PG_TYPES (the tests compare through it)."""


@dataclass(frozen=True)
class Column:
    """A loaded column: its name, COPY type, comment (``COMMENT ON COLUMN``) and whether it may be NULL."""

    name: str
    pg_type: str
    description: str = ""
    nullable: bool = True

    def __post_init__(self) -> None:
        if self.pg_type not in PG_TYPES:
            raise ValueError(f"column {self.name}: unsupported type {self.pg_type!r}")


LOADED_AT = Column("loaded_at", "timestamptz", "When this row was last inserted or changed by a load.", nullable=False)
"""The last column of every loaded table, set to ``now()`` by the merge whenever a row is inserted or changed."""


@dataclass(frozen=True)
class TableSpec:
    """A loaded table: ``qualified_name`` ("schema.table"), its comment, its loaded columns and its primary key.

    ``compare_exclude`` names columns never compared to decide whether a row changed; ``loaded_at`` (not
    a loaded column) is set to ``now()`` whenever a row is inserted or changed.
    """

    qualified_name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    compare_exclude: tuple[str, ...] = ("loaded_at",)
    loaded_at_column: str | None = "loaded_at"
    description: str = ""

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

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Every column of the table as the catalogue lists it: the loaded ones, then ``loaded_at``."""
        return self.columns + ((LOADED_AT,) if self.loaded_at_column else ())


@dataclass(frozen=True)
class RelationColumn:
    """A column of a view or reference table: name, the catalogue's type (``format_type``), comment, NULL allowed."""

    name: str
    data_type: str
    description: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class RelationSpec:
    """A relation the migrations create but the loader never writes: a view (``kind="view"``), or a table filled
    by a migration or by triggers (``kind="table"``). ``reads``: for a view the relations it selects from, as
    the catalogue's ``view_table_usage`` lists them; for a table the relations whose triggers write it."""

    qualified_name: str
    kind: str
    description: str
    columns: tuple[RelationColumn, ...]
    reads: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("view", "table"):
            raise ValueError(f"{self.qualified_name}: kind {self.kind!r} is neither 'view' nor 'table'")

    @property
    def schema(self) -> str:
        return self.qualified_name.split(".")[0]

    @property
    def table(self) -> str:
        return self.qualified_name.split(".")[1]

    @property
    def all_columns(self) -> tuple[RelationColumn, ...]:
        return self.columns


# ---- loaded tables (sql/003, 004, 005, 006, 009, 020) ------------------------------------------------------

REPORT_TIME_ENTRIES = TableSpec(
    "toggl.report_time_entries",
    description=(
        "One row per time entry per shared detailed report; a loaded window is replaced as a whole, so entries deleted "
        "or moved in Toggl leave their old day."
    ),
    columns=(
        Column("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS).", nullable=False),
        Column("time_entry_id", "int8", "Toggl time entry id.", nullable=False),
        Column(
            "entry_date",
            "date",
            "Local date of the entry start, as written in Toggl's start string; the daily partition it belongs to.",
            nullable=False,
        ),
        Column("start_at", "timestamptz", "Start of the entry (with the offset Toggl reported).", nullable=False),
        Column("stop_at", "timestamptz", "End of the entry; NULL while the timer is running."),
        Column(
            "seconds",
            "int8",
            "Duration in seconds as Toggl reports it (0 for a running timer that reports a negative duration).",
            nullable=False,
        ),
        Column("is_running", "bool", "True when the entry had no stop time when fetched.", nullable=False),
        Column("updated_at", "timestamptz", "Toggl's last modification time of the entry (the at field)."),
        Column("user_id", "int8", "Toggl user id."),
        Column("username", "text", "User name shown in the report."),
        Column("email", "text", "User email shown in the report."),
        Column("project_id", "int8", "Toggl project id; NULL for an entry without project."),
        Column("project_name", "text", "Project name shown in the report."),
        Column("project_color", "text", "Project colour (project_color field)."),
        Column("project_hex", "text", "Project colour as hex (project_hex field)."),
        Column("client_name", "text", "Client of the project; NULL when the project has none."),
        Column("task_id", "int8", "Toggl task id; NULL without task."),
        Column("task_name", "text", "Task name."),
        Column("description", "text", "Entry description, verbatim."),
        Column("billable", "bool", "Whether the entry is billable.", nullable=False),
        Column("tag_ids", "int8[]", "Tag ids of the entry.", nullable=False),
        Column("tag_names", "text[]", "Tag names of the entry, in the order of tag_ids.", nullable=False),
        Column(
            "hourly_rate_in_cents", "int8",
            "Hourly rate applied, in 1/100 of the currency unit; NULL when no rate applies (Toggl sends null).",
        ),
        Column("currency", "text", "Currency of the rate and amounts (ISO code as Toggl reports it)."),
        Column(
            "row_billable_amount_in_cents",
            "int8",
            (
                "Billable amount of the whole report row this entry was grouped in, in 1/100 of the currency unit; "
                "NULL when no rate applies (Toggl sends null: unpriced, not free) or when the report hides amounts "
                "(hide_amounts)."
            ),
        ),
        Column(
            "billable_amount_in_cents",
            "int8",
            (
                "This entry's share of its row's billable amount, pro rata by seconds with largest-remainder rounding: "
                "shares sum to the row amount to the cent. In 1/100 of the currency unit; NULL when no rate applies or "
                "the report hides amounts; 0 when Toggl says zero."
            ),
        ),
    ),
    key=("report_key", "time_entry_id"),
)

REPORT_TOTALS = TableSpec(
    "toggl.report_totals",
    description="Totals Toggl returned for one report over one fetched window (one row per report x window).",
    columns=(
        Column("report_key", "text", "Name of the shared report.", nullable=False),
        Column("window_start", "date", "First date of the fetched window.", nullable=False),
        Column("window_end", "date", "Last date of the fetched window (inclusive).", nullable=False),
        Column("resolution", "text", "Bucket size of the graph: day, week or month."),
        Column("seconds", "int8", "Total tracked seconds in the window.", nullable=False),
        Column(
            "billable_amount_in_cents",
            "int8",
            "Total billable amount in 1/100 of the currency unit; NULL when the report hides amounts.",
        ),
        Column(
            "labour_cost_in_cents",
            "int8",
            "Total labour cost in 1/100 of the currency unit, kept when the report hides its billable amounts; NULL "
            "when Toggl does not send it.",
        ),
        Column("tracked_days", "int4", "Number of days with tracked time.", nullable=False),
    ),
    key=("report_key", "window_start", "window_end"),
)

REPORT_TOTALS_GRAPH = TableSpec(
    "toggl.report_totals_graph",
    description="One row per graph bucket of a report window's totals.",
    columns=(
        Column("report_key", "text", "Name of the shared report.", nullable=False),
        Column("window_start", "date", "First date of the fetched window.", nullable=False),
        Column("window_end", "date", "Last date of the fetched window (inclusive).", nullable=False),
        Column("bucket_index", "int4", "0-based position of the bucket in Toggl's graph array.", nullable=False),
        Column(
            "bucket_start",
            "date",
            "First date of the bucket: the day, the Monday of the week, or the first of the month, by resolution.",
            nullable=False,
        ),
        Column("seconds", "int8", "Tracked seconds in the bucket.", nullable=False),
        Column(
            "billable_amount_in_cents",
            "int8",
            "Billable amount in the bucket, in 1/100 of the currency unit; NULL when the report hides amounts.",
        ),
        Column(
            "labour_cost_in_cents",
            "int8",
            "Labour cost in the bucket, in 1/100 of the currency unit, kept when the report hides its billable "
            "amounts; NULL when Toggl does not send it.",
        ),
        Column(
            "by_rate",
            "jsonb",
            "Toggl's by_rate object for the bucket, as received; {} when the report hides amounts.",
            nullable=False,
        ),
    ),
    key=("report_key", "window_start", "window_end", "bucket_index"),
)

REPORT_RATES = TableSpec(
    "toggl.report_rates",
    description="Billable seconds per hourly rate and currency in a report window's totals.",
    columns=(
        Column("report_key", "text", "Name of the shared report.", nullable=False),
        Column("window_start", "date", "First date of the fetched window.", nullable=False),
        Column("window_end", "date", "Last date of the fetched window (inclusive).", nullable=False),
        Column("hourly_rate_in_cents", "int8", "Hourly rate in cents.", nullable=False),
        Column("currency", "text", "Currency of the rate; empty when Toggl reports none.", nullable=False),
        Column("billable_seconds", "int8", "Billable seconds tracked at this rate.", nullable=False),
    ),
    key=("report_key", "window_start", "window_end", "hourly_rate_in_cents", "currency"),
)

REPORT_SUMMARY = TableSpec(
    "toggl.report_summary",
    description=(
        "One row per shared summary report x fetched window x group x sub-group; a window's rows are replaced as a "
        "whole, like toggl.report_totals."
    ),
    columns=(
        Column("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS).", nullable=False),
        Column("window_start", "date", "First date of the fetched window (as Toggl served it).", nullable=False),
        Column("window_end", "date", "Last date of the fetched window (inclusive).", nullable=False),
        Column(
            "grouping",
            "text",
            (
                "What the groups are: projects, users or clients (the request's or saved report's grouping, else "
                "Toggl's default projects)."
            ),
            nullable=False,
        ),
        Column(
            "sub_grouping",
            "text",
            (
                "What the sub-groups are: time_entries, users, clients, projects or tasks (else Toggl's default "
                "time_entries)."
            ),
            nullable=False,
        ),
        Column(
            "group_id",
            "int8",
            (
                "Toggl id of the group (a project, user or client id by grouping); 0 when Toggl gives none (e.g. time "
                "without project or client). Part of the key."
            ),
            nullable=False,
        ),
        Column(
            "group_name",
            "text",
            "Name of the group: Toggl's names joined with \", \"; NULL when Toggl gives none.",
        ),
        Column(
            "sub_group_key",
            "text",
            (
                "Identity of the sub-group within its group (part of the key): 'id:<sub_group_id>' when Toggl gives an "
                "id, else 'md5:<md5 of sub_group_title>' (sub-groups by time entries have no id; the title, a "
                "description, identifies them). Sub-groups Toggl sends twice with one identity (e.g. one per rate) are "
                "merged."
            ),
            nullable=False,
        ),
        Column(
            "sub_group_id",
            "int8",
            (
                "Toggl id of the sub-group (user, client, project or task id by sub-grouping); 0 when Toggl gives none "
                "(always for time_entries)."
            ),
            nullable=False,
        ),
        Column("sub_group_title", "text", "Title of the sub-group: the name, or the description for time_entries."),
        Column("project_color", "text", "Project colour of the group when grouped by projects."),
        Column("project_hex_color", "text", "Project colour as a hex string when grouped by projects."),
        Column("seconds", "int8", "Tracked seconds of the sub-group in the window.", nullable=False),
        Column(
            "rates",
            "jsonb",
            (
                "Toggl's per-rate list of the sub-group ([{hourly_rate_in_cents, currency, billable_seconds}]) as "
                "received; [] when the response carries none; money inside it is null when the report hides amounts."
            ),
            nullable=False,
        ),
        Column(
            "time_entry_ids",
            "int8[]",
            "Ids of the time entries in the sub-group, when Toggl lists them; empty otherwise.",
            nullable=False,
        ),
    ),
    key=("report_key", "window_start", "window_end", "group_id", "sub_group_key"),
)

REPORT_WEEKLY = TableSpec(
    "toggl.report_weekly",
    description=(
        "One row per shared weekly report x week row (user x project x planned task x rate) x day with time or money; "
        "a loaded date range is replaced as a whole. Days on which a week row has nothing are not stored."
    ),
    columns=(
        Column("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS).", nullable=False),
        Column(
            "day",
            "date",
            "The day of the values: the fetched window's first date plus the position in Toggl's per-day arrays.",
            nullable=False,
        ),
        Column(
            "row_key",
            "text",
            (
                "Identity of the week row (part of the key): "
                "user_id|project_id|planned_task_id|hourly_rate_in_cents|currency, an empty field for NULL (e.g. "
                "'42|1001||5000|USD'). Rows Toggl sends twice with one identity are summed."
            ),
            nullable=False,
        ),
        Column("user_id", "int8", "Toggl user id; NULL when the row is not per user."),
        Column("user_name", "text", "User name."),
        Column("project_id", "int8", "Toggl project id; NULL for time without project."),
        Column("project_name", "text", "Project name."),
        Column("client_name", "text", "Client name of the project."),
        Column("project_color", "text", "Project colour."),
        Column("project_hex_color", "text", "Project colour as a hex string."),
        Column("planned_task_id", "int8", "Toggl planned task id, when the row is per planned task."),
        Column("hourly_rate_in_cents", "int8", "Hourly rate of the row in cents."),
        Column("currency", "text", "Currency of the rate and amount."),
        Column("seconds", "int8", "Tracked seconds of the row on this day.", nullable=False),
        Column("billable_seconds", "int8", "Billable seconds of the row on this day.", nullable=False),
        Column(
            "billable_amount_in_cents",
            "int8",
            (
                "Billable amount of the row on this day, in 1/100 of the currency unit; NULL when the report hides "
                "amounts."
            ),
        ),
    ),
    key=("report_key", "day", "row_key"),
)

CLIENTS = TableSpec(
    "toggl.clients",
    description="Toggl clients seen in report dictionaries.",
    columns=(
        Column("client_id", "int8", "Toggl id.", nullable=False),
        Column("name", "text", "Client name."),
        Column(
            "attributes",
            "jsonb",
            "The dictionary entry as received, with fields not given their own column.",
            nullable=False,
        ),
    ),
    key=("client_id",),
)

PROJECTS = TableSpec(
    "toggl.projects",
    description="Toggl projects seen in report dictionaries.",
    columns=(
        Column("project_id", "int8", "Toggl id.", nullable=False),
        Column("name", "text", "Project name."),
        Column("client_id", "int8", "Client of the project; NULL without client."),
        Column("color", "text", "Project colour."),
        Column("billable", "bool", "Whether the project is billable by default."),
        Column("active", "bool", "Whether the project is active."),
        Column("currency", "text", "Currency of the project rates."),
        Column(
            "attributes",
            "jsonb",
            "The dictionary entry as received, with fields not given their own column.",
            nullable=False,
        ),
    ),
    key=("project_id",),
)

TAGS = TableSpec(
    "toggl.tags",
    description="Toggl tags seen in report dictionaries.",
    columns=(
        Column("tag_id", "int8", "Toggl id.", nullable=False),
        Column("name", "text", "Tag name."),
        Column(
            "attributes",
            "jsonb",
            "The dictionary entry as received, with fields not given their own column.",
            nullable=False,
        ),
    ),
    key=("tag_id",),
)

TASKS = TableSpec(
    "toggl.tasks",
    description="Toggl tasks seen in report dictionaries.",
    columns=(
        Column("task_id", "int8", "Toggl id.", nullable=False),
        Column("name", "text", "Task name."),
        Column("project_id", "int8", "Project of the task."),
        Column(
            "attributes",
            "jsonb",
            "The dictionary entry as received, with fields not given their own column.",
            nullable=False,
        ),
    ),
    key=("task_id",),
)

USERS = TableSpec(
    "toggl.users",
    description="Toggl users seen in report dictionaries.",
    columns=(
        Column("user_id", "int8", "Toggl id.", nullable=False),
        Column("name", "text", "User full name."),
        Column("email", "text", "User email."),
        Column(
            "attributes",
            "jsonb",
            "The dictionary entry as received, with fields not given their own column.",
            nullable=False,
        ),
    ),
    key=("user_id",),
)

USER_GROUPS = TableSpec(
    "toggl.user_groups",
    description="Toggl user groups seen in report dictionaries.",
    columns=(
        Column("user_group_id", "int8", "Toggl id.", nullable=False),
        Column("name", "text", "Group name."),
        Column(
            "attributes",
            "jsonb",
            "The dictionary entry as received, with fields not given their own column.",
            nullable=False,
        ),
    ),
    key=("user_group_id",),
)

PROFITABILITY_PROJECTS = TableSpec(
    "toggl.profitability_projects",
    description=(
        "Profitability projects insights export: one row per workspace x period x project (x client); a loaded window "
        "is replaced as a whole."
    ),
    columns=(
        Column("workspace_id", "int8", "Toggl workspace id.", nullable=False),
        Column("resolution", "text", "Period size requested: day, week or month.", nullable=False),
        Column("currency", "text", "Currency requested for the export (lower case, e.g. usd).", nullable=False),
        Column(
            "period_start",
            "date",
            "First date of the period (for day resolution, the day itself).",
            nullable=False,
        ),
        Column("project_name", "text", "Project name; empty for time without project.", nullable=False),
        Column("client_name", "text", "Client name; empty for projects without client.", nullable=False),
        Column("project_id", "int8", "Toggl project id when the export carries it."),
        Column("total_seconds", "int8", "Tracked duration in seconds.", nullable=False),
        Column("billable_seconds", "int8", "Billable duration in seconds.", nullable=False),
        Column("earnings_in_cents", "int8", "Earnings (billable amount) in cents of currency.", nullable=False),
        Column("labour_cost_in_cents", "int8", "Labour cost in cents of currency.", nullable=False),
        Column(
            "profit_in_cents",
            "int8",
            "Profit in cents (earnings minus labour cost unless the export states it).",
            nullable=False,
        ),
        Column(
            "extra",
            "jsonb",
            "Export columns the parser did not recognise, by their header, as received.",
            nullable=False,
        ),
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


# ---- views and reference tables (sql/007, 008, 021) --------------------------------------------------------

REPORTING_CURRENCIES = RelationSpec(
    "reporting.currencies",
    kind="table",
    description=(
        "ISO 4217 currencies with their minor unit (decimal places), used by the reporting views to round money; a "
        "currency missing here is shown with 2 decimals. Filled by migration 021; add rows for more."
    ),
    reads=(),
    columns=(
        RelationColumn("code", "text", "ISO 4217 code, upper case (e.g. JPY).", nullable=False),
        RelationColumn(
            "minor_unit",
            "smallint",
            "ISO 4217 exponent: decimal places of the currency (JPY 0, EUR 2, KWD 3).",
            nullable=False,
        ),
        RelationColumn("name", "text", "Currency name.", nullable=False),
    ),
)

REPORTING_DAILY_PROJECT_HOURS = RelationSpec(
    "reporting.daily_project_hours",
    kind="view",
    description=(
        "Hours and billable amount PER SHARED REPORT, day, project and currency (seconds and cents summed, then "
        "converted). Filter on report_key, or use reporting.workspace_daily_project_hours."
    ),
    reads=("toggl.report_time_entries_resolved",),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS)."),
        RelationColumn("entry_date", "date", "Local date of the entries."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_name", "text", "Client name; NULL without client."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn("hours", "numeric", "Tracked hours: sum of seconds / 3600, rounded to 6 decimals."),
        RelationColumn(
            "billable_hours",
            "numeric",
            "Billable hours: sum of billable seconds / 3600, rounded to 6 decimals; 0 when none.",
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            (
                "Billable amount: sum of cents converted once, in currency units rounded to the currency's minor unit; "
                "NULL when the report hides amounts."
            ),
        ),
        RelationColumn("time_entries", "bigint", "Number of time entries."),
    ),
)

REPORTING_PROJECT_PROFITABILITY = RelationSpec(
    "reporting.project_profitability",
    kind="view",
    description=(
        "Project profitability per period from the profitability export: hours, earnings, labour cost, profit and "
        "margin, money in currency units rounded to the currency's minor unit. Filter on resolution and currency: the "
        "same time appears once per resolution and currency loaded."
    ),
    reads=("reporting.currencies", "toggl.clients", "toggl.profitability_projects", "toggl.projects"),
    columns=(
        RelationColumn("workspace_id", "bigint", "Toggl workspace id."),
        RelationColumn("resolution", "text", "Period size: day, week (Monday to Sunday) or month."),
        RelationColumn("period_start", "date", "First date of the period."),
        RelationColumn(
            "period_end",
            "date",
            "Last date of the period (the current period holds only the days loaded so far).",
        ),
        RelationColumn(
            "currency",
            "text",
            "Currency of the money columns, upper case (what the export was requested in).",
        ),
        RelationColumn(
            "project_id",
            "bigint",
            (
                "Toggl project id: from the export, else the only project with this name and client in toggl.projects; "
                "NULL when unknown."
            ),
        ),
        RelationColumn("project_name", "text", "Project name, or (no project) for time without project."),
        RelationColumn("client_name", "text", "Client name; NULL for projects without client."),
        RelationColumn("hours", "numeric", "Tracked hours in the period, rounded to 6 decimals."),
        RelationColumn(
            "billable_hours",
            "numeric",
            "Billable hours in the period, rounded to 6 decimals; 0 when none.",
        ),
        RelationColumn(
            "earnings",
            "numeric",
            "Earnings (billable amount) in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn(
            "labour_cost",
            "numeric",
            "Labour cost in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn(
            "profit",
            "numeric",
            (
                "Profit in currency units, rounded to the currency's minor unit (earnings minus labour cost unless the "
                "export states it)."
            ),
        ),
        RelationColumn(
            "margin",
            "numeric",
            "Profit as a fraction of earnings (0.25 = 25 %); NULL when earnings are 0.",
        ),
        RelationColumn(
            "extra",
            "jsonb",
            "Export columns the parser did not recognise, by their header, as received.",
        ),
        RelationColumn(
            "loaded_at",
            "timestamp with time zone",
            "When this row was last inserted or changed by a load.",
        ),
    ),
)

REPORTING_SUMMARY_HOURS = RelationSpec(
    "reporting.summary_hours",
    kind="view",
    description=(
        "Hours per shared summary report, fetched window, group and sub-group. Windows of one report may overlap (a "
        "backfill and a later daily run): pick one window, do not sum across them."
    ),
    reads=("toggl.report_summary",),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report."),
        RelationColumn("window_start", "date", "First date of the fetched window."),
        RelationColumn("window_end", "date", "Last date of the fetched window (inclusive)."),
        RelationColumn("grouping", "text", "What the groups are: projects, users or clients."),
        RelationColumn(
            "sub_grouping",
            "text",
            "What the sub-groups are: time_entries, users, clients, projects or tasks.",
        ),
        RelationColumn("group_id", "bigint", "Toggl id of the group; NULL when there is none."),
        RelationColumn("group_name", "text", "Name of the group."),
        RelationColumn("sub_group_id", "bigint", "Toggl id of the sub-group; NULL when there is none."),
        RelationColumn("sub_group_title", "text", "Title of the sub-group (the description for time_entries)."),
        RelationColumn("hours", "numeric", "Tracked hours."),
    ),
)

REPORTING_TIME_ENTRIES = RelationSpec(
    "reporting.time_entries",
    kind="view",
    description=(
        "One row per time entry PER SHARED REPORT: an entry in two reports appears twice, so filter on report_key (or "
        "use reporting.workspace_time_entries). Sum seconds, not hours."
    ),
    reads=("toggl.report_time_entries_resolved",),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS)."),
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id."),
        RelationColumn("entry_date", "date", "Local date of the entry start."),
        RelationColumn("start_at", "timestamp with time zone", "Start of the entry."),
        RelationColumn("stop_at", "timestamp with time zone", "End of the entry; NULL while running."),
        RelationColumn("seconds", "bigint", "Duration in seconds (exact: sum this, not hours)."),
        RelationColumn("hours", "numeric", "Duration in hours, rounded to 6 decimals."),
        RelationColumn("billable_hours", "numeric", "Billable hours, rounded to 6 decimals; 0 when not billable."),
        RelationColumn("is_running", "boolean", "True for a timer still running when fetched."),
        RelationColumn("user_id", "bigint", "Toggl user id."),
        RelationColumn("user_name", "text", "User name."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_name", "text", "Client name; NULL without client."),
        RelationColumn("task_id", "bigint", "Toggl task id; NULL without task."),
        RelationColumn("task_name", "text", "Task name."),
        RelationColumn("description", "text", "Entry description."),
        RelationColumn("billable", "boolean", "Whether the entry is billable."),
        RelationColumn("tag_names", "text[]", "Tag names."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn(
            "hourly_rate",
            "numeric",
            "Hourly rate in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            (
                "This entry's share of its report row's billable amount, in currency units rounded to the currency's "
                "minor unit; NULL when the report hides amounts (hide_amounts), 0 when Toggl says zero."
            ),
        ),
        RelationColumn("updated_at", "timestamp with time zone", "Last modification in Toggl."),
        RelationColumn("loaded_at", "timestamp with time zone", "When a load last inserted or changed this row."),
    ),
)

REPORTING_WEEKLY_HOURS = RelationSpec(
    "reporting.weekly_hours",
    kind="view",
    description=(
        "Hours and billable amount PER SHARED WEEKLY REPORT, day, user, project and rate, money in currency units. Sum "
        "seconds, not hours."
    ),
    reads=("reporting.currencies", "toggl.report_weekly"),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS)."),
        RelationColumn("day", "date", "The day."),
        RelationColumn("user_id", "bigint", "Toggl user id; NULL when the row is not per user."),
        RelationColumn("user_name", "text", "User name."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_name", "text", "Client name; NULL without client."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn(
            "hourly_rate",
            "numeric",
            "Hourly rate in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn("seconds", "bigint", "Tracked seconds of the row on this day (exact: sum this, not hours)."),
        RelationColumn("hours", "numeric", "Tracked hours, rounded to 6 decimals."),
        RelationColumn("billable_hours", "numeric", "Billable hours, rounded to 6 decimals; 0 when none."),
        RelationColumn(
            "billable_amount",
            "numeric",
            (
                "Billable amount of the row on this day in currency units, rounded to the currency's minor unit; NULL "
                "when the report hides amounts."
            ),
        ),
    ),
)

REPORTING_WORKSPACE_DAILY_PROJECT_HOURS = RelationSpec(
    "reporting.workspace_daily_project_hours",
    kind="view",
    description=(
        "Hours and billable amount per day, project and currency across all shared detailed reports, each time entry "
        "counted once (as in reporting.workspace_time_entries); seconds and cents summed, then converted."
    ),
    reads=("toggl.time_entries_latest",),
    columns=(
        RelationColumn("entry_date", "date", "Local date of the entries."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_name", "text", "Client name; NULL without client."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn("hours", "numeric", "Tracked hours: sum of seconds / 3600, rounded to 6 decimals."),
        RelationColumn(
            "billable_hours",
            "numeric",
            "Billable hours: sum of billable seconds / 3600, rounded to 6 decimals; 0 when none.",
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            (
                "Billable amount: sum of cents converted once, in currency units rounded to the currency's minor unit; "
                "NULL when the reports the entries were taken from hide amounts."
            ),
        ),
        RelationColumn("time_entries", "bigint", "Number of time entries."),
    ),
)

REPORTING_WORKSPACE_TIME_ENTRIES = RelationSpec(
    "reporting.workspace_time_entries",
    kind="view",
    description=(
        "One row per time entry across all shared detailed reports (never double-counted): when several reports "
        "contain an entry, the report whose load inserted or changed it last wins. Sum seconds, not hours."
    ),
    reads=("toggl.time_entries_latest",),
    columns=(
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id (unique in this view)."),
        RelationColumn(
            "report_key",
            "text",
            "The shared report this row was taken from (the one whose load inserted or changed it last).",
        ),
        RelationColumn("entry_date", "date", "Local date of the entry start."),
        RelationColumn("start_at", "timestamp with time zone", "Start of the entry."),
        RelationColumn("stop_at", "timestamp with time zone", "End of the entry; NULL while running."),
        RelationColumn("seconds", "bigint", "Duration in seconds (exact: sum this, not hours)."),
        RelationColumn("hours", "numeric", "Duration in hours, rounded to 6 decimals."),
        RelationColumn("billable_hours", "numeric", "Billable hours, rounded to 6 decimals; 0 when not billable."),
        RelationColumn("is_running", "boolean", "True for a timer still running when fetched."),
        RelationColumn("user_id", "bigint", "Toggl user id."),
        RelationColumn("user_name", "text", "User name."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_name", "text", "Client name; NULL without client."),
        RelationColumn("task_id", "bigint", "Toggl task id; NULL without task."),
        RelationColumn("task_name", "text", "Task name."),
        RelationColumn("description", "text", "Entry description."),
        RelationColumn("billable", "boolean", "Whether the entry is billable."),
        RelationColumn("tag_names", "text[]", "Tag names."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn(
            "hourly_rate",
            "numeric",
            "Hourly rate in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            (
                "Billable amount in currency units, rounded to the currency's minor unit; NULL when the report hides "
                "amounts (hide_amounts), 0 when Toggl says zero."
            ),
        ),
        RelationColumn("updated_at", "timestamp with time zone", "Last modification in Toggl."),
        RelationColumn("loaded_at", "timestamp with time zone", "When a load last inserted or changed this row."),
    ),
)

REPORT_TIME_ENTRIES_RESOLVED = RelationSpec(
    "toggl.report_time_entries_resolved",
    kind="view",
    description=(
        "Building block of the reporting views: toggl.report_time_entries with user, project and client names resolved "
        "and the currency's minor unit, seconds and cents exact. One row per time entry per report."
    ),
    reads=("reporting.currencies", "toggl.clients", "toggl.projects", "toggl.report_time_entries", "toggl.users"),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report."),
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id."),
        RelationColumn("entry_date", "date", "Local date of the entry start."),
        RelationColumn("start_at", "timestamp with time zone", "Start of the entry."),
        RelationColumn("stop_at", "timestamp with time zone", "End of the entry; NULL while running."),
        RelationColumn("seconds", "bigint", "Duration in seconds."),
        RelationColumn("is_running", "boolean", "True for a timer still running when fetched."),
        RelationColumn("user_id", "bigint", "Toggl user id."),
        RelationColumn("user_name", "text", "User name: the report's, else toggl.users'."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn(
            "project_name",
            "text",
            "Project name: the report's, else toggl.projects', else (no project).",
        ),
        RelationColumn(
            "client_name",
            "text",
            "Client name: the report's, else the project's client in toggl.clients.",
        ),
        RelationColumn("task_id", "bigint", "Toggl task id; NULL without task."),
        RelationColumn("task_name", "text", "Task name."),
        RelationColumn("description", "text", "Entry description."),
        RelationColumn("billable", "boolean", "Whether the entry is billable."),
        RelationColumn("tag_names", "text[]", "Tag names."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn(
            "minor_unit",
            "smallint",
            "Decimal places of the currency (reporting.currencies); NULL when not listed (2 are used).",
        ),
        RelationColumn("hourly_rate_in_cents", "bigint", "Hourly rate in 1/100 of the currency unit."),
        RelationColumn(
            "billable_amount_in_cents",
            "bigint",
            "This entry's billable amount in 1/100 of the currency unit; NULL when the report hides amounts.",
        ),
        RelationColumn("updated_at", "timestamp with time zone", "Last modification in Toggl."),
        RelationColumn("loaded_at", "timestamp with time zone", "When a load last inserted or changed this row."),
    ),
)

TIME_ENTRIES_LATEST = RelationSpec(
    "toggl.time_entries_latest",
    kind="view",
    description=(
        "Building block of the workspace views: one row per time entry across all detailed reports, taken from the "
        "report whose load inserted or changed it last (then the latest Toggl edit, then report_key)."
    ),
    reads=("toggl.report_time_entries_resolved",),
    columns=(
        RelationColumn("report_key", "text", "The report this row was taken from."),
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id (unique in this view)."),
        RelationColumn("entry_date", "date", "Local date of the entry start."),
        RelationColumn("start_at", "timestamp with time zone", "Start of the entry."),
        RelationColumn("stop_at", "timestamp with time zone", "End of the entry; NULL while running."),
        RelationColumn("seconds", "bigint", "Duration in seconds."),
        RelationColumn("is_running", "boolean", "True for a timer still running when fetched."),
        RelationColumn("user_id", "bigint", "Toggl user id."),
        RelationColumn("user_name", "text", "User name."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_name", "text", "Client name."),
        RelationColumn("task_id", "bigint", "Toggl task id; NULL without task."),
        RelationColumn("task_name", "text", "Task name."),
        RelationColumn("description", "text", "Entry description."),
        RelationColumn("billable", "boolean", "Whether the entry is billable."),
        RelationColumn("tag_names", "text[]", "Tag names."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn(
            "minor_unit",
            "smallint",
            "Decimal places of the currency; NULL when not listed (2 are used).",
        ),
        RelationColumn("hourly_rate_in_cents", "bigint", "Hourly rate in 1/100 of the currency unit."),
        RelationColumn(
            "billable_amount_in_cents",
            "bigint",
            "Billable amount in 1/100 of the currency unit; NULL when the report it was taken from hides amounts.",
        ),
        RelationColumn("updated_at", "timestamp with time zone", "Last modification in Toggl."),
        RelationColumn("loaded_at", "timestamp with time zone", "When a load last inserted or changed this row."),
    ),
)

TIME_ENTRY_CHANGES = RelationSpec(
    "toggl.time_entry_changes",
    kind="table",
    description=(
        "Every insert, update and delete a load applied to toggl.report_time_entries, with before and after values: "
        "what changed in Toggl after it was first loaded (late edits, moves, deletions). Append-only; an unchanged "
        "re-load adds nothing."
    ),
    reads=("toggl.report_time_entries",),
    columns=(
        RelationColumn("change_id", "bigint", "Surrogate key, in the order changes were applied.", nullable=False),
        RelationColumn(
            "changed_at",
            "timestamp with time zone",
            "When the load that applied the change committed its transaction (its start time).",
            nullable=False,
        ),
        RelationColumn(
            "fetch_id",
            "bigint",
            (
                "The fetch (toggl_raw.fetches) the load came from; its dagster_run_id names the run. NULL for a change "
                "made outside toggl-warehouse."
            ),
        ),
        RelationColumn("report_key", "text", "Name of the shared report.", nullable=False),
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id.", nullable=False),
        RelationColumn(
            "change",
            "text",
            (
                "insert (first seen), update (a value changed in Toggl, e.g. edited or moved to another day) or delete "
                "(gone from its day in Toggl)."
            ),
            nullable=False,
        ),
        RelationColumn("entry_date_before", "date", "Local date of the entry before the change; NULL for an insert."),
        RelationColumn("entry_date_after", "date", "Local date of the entry after the change; NULL for a delete."),
        RelationColumn("seconds_before", "bigint", "Tracked seconds before the change."),
        RelationColumn("seconds_after", "bigint", "Tracked seconds after the change."),
        RelationColumn(
            "billable_amount_in_cents_before",
            "bigint",
            "The entry's billable amount in cents before the change (NULL when hidden or not billable).",
        ),
        RelationColumn(
            "billable_amount_in_cents_after",
            "bigint",
            "The entry's billable amount in cents after the change.",
        ),
        RelationColumn("currency_before", "text", "Currency of the amount before the change."),
        RelationColumn("currency_after", "text", "Currency of the amount after the change."),
        RelationColumn("project_id_before", "bigint", "Toggl project id before the change."),
        RelationColumn("project_id_after", "bigint", "Toggl project id after the change."),
        RelationColumn("project_name_before", "text", "Project name before the change."),
        RelationColumn("project_name_after", "text", "Project name after the change."),
        RelationColumn("user_id_before", "bigint", "Toggl user id before the change."),
        RelationColumn("user_id_after", "bigint", "Toggl user id after the change."),
        RelationColumn("description_before", "text", "Description before the change."),
        RelationColumn("description_after", "text", "Description after the change."),
    ),
)

REPORTING_TIME_ENTRY_CHANGES = RelationSpec(
    "reporting.time_entry_changes",
    kind="view",
    description=(
        "What changed in Toggl after it was loaded: one row per insert, update or delete a load applied to a time "
        "entry, newest last, with the Dagster run that applied it. For \"what changed after invoicing\": filter "
        "entry_date_before/after to the invoiced period and changed_at after the invoice date, change <> 'insert'."
    ),
    reads=("toggl.time_entry_changes", "toggl_raw.fetches"),
    columns=(
        RelationColumn(
            "change_id",
            "bigint",
            "Key of the change in toggl.time_entry_changes, in the order changes were applied.",
        ),
        RelationColumn("changed_at", "timestamp with time zone", "When the load applied the change."),
        RelationColumn("report_key", "text", "Name of the shared report."),
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id."),
        RelationColumn("change", "text", "insert, update or delete."),
        RelationColumn("dagster_run_id", "text", "The Dagster run that fetched the data the change came from."),
        RelationColumn("fetch_id", "bigint", "The fetch (toggl_raw.fetches) the change came from."),
        RelationColumn("entry_date_before", "date", "Local date of the entry before the change."),
        RelationColumn("entry_date_after", "date", "Local date of the entry after the change."),
        RelationColumn("hours_before", "numeric", "Hours before the change."),
        RelationColumn("hours_after", "numeric", "Hours after the change."),
        RelationColumn(
            "hours_delta",
            "numeric",
            "Hours after minus hours before (a delete is negative, an insert positive).",
        ),
        RelationColumn(
            "billable_amount_before",
            "numeric",
            "Billable amount before the change, in currency units (NULL when hidden or not billable).",
        ),
        RelationColumn("billable_amount_after", "numeric", "Billable amount after the change, in currency units."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn("project_name_before", "text", "Project name before the change."),
        RelationColumn("project_name_after", "text", "Project name after the change."),
        RelationColumn("user_id_before", "bigint", "Toggl user id before the change."),
        RelationColumn("user_id_after", "bigint", "Toggl user id after the change."),
        RelationColumn("description_before", "text", "Description before the change."),
        RelationColumn("description_after", "text", "Description after the change."),
    ),
)

RELATIONS: tuple[RelationSpec, ...] = (
    REPORTING_CURRENCIES,
    REPORT_TIME_ENTRIES_RESOLVED,
    TIME_ENTRIES_LATEST,
    TIME_ENTRY_CHANGES,
    REPORTING_TIME_ENTRIES,
    REPORTING_TIME_ENTRY_CHANGES,
    REPORTING_DAILY_PROJECT_HOURS,
    REPORTING_WORKSPACE_TIME_ENTRIES,
    REPORTING_WORKSPACE_DAILY_PROJECT_HOURS,
    REPORTING_SUMMARY_HOURS,
    REPORTING_WEEKLY_HOURS,
    REPORTING_PROJECT_PROFITABILITY,
)
"""Views and reference tables, upstream first (a view follows the relations it reads)."""

ALL_RELATIONS: tuple[TableSpec | RelationSpec, ...] = ALL_TABLES + RELATIONS
"""Everything in the schemas ``toggl`` and ``reporting``."""
