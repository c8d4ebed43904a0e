"""The warehouse in the asset graph: Toggl as the external source, the `toggl.*` tables, the `reporting.*` views.

Lineage reads Toggl Track → the source assets (one per shared report / workspace: fetch into `toggl_raw`,
check, load) → the tables each writes → the views on them. Everything here is built from the one
declaration in `toggl_warehouse.warehouse.tables` (columns, types, NOT NULL, key, comments, what a view reads),
so `dagster/column_schema` shows the same comments as `COMMENT ON` in the database.

How each kind of node is modelled in Dagster 1.13:
- Toggl Track is an external `AssetSpec` (nothing to materialize; kind `toggl`).
- A table is an `AssetSpec` that depends on every source asset that writes it (a table is shared: all shared
  reports write `toggl.report_time_entries` and the dimension tables). It is not executable on its own: the
  source asset writes it in its load transaction and then records one `AssetMaterialization` per table it
  wrote, with that table's changes (`table_materializations`).
- A view (and `toggl`'s building-block views) is a virtual `AssetSpec` (`is_virtual=True`): nothing to
  materialize, current whenever the tables it reads are. `reporting.currencies`, a reference table filled
  by a migration, is a plain external spec.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence

import dagster as dg

from toggl_warehouse.load.report_kinds import SHARED_REPORT_TABLES
from toggl_warehouse.load.window import LoadStats
from toggl_warehouse.warehouse import tables

TOGGL_KEY = dg.AssetKey(["toggl_track"])
TABLES_GROUP = "toggl_warehouse"
REPORTING_GROUP = "reporting"
OWNERS = ["team:data-engineering"]
"""Owners of every asset of the code location (a team, as Dagster's owners expect)."""

PROFITABILITY_TABLES: tuple[tables.TableSpec, ...] = (tables.PROFITABILITY_PROJECTS,)
"""What a profitability asset writes."""


def table_key(spec: tables.TableSpec | tables.RelationSpec | str) -> dg.AssetKey:
    """The asset key of a table or view: [schema, name], e.g. toggl/report_time_entries, reporting/time_entries."""
    name = spec if isinstance(spec, str) else spec.qualified_name
    schema, table = name.split(".")
    return dg.AssetKey([schema, table])


def column_schema(spec: tables.TableSpec | tables.RelationSpec) -> dg.TableSchema:
    """The `dagster/column_schema` of a declared table or view, with the column comments."""
    columns = [
        dg.TableColumn(
            name=column.name,
            type=column.pg_type if isinstance(spec, tables.TableSpec) else column.data_type,
            description=column.description,
            constraints=dg.TableColumnConstraints(nullable=column.nullable),
        )
        for column in spec.all_columns
    ]
    key = getattr(spec, "key", ())
    return dg.TableSchema(
        columns=columns, constraints=dg.TableConstraints(other=[f"PRIMARY KEY ({', '.join(key)})"]) if key else None
    )


def toggl_spec() -> dg.AssetSpec:
    """Toggl Track itself: the external source every source asset reads."""
    return dg.AssetSpec(
        TOGGL_KEY,
        description=(
            "Toggl Track (Reports API v3 saved shared reports and the profitability projects export), read through "
            "the `toggl_api` pool. External: Dagster does not materialize it."
        ),
        group_name=TABLES_GROUP,
        kinds={"toggl"},
        owners=OWNERS,
        metadata={"api": "Toggl Track API v3 (api.track.toggl.com, or TOGGL_API_URL)"},
    )


def warehouse_specs(
    shared_report_keys: Sequence[dg.AssetKey], profitability_keys: Sequence[dg.AssetKey]
) -> list[dg.AssetSpec]:
    """Toggl, every table with the source assets that write it, every view with the relations it reads."""
    writers: dict[str, list[dg.AssetKey]] = {spec.qualified_name: [] for spec in tables.ALL_TABLES}
    for keys, written in ((shared_report_keys, SHARED_REPORT_TABLES), (profitability_keys, PROFITABILITY_TABLES)):
        for spec in written:
            writers[spec.qualified_name].extend(keys)
    raw_writers = [*shared_report_keys, *profitability_keys]
    specs = [toggl_spec()]
    for spec in tables.ALL_TABLES:
        specs.append(
            dg.AssetSpec(
                table_key(spec),
                deps=writers[spec.qualified_name],
                description=spec.description,
                group_name=TABLES_GROUP,
                kinds={"postgres", "table"},
                owners=OWNERS,
                metadata={
                    "dagster/table_name": spec.qualified_name,
                    "dagster/column_schema": column_schema(spec),
                    "primary_key": ", ".join(spec.key),
                },
            )
        )
    with warnings.catch_warnings():
        # Virtual assets (views) are a preview feature of Dagster 1.13; chosen on purpose, so no warning at load.
        warnings.simplefilter("ignore", category=dg.PreviewWarning)
        for relation in tables.RELATIONS:
            specs.append(
                dg.AssetSpec(
                    table_key(relation),
                    # toggl_raw (the raw fetches) is what the source assets land: depend on them
                    deps=sorted({
                        dep for name in relation.reads
                        for dep in (raw_writers if name.startswith("toggl_raw.") else [table_key(name)])
                    }, key=lambda key: key.to_user_string()),
                    description=relation.description,
                    group_name=TABLES_GROUP if relation.schema == "toggl" else REPORTING_GROUP,
                    kinds={"postgres", relation.kind},
                    owners=OWNERS,
                    is_virtual=relation.kind == "view",
                    metadata={
                        "dagster/table_name": relation.qualified_name,
                        "dagster/column_schema": column_schema(relation),
                    },
                )
            )
    return specs


def table_materializations(
    stats_by_table: Mapping[str, LoadStats], *, source: dg.AssetKey, window: str
) -> Iterable[dg.AssetMaterialization]:
    """One materialization per table a source asset's load changed or confirmed (the tables are shared, so
    these record a write, not a partition): what the merge did to it, and which source and window wrote it."""
    for name, stats in stats_by_table.items():
        yield dg.AssetMaterialization(
            asset_key=table_key(name),
            description=f"written by {source.to_user_string()} for {window}",
            metadata={
                "source": dg.MetadataValue.text(source.to_user_string()),
                "window": dg.MetadataValue.text(window),
                "staged": dg.MetadataValue.int(stats.staged),
                "inserted": dg.MetadataValue.int(stats.inserted),
                "updated": dg.MetadataValue.int(stats.updated),
                "deleted": dg.MetadataValue.int(stats.deleted),
                "unchanged": dg.MetadataValue.int(stats.unchanged),
            },
        )
