"""Every flattener's output has exactly the columns declared for its table in `toggl_warehouse.warehouse.tables`
(minus `loaded_at`), in table order.

The declaration is the single source: the flatteners take their column tuples from it, and this proves
what they build follows it too, for toggl.report_time_entries, report_summary, report_weekly,
report_totals / report_totals_graph / report_rates and the six dimension tables (the profitability
export's frame is covered in test_transform_profitability). That the declaration matches the migrated
database is proven in tests/integration/test_warehouse_catalog.py (catalog.py regenerated from the migrations);
the frames' dtypes are the declared ones (`TableSpec.dtypes`).
"""

from __future__ import annotations

from datetime import date

import pytest

from toggl_warehouse.transform import detailed, dictionaries, profitability, summary, totals, weekly
from toggl_warehouse.warehouse import tables

DAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("columns", "spec"),
    [
        (detailed.DETAILED_COLUMNS, tables.REPORT_TIME_ENTRIES),
        (summary.SUMMARY_COLUMNS, tables.REPORT_SUMMARY),
        (weekly.WEEKLY_COLUMNS, tables.REPORT_WEEKLY),
        (totals.TOTALS_COLUMNS, tables.REPORT_TOTALS),
        (totals.GRAPH_COLUMNS, tables.REPORT_TOTALS_GRAPH),
        (totals.RATES_COLUMNS, tables.REPORT_RATES),
        (profitability.PROFITABILITY_COLUMNS, tables.PROFITABILITY_PROJECTS),
        *((dictionaries.DIMENSION_COLUMNS[name], spec) for name, spec in tables.DIMENSION_TABLES.items()),
    ],
    ids=lambda value: getattr(value, "qualified_name", ""),
)
def test_flattener_columns_are_the_declared_columns(columns: tuple[str, ...], spec: tables.TableSpec) -> None:
    assert columns == spec.column_names
    assert "loaded_at" not in columns


def _frames() -> dict[tables.TableSpec, object]:
    return {
        tables.REPORT_SUMMARY: summary.flatten_summary([], "team", DAY, DAY, grouping="projects", sub_grouping="users"),
        tables.REPORT_WEEKLY: weekly.flatten_weekly([], "team", DAY, DAY),
        **dict(zip(
            (tables.REPORT_TOTALS, tables.REPORT_TOTALS_GRAPH, tables.REPORT_RATES),
            totals.flatten_totals({"seconds": 0}, "team", DAY, DAY),
        )),
        **{tables.DIMENSION_TABLES[name]: frame for name, frame in dictionaries.flatten_dictionaries({}).items()},
    }


def test_flattened_frames_have_the_declared_columns() -> None:
    frames = _frames()

    assert {spec.qualified_name: tuple(frame.columns) for spec, frame in frames.items()} == {
        spec.qualified_name: spec.column_names for spec in frames
    }
    # all but toggl.profitability_projects and toggl.report_time_entries (its records are tuples in
    # DETAILED_COLUMNS order, checked above)
    assert len(frames) == len(tables.ALL_TABLES) - 2


def test_flattened_frames_have_the_dtypes_the_declaration_gives_each_column() -> None:
    frames = _frames()

    assert {spec.qualified_name: {name: str(dtype) for name, dtype in frame.dtypes.items()} for spec, frame in frames.items()} == {
        spec.qualified_name: spec.dtypes for spec in frames
    }
    assert tables.PROJECTS.dtypes["billable"] == "boolean"
