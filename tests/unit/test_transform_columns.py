"""Unit test that every flattener's column tuple equals its table's columns in sql/ (minus loaded_at).

Covers toggl.report_time_entries (DETAILED_COLUMNS), toggl.report_totals / report_totals_graph /
report_rates (TOTALS_/GRAPH_/RATES_COLUMNS), toggl.report_summary (SUMMARY_COLUMNS), toggl.report_weekly
(WEEKLY_COLUMNS) and the six dimension tables (DIMENSION_COLUMNS), read from the
CREATE TABLE statements of the migrations, so a column added to a table without the flattener fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.transform.detailed import DETAILED_COLUMNS
from pipelines.transform.dictionaries import DIMENSION_COLUMNS
from pipelines.transform.summary import SUMMARY_COLUMNS
from pipelines.transform.totals import GRAPH_COLUMNS, RATES_COLUMNS, TOTALS_COLUMNS
from pipelines.transform.weekly import WEEKLY_COLUMNS

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
_CREATE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)\.(\w+)\s*\((.*?)\n\);", re.S)
_CONSTRAINTS = {"PRIMARY", "UNIQUE", "CONSTRAINT", "FOREIGN", "CHECK"}


def table_columns() -> dict[str, tuple[str, ...]]:
    """Columns of every table created in sql/*.sql, keyed by schema.table, in declaration order."""
    tables = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        for schema, table, body in _CREATE.findall(path.read_text()):
            names = (line.split()[0] for line in body.splitlines() if line.strip())
            tables[f"{schema}.{table}"] = tuple(n for n in names if n.upper() not in _CONSTRAINTS)
    return tables


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("toggl.report_time_entries", DETAILED_COLUMNS),
        ("toggl.report_totals", TOTALS_COLUMNS),
        ("toggl.report_totals_graph", GRAPH_COLUMNS),
        ("toggl.report_rates", RATES_COLUMNS),
        ("toggl.report_summary", SUMMARY_COLUMNS),
        ("toggl.report_weekly", WEEKLY_COLUMNS),
        *((f"toggl.{name}", columns) for name, columns in DIMENSION_COLUMNS.items()),
    ],
)
def test_flattener_columns_equal_table_columns(table: str, columns: tuple[str, ...]) -> None:
    declared = table_columns()[table]

    assert declared[-1] == "loaded_at"
    assert columns == declared[:-1]
