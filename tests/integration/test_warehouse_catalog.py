"""The generated declaration of the warehouse (`toggl_warehouse/warehouse/catalog.py`) is what the migrations make.

`sql/` is the truth for the database; `catalog.py` is generated from a fresh database migrated to head. This
regenerates it exactly as the command does and compares byte for byte, so a new migration without a
regenerated catalogue fails here with the command to run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from toggl_warehouse.warehouse import catalog, generate, tables

pytestmark = pytest.mark.integration


def test_the_committed_catalogue_is_what_the_migrations_make(database_server_url: str) -> None:
    regenerated = generate.generate(database_server_url)

    if regenerated != generate.CATALOG_PATH.read_text(encoding="utf-8"):
        pytest.fail(f"warehouse/catalog.py is stale for sql/: run `{generate.COMMAND}` and commit it", pytrace=False)


def test_every_relation_of_the_catalogue_is_loaded_or_a_view_or_reference_table() -> None:
    names = [relation["name"] for relation in catalog.RELATIONS]

    assert sorted(spec.qualified_name for spec in tables.ALL_RELATIONS) == sorted(names)
    assert (len(names), len(tables.ALL_TABLES), len(tables.RELATIONS)) == (37, 13, 24)
    assert sorted(tables.LOADED_TABLES) == [
        "toggl.clients", "toggl.profitability_projects", "toggl.projects", "toggl.report_rates", "toggl.report_summary",
        "toggl.report_time_entries", "toggl.report_totals", "toggl.report_totals_graph", "toggl.report_weekly",
        "toggl.tags", "toggl.tasks", "toggl.user_groups", "toggl.users",
    ]
    assert {spec.kind for spec in tables.ALL_TABLES} == {"table"}


def test_every_column_and_relation_has_a_comment() -> None:
    missing = [
        f"{spec.qualified_name}.{column.name}" for spec in tables.ALL_RELATIONS for column in spec.all_columns
        if not column.description.strip()
    ] + [spec.qualified_name for spec in tables.ALL_RELATIONS if not spec.description.strip()]

    assert missing == []


def test_loaded_tables_copy_every_column_but_loaded_at_in_table_order() -> None:
    spec = tables.REPORT_TIME_ENTRIES

    assert spec.column_names[:3] == ("report_key", "time_entry_id", "entry_date")
    assert spec.column_names[-2:] == ("utc_offset_seconds", "stop_utc_offset_seconds")
    assert "loaded_at" not in spec.column_names
    assert [c.name for c in spec.all_columns].index("loaded_at") == len(spec.column_names) - 2
    assert spec.key == ("report_key", "time_entry_id")
    assert spec.dtypes["time_entry_id"] == "int64" and spec.dtypes["user_id"] == "Int64"
    assert spec.dtypes["billable"] == "bool" and spec.dtypes["description"] == "object"
    assert sum(len(s.all_columns) for s in tables.ALL_RELATIONS) == 450


def test_a_stale_catalogue_fails_with_the_command_to_run(database_server_url: str, tmp_path, monkeypatch, capsys) -> None:
    stale = tmp_path / "catalog.py"
    stale.write_text("RELATIONS = ()\n", encoding="utf-8")
    monkeypatch.setattr(generate, "CATALOG_PATH", stale)

    assert generate.main(["--check", "--server-url", database_server_url]) == 1
    assert capsys.readouterr().err == (
        f"{stale} is not what the migrations in sql/ make; run `python -m toggl_warehouse.warehouse.generate` and commit it\n"
    )
    assert generate.main(["--server-url", database_server_url]) == 0
    assert stale.read_text(encoding="utf-8") == Path(generate.__file__).with_name("catalog.py").read_text(encoding="utf-8")
    assert generate.main(["--check", "--server-url", database_server_url]) == 0
