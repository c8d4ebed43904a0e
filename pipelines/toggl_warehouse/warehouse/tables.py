"""Every table and view of the warehouse, declared once: columns with their types, nullability and comments,
the key, and what each view reads.

This is the single declaration the rest follows: the flatteners take their column order from it
(``toggl_warehouse.transform``), the loader COPYs and merges by it (``toggl_warehouse.load.window``), and the Dagster asset
specs of the tables and views carry it as ``dagster/column_schema`` (``toggl_warehouse.assets.warehouse``). The SQL
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
    a loaded column) is set to ``now()`` whenever a row is inserted or changed. ``added_after_loaded_at`` names
    loaded columns a later migration added (``ALTER TABLE ... ADD COLUMN``), which the catalogue lists after
    ``loaded_at``, in that order.
    """

    qualified_name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    compare_exclude: tuple[str, ...] = ("loaded_at",)
    loaded_at_column: str | None = "loaded_at"
    description: str = ""
    added_after_loaded_at: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = self.column_names
        if len(set(names)) != len(names):
            raise ValueError(f"{self.qualified_name}: duplicate column names")
        missing = [k for k in self.key if k not in names]
        if missing or not self.key:
            raise ValueError(f"{self.qualified_name}: key columns {missing or '()'} are not loaded columns")
        if self.qualified_name.count(".") != 1:
            raise ValueError(f"{self.qualified_name!r} is not schema.table")
        if names[len(names) - len(self.added_after_loaded_at):] != self.added_after_loaded_at:
            raise ValueError(f"{self.qualified_name}: columns added after loaded_at must be the last loaded columns")

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
        """Every column of the table as the catalogue lists it: the loaded ones, then ``loaded_at``, then the
        loaded columns added after it."""
        added = len(self.added_after_loaded_at)
        first, later = self.columns[:len(self.columns) - added], self.columns[len(self.columns) - added:]
        return first + ((LOADED_AT,) if self.loaded_at_column else ()) + later


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
        Column(
            "utc_offset_seconds",
            "int4",
            (
                "UTC offset written in Toggl's start string, in seconds (+02:00 = 7200): start_at plus this is the "
                "wall clock Toggl shows. NULL for a start without offset, and for rows loaded before migration 030 "
                "until their window is loaded again."
            ),
        ),
        Column("stop_utc_offset_seconds", "int4", "UTC offset written in Toggl's stop string, in seconds; NULL without stop or offset."),
    ),
    key=("report_key", "time_entry_id"),
    added_after_loaded_at=("utc_offset_seconds", "stop_utc_offset_seconds"),
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


# ---- views and derived tables (sql/007, 008, 011, 021, 030, 031) ----------------------------------------------

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

TIME_ENTRY_CHANGES = RelationSpec(
    "toggl.time_entry_changes",
    kind="table",
    description=(
        "What changed in Toggl after it was first loaded: every update and delete a load applied to"
        " toggl.report_time_entries, and every entry that appeared on a day already loaded, with before and after"
        " values (late edits, moves, additions, deletions). The first load of a day records nothing. Append-only; an"
        " unchanged re-load adds nothing."
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
                "The fetch (toggl_raw.fetches) the load came from; its dagster_run_id names the run. NULL for a "
                "change made outside toggl-warehouse."
            ),
        ),
        RelationColumn("report_key", "text", "Name of the shared report.", nullable=False),
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id.", nullable=False),
        RelationColumn(
            "change",
            "text",
            (
                "insert (first seen), update (a value changed in Toggl, e.g. edited or moved to another day) or "
                "delete (gone from its day in Toggl)."
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

TIME_ENTRIES_ONCE = RelationSpec(
    "toggl.time_entries",
    kind="table",
    description=(
        "One row per time entry across all shared detailed reports: which report row shows it (report_key; the rest"
        " of the row is read from toggl.report_time_entries) and what the facts sum. Kept in step with "
        "toggl.report_time_entries by its triggers, in the load's transaction: the row of a report that shows the "
        "entry's money wins over one that hides it, then the latest version (Toggl's last edit, else the latest "
        "load); among equals the row already chosen stays, then report_key."
    ),
    reads=("toggl.report_time_entries",),
    columns=(
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id (unique here).", nullable=False),
        RelationColumn(
            "report_key",
            "text",
            (
                "The shared report whose row shows this entry: (report_key, time_entry_id) is that row of "
                "toggl.report_time_entries."
            ),
            nullable=False,
        ),
        RelationColumn(
            "entry_date",
            "date",
            "Local date of the entry start, as written in Toggl's start string.",
            nullable=False,
        ),
        RelationColumn("user_id", "bigint", "Toggl user id."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn("seconds", "bigint", "Duration in seconds.", nullable=False),
        RelationColumn("billable", "boolean", "Whether the entry is billable.", nullable=False),
        RelationColumn(
            "billable_amount_in_cents",
            "bigint",
            (
                "The entry's billable amount in 1/100 of the currency unit; NULL when no report shows it (hidden "
                "amounts, or no rate)."
            ),
        ),
        RelationColumn(
            "loaded_at",
            "timestamp with time zone",
            "loaded_at of the chosen report row (the choice compares it).",
            nullable=False,
        ),
        RelationColumn(
            "updated_at",
            "timestamp with time zone",
            "Toggl's last edit of the chosen report row (the choice compares it).",
        ),
    ),
)

DAILY_ENTRY_FACTS = RelationSpec(
    "toggl.daily_entry_facts",
    kind="table",
    description=(
        "toggl.time_entries summed per day x user x project x currency, kept in step by the triggers of "
        "toggl.report_time_entries: exact seconds and cents."
    ),
    reads=("toggl.report_time_entries",),
    columns=(
        RelationColumn("entry_date", "date", "Local date of the entries.", nullable=False),
        RelationColumn("user_id", "bigint", "Toggl user id."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("currency", "text", "Currency code, upper case; NULL for entries without one."),
        RelationColumn("time_entries", "integer", "Number of time entries.", nullable=False),
        RelationColumn("seconds", "bigint", "Tracked seconds.", nullable=False),
        RelationColumn("billable_seconds", "bigint", "Seconds of billable entries.", nullable=False),
        RelationColumn(
            "billable_amount_in_cents",
            "bigint",
            (
                "Sum of the known billable amounts, in 1/100 of the currency unit; NULL when no entry of the group "
                "has a known amount."
            ),
        ),
        RelationColumn(
            "unpriced_billable_seconds",
            "bigint",
            (
                "Seconds of billable entries whose amount is unknown (hidden by every report, or no rate): not in "
                "billable_amount_in_cents."
            ),
            nullable=False,
        ),
    ),
)

REPORT_TIME_ENTRIES_RESOLVED = RelationSpec(
    "toggl.report_time_entries_resolved",
    kind="view",
    description=(
        "Building block of the per-report views: toggl.report_time_entries with user, project and client names "
        "resolved and the currency's minor unit, seconds and cents exact. One row per time entry per report."
    ),
    reads=("reporting.currencies", "toggl.clients", "toggl.projects", "toggl.report_time_entries", "toggl.users",),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report."),
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id."),
        RelationColumn("entry_date", "date", "Local date of the entry start."),
        RelationColumn("start_at", "timestamp with time zone", "Start of the entry."),
        RelationColumn("stop_at", "timestamp with time zone", "End of the entry; NULL while running."),
        RelationColumn("seconds", "bigint", "Duration in seconds."),
        RelationColumn("is_running", "boolean", "True for a timer still running when fetched."),
        RelationColumn("user_id", "bigint", "Toggl user id."),
        RelationColumn("user_name", "text", "User name: toggl.users', else the report's."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn(
            "project_name",
            "text",
            "Project name: toggl.projects', else the report's; (no project) without project.",
        ),
        RelationColumn("client_id", "bigint", "Toggl client id of the project; NULL without client."),
        RelationColumn(
            "client_name",
            "text",
            "Client name: the project's client in toggl.clients, else the report's, else (no client).",
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

REPORTING_CALENDAR = RelationSpec(
    "reporting.calendar",
    kind="view",
    description=(
        "Date dimension: one row per date from January 1st of the first loaded year through December 31st of the "
        "current (or last loaded) year, with no gaps. Join facts on date = entry_date."
    ),
    reads=("toggl.profitability_projects", "toggl.time_entries",),
    columns=(
        RelationColumn("date", "date", "The date (unique)."),
        RelationColumn("week_start", "date", "Monday of the ISO week of the date."),
        RelationColumn("iso_year", "integer", "ISO 8601 week-numbering year."),
        RelationColumn("iso_week", "integer", "ISO 8601 week number (1-53)."),
        RelationColumn("month_start", "date", "First day of the month."),
        RelationColumn("month", "integer", "Month number (1-12)."),
        RelationColumn("quarter", "integer", "Quarter (1-4)."),
        RelationColumn("year", "integer", "Calendar year."),
        RelationColumn("weekday", "integer", "ISO day of the week: 1 = Monday ... 7 = Sunday."),
        RelationColumn("is_weekend", "boolean", "True on Saturday and Sunday."),
    ),
)

REPORTING_USERS = RelationSpec(
    "reporting.users",
    kind="view",
    description="User dimension: one row per Toggl user seen in a report dictionary (no emails).",
    reads=("toggl.users",),
    columns=(
        RelationColumn("user_id", "bigint", "Toggl user id (unique)."),
        RelationColumn("user_name", "text", "User name."),
    ),
)

REPORTING_CLIENTS = RelationSpec(
    "reporting.clients",
    kind="view",
    description=(
        "Client dimension: one row per Toggl client seen in a report dictionary. Facts of projects without client "
        "say (no client)."
    ),
    reads=("toggl.clients",),
    columns=(
        RelationColumn("client_id", "bigint", "Toggl client id (unique)."),
        RelationColumn("client_name", "text", "Client name."),
    ),
)

REPORTING_PROJECTS = RelationSpec(
    "reporting.projects",
    kind="view",
    description=(
        "Project dimension: one row per Toggl project seen in a report dictionary, with its client. Facts without "
        "project say (no project)."
    ),
    reads=("toggl.clients", "toggl.projects",),
    columns=(
        RelationColumn("project_id", "bigint", "Toggl project id (unique)."),
        RelationColumn("project_name", "text", "Project name."),
        RelationColumn("client_id", "bigint", "Toggl client id; NULL without client."),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
        RelationColumn("workspace_id", "bigint", "Toggl workspace id, when the dictionary gives it."),
        RelationColumn(
            "billable",
            "boolean",
            "Whether the project is billable by default, when the dictionary gives it.",
        ),
        RelationColumn("active", "boolean", "Whether the project is active, when the dictionary gives it."),
        RelationColumn("currency", "text", "Currency of the project rates, upper case."),
        RelationColumn("color", "text", "Project colour."),
    ),
)

REPORTING_TAGS = RelationSpec(
    "reporting.tags",
    kind="view",
    description=(
        "Tag dimension: one row per Toggl tag seen in a report dictionary. Entries relate to tags through "
        "reporting.time_entry_tags."
    ),
    reads=("toggl.tags",),
    columns=(
        RelationColumn("tag_id", "bigint", "Toggl tag id (unique)."),
        RelationColumn("tag_name", "text", "Tag name."),
    ),
)

REPORTING_TASKS = RelationSpec(
    "reporting.tasks",
    kind="view",
    description="Task dimension: one row per Toggl task seen in a report dictionary.",
    reads=("toggl.tasks",),
    columns=(
        RelationColumn("task_id", "bigint", "Toggl task id (unique)."),
        RelationColumn("task_name", "text", "Task name."),
        RelationColumn("project_id", "bigint", "Project of the task."),
    ),
)

REPORTING_TIME_ENTRIES = RelationSpec(
    "reporting.time_entries",
    kind="view",
    description=(
        "One row per time entry across all shared detailed reports, never double counted: money from a report that "
        "shows it (a report that hides amounts never blanks another's), then the latest version of the entry. Sum "
        "seconds and billable_amount_cents, not hours and amounts."
    ),
    reads=("reporting.currencies", "toggl.clients", "toggl.projects", "toggl.report_time_entries", "toggl.tags", "toggl.tasks", "toggl.time_entries", "toggl.users",),
    columns=(
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id (unique in this view)."),
        RelationColumn("entry_date", "date", "Local date of the entry start, as Toggl shows it."),
        RelationColumn(
            "start_at",
            "timestamp with time zone",
            "Start of the entry (an instant; shown in the session time zone).",
        ),
        RelationColumn("stop_at", "timestamp with time zone", "End of the entry; NULL while running."),
        RelationColumn(
            "start_local",
            "timestamp without time zone",
            (
                "Start as the wall clock Toggl shows (in the user's own UTC offset): use it for hour-of-day charts."
                " NULL when the offset is unknown (rows loaded before migration 030: load or replay them again)."
            ),
        ),
        RelationColumn(
            "stop_local",
            "timestamp without time zone",
            "End as the wall clock Toggl shows; NULL while running or when the offset is unknown.",
        ),
        RelationColumn("utc_offset", "text", "UTC offset of the start as Toggl wrote it, e.g. +02:00."),
        RelationColumn("seconds", "bigint", "Duration in seconds (exact: sum this, not hours)."),
        RelationColumn("hours", "numeric", "Duration in hours, rounded to 6 decimals."),
        RelationColumn("is_running", "boolean", "True for a timer still running when fetched."),
        RelationColumn("billable", "boolean", "Whether the entry is billable."),
        RelationColumn("billable_seconds", "bigint", "seconds when billable, else 0."),
        RelationColumn("billable_hours", "numeric", "Billable hours, rounded to 6 decimals; 0 when not billable."),
        RelationColumn(
            "billable_amount_cents",
            "bigint",
            (
                "Billable amount in 1/100 of the currency unit (Toggl's cents, for every currency; exact: sum "
                "this); NULL when unknown (every report hides it, or no rate), 0 when Toggl says zero."
            ),
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            "Billable amount in currency units, rounded to the currency's minor unit; NULL when unknown.",
        ),
        RelationColumn("hourly_rate_cents", "bigint", "Hourly rate in 1/100 of the currency unit; NULL when unknown."),
        RelationColumn(
            "hourly_rate",
            "numeric",
            "Hourly rate in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn("user_id", "bigint", "Toggl user id (reporting.users)."),
        RelationColumn("user_name", "text", "User name."),
        RelationColumn("project_id", "bigint", "Toggl project id (reporting.projects); NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn(
            "client_id",
            "bigint",
            "Toggl client id of the project (reporting.clients); NULL without client.",
        ),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
        RelationColumn("task_id", "bigint", "Toggl task id (reporting.tasks); NULL without task."),
        RelationColumn("task_name", "text", "Task name."),
        RelationColumn("description", "text", "Entry description."),
        RelationColumn("tag_ids", "bigint[]", "Tag ids; to count per tag use reporting.time_entry_tags."),
        RelationColumn("tag_names", "text[]", "Tag names, in the order of tag_ids."),
        RelationColumn("report_key", "text", "The shared report this row was taken from."),
        RelationColumn("updated_at", "timestamp with time zone", "Last modification in Toggl."),
        RelationColumn(
            "loaded_at",
            "timestamp with time zone",
            "When a load last inserted or changed the report row this row was taken from.",
        ),
    ),
)

REPORTING_TIME_ENTRY_TAGS = RelationSpec(
    "reporting.time_entry_tags",
    kind="view",
    description=(
        "Bridge between time entries and tags: one row per time entry x tag (an entry without tags has none). Sum "
        "seconds here per tag; across tags an entry with two tags counts twice."
    ),
    reads=("toggl.report_time_entries", "toggl.tags", "toggl.time_entries",),
    columns=(
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id (reporting.time_entries)."),
        RelationColumn("tag_id", "bigint", "Toggl tag id (reporting.tags)."),
        RelationColumn("tag_name", "text", "Tag name."),
        RelationColumn("entry_date", "date", "Local date of the entry."),
        RelationColumn("seconds", "bigint", "Duration of the entry in seconds."),
    ),
)

REPORTING_DAILY_FACTS = RelationSpec(
    "reporting.daily_facts",
    kind="view",
    description=(
        "The fact table: hours and money per day x user x project x currency, each time entry counted once (as in "
        "reporting.time_entries). Sum seconds and billable_amount_cents, then convert."
    ),
    reads=("reporting.currencies", "toggl.clients", "toggl.daily_entry_facts", "toggl.projects", "toggl.users",),
    columns=(
        RelationColumn("entry_date", "date", "Local date of the entries (reporting.calendar.date)."),
        RelationColumn("user_id", "bigint", "Toggl user id (reporting.users)."),
        RelationColumn("user_name", "text", "User name."),
        RelationColumn("project_id", "bigint", "Toggl project id (reporting.projects); NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_id", "bigint", "Toggl client id (reporting.clients); NULL without client."),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
        RelationColumn("currency", "text", "Currency code, upper case; NULL for entries without one."),
        RelationColumn("time_entries", "integer", "Number of time entries."),
        RelationColumn("seconds", "bigint", "Tracked seconds (exact)."),
        RelationColumn("hours", "numeric", "Tracked hours: seconds / 3600, rounded to 6 decimals."),
        RelationColumn("billable_seconds", "bigint", "Billable seconds (exact); 0 when none."),
        RelationColumn("billable_hours", "numeric", "Billable hours: billable_seconds / 3600, rounded to 6 decimals."),
        RelationColumn(
            "billable_amount_cents",
            "bigint",
            (
                "Known billable amount in 1/100 of the currency unit (exact); NULL when no entry of the row has a "
                "known amount."
            ),
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            "billable_amount_cents in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn(
            "unpriced_billable_seconds",
            "bigint",
            (
                "Billable seconds whose amount is unknown (hidden by every report, or no rate): not in "
                "billable_amount_cents, never counted as 0."
            ),
        ),
    ),
)

REPORTING_DAILY_PROJECT_HOURS = RelationSpec(
    "reporting.daily_project_hours",
    kind="view",
    description=(
        "Hours and money per day x project x currency across all shared detailed reports, each time entry counted "
        "once; seconds and cents summed, then converted."
    ),
    reads=("reporting.currencies", "toggl.clients", "toggl.daily_entry_facts", "toggl.projects",),
    columns=(
        RelationColumn("entry_date", "date", "Local date of the entries."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_id", "bigint", "Toggl client id; NULL without client."),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
        RelationColumn("currency", "text", "Currency code, upper case; NULL for entries without one."),
        RelationColumn("time_entries", "bigint", "Number of time entries."),
        RelationColumn("seconds", "bigint", "Tracked seconds (exact)."),
        RelationColumn("hours", "numeric", "Tracked hours: seconds / 3600, rounded to 6 decimals."),
        RelationColumn("billable_seconds", "bigint", "Billable seconds (exact); 0 when none."),
        RelationColumn("billable_hours", "numeric", "Billable hours, rounded to 6 decimals; 0 when none."),
        RelationColumn(
            "billable_amount_cents",
            "bigint",
            "Known billable amount in 1/100 of the currency unit (exact); NULL when none is known.",
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            "Billable amount in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn(
            "unpriced_billable_seconds",
            "bigint",
            "Billable seconds whose amount is unknown (hidden or no rate).",
        ),
    ),
)

REPORTING_USER_UTILISATION = RelationSpec(
    "reporting.user_utilisation",
    kind="view",
    description=(
        "Utilisation per user per week (Monday) and per month: billable seconds / tracked seconds, each time entry "
        "counted once. Filter on period (week or month)."
    ),
    reads=("toggl.daily_entry_facts", "toggl.users",),
    columns=(
        RelationColumn("period", "text", "week (Monday to Sunday) or month."),
        RelationColumn("period_start", "date", "First date of the period."),
        RelationColumn("user_id", "bigint", "Toggl user id (reporting.users)."),
        RelationColumn("user_name", "text", "User name."),
        RelationColumn("time_entries", "bigint", "Number of time entries."),
        RelationColumn("seconds", "bigint", "Tracked seconds (exact)."),
        RelationColumn("hours", "numeric", "Tracked hours, rounded to 6 decimals."),
        RelationColumn("billable_seconds", "bigint", "Billable seconds (exact)."),
        RelationColumn("billable_hours", "numeric", "Billable hours, rounded to 6 decimals."),
        RelationColumn(
            "utilisation",
            "numeric",
            (
                "billable_seconds / seconds, rounded to 4 decimals (0.7500 = 75 %); NULL when nothing was tracked. "
                "Recompute it from summed seconds when rolling up, never average it."
            ),
        ),
    ),
)

REPORTING_REPORT_TIME_ENTRIES = RelationSpec(
    "reporting.report_time_entries",
    kind="view",
    description=(
        "One row PER SHARED REPORT per time entry: an entry in two reports appears twice. Filter on report_key, or "
        "use reporting.time_entries (each entry once)."
    ),
    reads=("toggl.report_time_entries_resolved",),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS)."),
        RelationColumn("time_entry_id", "bigint", "Toggl time entry id (unique within a report)."),
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
        RelationColumn("client_id", "bigint", "Toggl client id; NULL without client."),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
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
            "billable_amount_cents",
            "bigint",
            "Billable amount in 1/100 of the currency unit (exact); NULL when the report hides amounts.",
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            (
                "Billable amount in currency units, rounded to the currency's minor unit; NULL when the report "
                "hides amounts (hide_amounts), 0 when Toggl says zero."
            ),
        ),
        RelationColumn("updated_at", "timestamp with time zone", "Last modification in Toggl."),
    ),
)

REPORTING_REPORT_DAILY_PROJECT_HOURS = RelationSpec(
    "reporting.report_daily_project_hours",
    kind="view",
    description=(
        "Hours and billable amount PER SHARED REPORT, day, project and currency (seconds and cents summed, then "
        "converted). Filter on report_key, or use reporting.daily_project_hours (each entry once)."
    ),
    reads=("toggl.report_time_entries_resolved",),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS)."),
        RelationColumn("entry_date", "date", "Local date of the entries."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_id", "bigint", "Toggl client id; NULL without client."),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn("time_entries", "bigint", "Number of time entries."),
        RelationColumn("seconds", "bigint", "Tracked seconds (exact)."),
        RelationColumn("hours", "numeric", "Tracked hours: sum of seconds / 3600, rounded to 6 decimals."),
        RelationColumn("billable_seconds", "bigint", "Billable seconds (exact); 0 when none."),
        RelationColumn(
            "billable_hours",
            "numeric",
            "Billable hours: sum of billable seconds / 3600, rounded to 6 decimals; 0 when none.",
        ),
        RelationColumn(
            "billable_amount_cents",
            "bigint",
            "Billable amount in 1/100 of the currency unit (exact); NULL when the report hides amounts.",
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            (
                "Billable amount: sum of cents converted once, in currency units rounded to the currency's minor "
                "unit; NULL when the report hides amounts."
            ),
        ),
    ),
)

REPORTING_REPORT_WEEKLY_HOURS = RelationSpec(
    "reporting.report_weekly_hours",
    kind="view",
    description=(
        "Hours and billable amount PER SHARED WEEKLY REPORT, day, user, project and rate, money in currency units. "
        "Filter on report_key; sum seconds, not hours."
    ),
    reads=("reporting.currencies", "toggl.report_weekly",),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report (the name in TOGGL_SHARED_REPORTS)."),
        RelationColumn("day", "date", "The day."),
        RelationColumn("user_id", "bigint", "Toggl user id; NULL when the row is not per user."),
        RelationColumn("user_name", "text", "User name."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL without project."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
        RelationColumn("currency", "text", "Currency code, upper case."),
        RelationColumn(
            "hourly_rate",
            "numeric",
            "Hourly rate in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn("seconds", "bigint", "Tracked seconds of the row on this day (exact: sum this, not hours)."),
        RelationColumn("hours", "numeric", "Tracked hours, rounded to 6 decimals."),
        RelationColumn("billable_seconds", "bigint", "Billable seconds of the row on this day (exact)."),
        RelationColumn("billable_hours", "numeric", "Billable hours, rounded to 6 decimals; 0 when none."),
        RelationColumn(
            "billable_amount_cents",
            "bigint",
            (
                "Billable amount of the row on this day in 1/100 of the currency unit (exact); NULL when the report"
                " hides amounts."
            ),
        ),
        RelationColumn(
            "billable_amount",
            "numeric",
            (
                "Billable amount of the row on this day in currency units, rounded to the currency's minor unit; "
                "NULL when the report hides amounts."
            ),
        ),
    ),
)

REPORTING_REPORT_SUMMARY_HOURS = RelationSpec(
    "reporting.report_summary_hours",
    kind="view",
    description=(
        "Hours PER SHARED SUMMARY REPORT, fetched window, group and sub-group. Pick one report and one window: do "
        "not sum across them."
    ),
    reads=("toggl.report_summary",),
    columns=(
        RelationColumn("report_key", "text", "Name of the shared report."),
        RelationColumn("window_start", "date", "First date of the fetched window."),
        RelationColumn("window_end", "date", "Last date of the fetched window."),
        RelationColumn("grouping", "text", "What the groups are (e.g. projects, users, clients)."),
        RelationColumn("sub_grouping", "text", "What the sub-groups are (e.g. time_entries, users)."),
        RelationColumn(
            "group_id",
            "bigint",
            "Toggl id of the group; NULL for time without one (no project, no client).",
        ),
        RelationColumn("group_name", "text", "Name of the group, from the report's dictionaries when it carries them."),
        RelationColumn("sub_group_id", "bigint", "Toggl id of the sub-group; NULL when it has none."),
        RelationColumn("sub_group_title", "text", "Title of the sub-group (e.g. the time entry description)."),
        RelationColumn("seconds", "bigint", "Tracked seconds (exact)."),
        RelationColumn("hours", "numeric", "Tracked hours, rounded to 6 decimals."),
    ),
)

REPORTING_PROJECT_PROFITABILITY = RelationSpec(
    "reporting.project_profitability",
    kind="view",
    description=(
        "Project profitability per period from the profitability export, at the resolution it was loaded: hours, "
        "earnings, labour cost, profit and margin. Filter on resolution and currency: the same time appears once "
        "per resolution and currency loaded. For months use reporting.monthly_profitability."
    ),
    reads=("reporting.currencies", "toggl.clients", "toggl.profitability_projects", "toggl.projects",),
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
                "Toggl project id: from the export, else the only project with this name and client in "
                "toggl.projects; NULL when unknown."
            ),
        ),
        RelationColumn("project_name", "text", "Project name, or (no project) for time without project."),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
        RelationColumn("seconds", "bigint", "Tracked seconds in the period (exact)."),
        RelationColumn("hours", "numeric", "Tracked hours in the period, rounded to 6 decimals."),
        RelationColumn("billable_seconds", "bigint", "Billable seconds in the period (exact)."),
        RelationColumn(
            "billable_hours",
            "numeric",
            "Billable hours in the period, rounded to 6 decimals; 0 when none.",
        ),
        RelationColumn("earnings_cents", "bigint", "Earnings in 1/100 of the currency unit (exact)."),
        RelationColumn(
            "earnings",
            "numeric",
            "Earnings (billable amount) in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn("labour_cost_cents", "bigint", "Labour cost in 1/100 of the currency unit (exact)."),
        RelationColumn(
            "labour_cost",
            "numeric",
            "Labour cost in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn("profit_cents", "bigint", "Profit in 1/100 of the currency unit (exact)."),
        RelationColumn(
            "profit",
            "numeric",
            (
                "Profit in currency units, rounded to the currency's minor unit (earnings minus labour cost unless "
                "the export states it)."
            ),
        ),
        RelationColumn(
            "margin",
            "numeric",
            (
                "Profit as a fraction of earnings (0.25 = 25 %); NULL when earnings are 0. Not additive: recompute "
                "from profit_cents and earnings_cents."
            ),
        ),
        RelationColumn("extra", "jsonb", "Export columns the parser did not recognise, by their header, as received."),
        RelationColumn(
            "loaded_at",
            "timestamp with time zone",
            "When this row was last inserted or changed by a load.",
        ),
    ),
)

REPORTING_MONTHLY_PROFITABILITY = RelationSpec(
    "reporting.monthly_profitability",
    kind="view",
    description=(
        "Project profitability per calendar month from the profitability export: day rows summed per month (else "
        "the month row), margin recomputed from the summed profit and earnings. Filter on currency: the same time "
        "appears once per currency loaded."
    ),
    reads=("reporting.currencies", "reporting.project_profitability", "toggl.profitability_projects",),
    columns=(
        RelationColumn("workspace_id", "bigint", "Toggl workspace id."),
        RelationColumn("month_start", "date", "First day of the month."),
        RelationColumn("currency", "text", "Currency of the money columns, upper case."),
        RelationColumn("project_id", "bigint", "Toggl project id; NULL when unknown."),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn("client_name", "text", "Client name, or (no client)."),
        RelationColumn(
            "source_resolution",
            "text",
            "The export rows summed: day, or month when no day rows are loaded for the month.",
        ),
        RelationColumn("seconds", "bigint", "Tracked seconds in the month (exact)."),
        RelationColumn("hours", "numeric", "Tracked hours, rounded to 6 decimals."),
        RelationColumn("billable_seconds", "bigint", "Billable seconds in the month (exact)."),
        RelationColumn("billable_hours", "numeric", "Billable hours, rounded to 6 decimals."),
        RelationColumn("earnings_cents", "bigint", "Earnings in 1/100 of the currency unit (exact)."),
        RelationColumn("earnings", "numeric", "Earnings in currency units, rounded to the currency's minor unit."),
        RelationColumn("labour_cost_cents", "bigint", "Labour cost in 1/100 of the currency unit (exact)."),
        RelationColumn(
            "labour_cost",
            "numeric",
            "Labour cost in currency units, rounded to the currency's minor unit.",
        ),
        RelationColumn("profit_cents", "bigint", "Profit in 1/100 of the currency unit (exact)."),
        RelationColumn("profit", "numeric", "Profit in currency units, rounded to the currency's minor unit."),
        RelationColumn(
            "margin",
            "numeric",
            (
                "profit_cents / earnings_cents of the month, rounded to 4 decimals (0.25 = 25 %); NULL when "
                "earnings are 0. Recompute it from sums when rolling up."
            ),
        ),
    ),
)

REPORTING_REPORT_VS_EXPORT = RelationSpec(
    "reporting.report_vs_export",
    kind="view",
    description=(
        "The detailed reports (each time entry once) against the profitability export, per month x project (x "
        "export currency): seconds always; money only where every billable entry of the project-month is priced in "
        "the export's currency (else earnings_difference_cents is NULL). A row with NULL export columns is time the"
        " export does not have, and the other way round."
    ),
    reads=("reporting.monthly_profitability", "toggl.daily_entry_facts", "toggl.projects",),
    columns=(
        RelationColumn(
            "workspace_id",
            "bigint",
            "Toggl workspace id of the export; NULL when only the reports have the project-month.",
        ),
        RelationColumn("month_start", "date", "First day of the month."),
        RelationColumn(
            "project_id",
            "bigint",
            "Toggl project id; NULL without project (or not resolved in the export).",
        ),
        RelationColumn("project_name", "text", "Project name, or (no project)."),
        RelationColumn(
            "export_currency",
            "text",
            "Currency the export was requested in, upper case; NULL when only the reports have the project-month.",
        ),
        RelationColumn("report_seconds", "bigint", "Tracked seconds in the detailed reports (each entry once)."),
        RelationColumn("export_seconds", "bigint", "Tracked seconds in the export."),
        RelationColumn(
            "seconds_difference",
            "bigint",
            "report_seconds - export_seconds (a missing side counts 0); 0 when they agree.",
        ),
        RelationColumn("report_hours", "numeric", "report_seconds in hours, rounded to 6 decimals."),
        RelationColumn("export_hours", "numeric", "export_seconds in hours, rounded to 6 decimals."),
        RelationColumn("hours_difference", "numeric", "seconds_difference in hours, rounded to 6 decimals."),
        RelationColumn(
            "report_billable_amount_cents",
            "bigint",
            "Billable amount of the reports' entries in the export's currency, in 1/100 of the unit.",
        ),
        RelationColumn("export_earnings_cents", "bigint", "Earnings in the export, in 1/100 of the unit."),
        RelationColumn(
            "earnings_difference_cents",
            "bigint",
            (
                "report_billable_amount_cents - export_earnings_cents; NULL when the money cannot be compared "
                "(billable time in another currency, or without a known amount)."
            ),
        ),
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
    reads=("reporting.currencies", "toggl.time_entry_changes", "toggl_raw.fetches",),
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
        RelationColumn("seconds_before", "bigint", "Seconds before the change (exact)."),
        RelationColumn("seconds_after", "bigint", "Seconds after the change (exact)."),
        RelationColumn("hours_before", "numeric", "Hours before the change."),
        RelationColumn("hours_after", "numeric", "Hours after the change."),
        RelationColumn(
            "hours_delta",
            "numeric",
            "Hours after minus hours before (a delete is negative, an insert positive).",
        ),
        RelationColumn(
            "billable_amount_cents_before",
            "bigint",
            "Billable amount before the change in 1/100 of the currency unit (exact); NULL when hidden or unknown.",
        ),
        RelationColumn(
            "billable_amount_cents_after",
            "bigint",
            "Billable amount after the change in 1/100 of the currency unit (exact); NULL when hidden or unknown.",
        ),
        RelationColumn(
            "billable_amount_before",
            "numeric",
            (
                "Billable amount before the change, in currency units rounded to the currency's minor unit (NULL "
                "when hidden or unknown)."
            ),
        ),
        RelationColumn(
            "billable_amount_after",
            "numeric",
            "Billable amount after the change, in currency units rounded to the currency's minor unit.",
        ),
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
    TIME_ENTRY_CHANGES,
    TIME_ENTRIES_ONCE,
    DAILY_ENTRY_FACTS,
    REPORT_TIME_ENTRIES_RESOLVED,
    REPORTING_CALENDAR,
    REPORTING_USERS,
    REPORTING_CLIENTS,
    REPORTING_PROJECTS,
    REPORTING_TAGS,
    REPORTING_TASKS,
    REPORTING_TIME_ENTRIES,
    REPORTING_TIME_ENTRY_TAGS,
    REPORTING_DAILY_FACTS,
    REPORTING_DAILY_PROJECT_HOURS,
    REPORTING_USER_UTILISATION,
    REPORTING_REPORT_TIME_ENTRIES,
    REPORTING_REPORT_DAILY_PROJECT_HOURS,
    REPORTING_REPORT_WEEKLY_HOURS,
    REPORTING_REPORT_SUMMARY_HOURS,
    REPORTING_PROJECT_PROFITABILITY,
    REPORTING_MONTHLY_PROFITABILITY,
    REPORTING_REPORT_VS_EXPORT,
    REPORTING_TIME_ENTRY_CHANGES,
)
"""Views and reference tables, upstream first (a view follows the relations it reads)."""

ALL_RELATIONS: tuple[TableSpec | RelationSpec, ...] = ALL_TABLES + RELATIONS
"""Everything in the schemas ``toggl`` and ``reporting``."""
