"""Migrations on a real Postgres: order, idempotence, immutability, atomicity, concurrent runners;
every warehouse table and column carries a comment; the loader's TableSpecs match the catalogue."""

from __future__ import annotations

import shutil
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine

from toggl_warehouse.warehouse import tables
from toggl_warehouse.warehouse.database import (
    create_engine_for,
    drop_database,
    ensure_database,
)
from toggl_warehouse.warehouse.migrations import (
    MigrationError,
    apply_migrations,
    default_sql_dir,
    load_migrations,
)

pytestmark = pytest.mark.integration



@pytest.fixture
def scratch_engine(database_server_url: str):
    """An engine on a brand-new empty database, dropped afterwards."""
    name = f"tw_test_mig_{uuid.uuid4().hex[:10]}"
    engine = create_engine_for(ensure_database(database_server_url, name))
    yield engine
    engine.dispose()
    drop_database(database_server_url, name)


@pytest.fixture
def sql_copy(tmp_path: Path) -> Path:
    target = tmp_path / "sql"
    shutil.copytree(default_sql_dir(), target)
    return target


def _scalar(engine: Engine, query: str, params: tuple = ()):
    with engine.connect() as conn:
        return conn.connection.driver_connection.execute(query, params).fetchone()[0]


def _relation_exists(engine: Engine, name: str) -> bool:
    return _scalar(engine, "SELECT to_regclass(%s) IS NOT NULL", (name,))


def test_applies_every_file_in_order_then_nothing(scratch_engine: Engine) -> None:
    expected = [m.name for m in load_migrations(default_sql_dir())]
    assert expected == sorted(expected) and expected[0].startswith("001_")

    assert apply_migrations(scratch_engine) == expected
    assert apply_migrations(scratch_engine) == []
    assert _scalar(scratch_engine, "SELECT count(*) FROM public.toggl_warehouse_migrations") == len(expected)
    assert _relation_exists(scratch_engine, "toggl.report_time_entries")


def test_changed_applied_file_is_an_error_naming_it(scratch_engine: Engine, sql_copy: Path) -> None:
    apply_migrations(scratch_engine, sql_copy)
    edited = sql_copy / "003_report_time_entries.sql"
    edited.write_text(edited.read_text() + "\n-- an afterthought\n")

    with pytest.raises(MigrationError, match="003_report_time_entries.sql"):
        apply_migrations(scratch_engine, sql_copy)


def test_line_endings_do_not_change_the_checksum(scratch_engine: Engine, sql_copy: Path) -> None:
    apply_migrations(scratch_engine, sql_copy)
    path = sql_copy / "001_schemas.sql"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))

    assert apply_migrations(scratch_engine, sql_copy) == []


def test_new_file_is_applied_alone(scratch_engine: Engine, sql_copy: Path) -> None:
    apply_migrations(scratch_engine, sql_copy)
    (sql_copy / "900_extra.sql").write_text(
        "CREATE TABLE toggl.extra (id int);\nCOMMENT ON TABLE toggl.extra IS 'x';\n"
    )
    (sql_copy / "README.md").write_text("not a migration")

    assert apply_migrations(scratch_engine, sql_copy) == ["900_extra.sql"]
    assert _relation_exists(scratch_engine, "toggl.extra")


def test_failing_file_is_rolled_back_and_not_recorded(scratch_engine: Engine, sql_copy: Path) -> None:
    apply_migrations(scratch_engine, sql_copy)
    (sql_copy / "900_broken.sql").write_text("CREATE TABLE toggl.half_done (id int);\nSELECT no_such_function();\n")

    with pytest.raises(Exception, match="no_such_function"):
        apply_migrations(scratch_engine, sql_copy)

    assert not _relation_exists(scratch_engine, "toggl.half_done")
    assert _scalar(scratch_engine, "SELECT count(*) FROM public.toggl_warehouse_migrations WHERE version = '900'") == 0


def test_concurrent_runners_apply_each_file_once(scratch_engine: Engine) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(apply_migrations(scratch_engine))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    applied = [name for result in results for name in result]
    assert sorted(applied) == [m.name for m in load_migrations(default_sql_dir())]


def test_every_table_view_and_column_has_a_comment(engine: Engine) -> None:
    relations = (
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('toggl', 'toggl_raw', 'reporting') AND c.relkind IN ('r', 'v', 'm', 'p') "
    )
    columns = (
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname IN ('toggl', 'toggl_raw', 'reporting') AND c.relkind IN ('r', 'v', 'm', 'p') "
    )
    with engine.connect() as conn:
        pg = conn.connection.driver_connection
        checked_tables = pg.execute("SELECT count(*) " + relations).fetchone()[0]
        checked_columns = pg.execute("SELECT count(*) " + columns).fetchone()[0]
        missing = [
            row[0]
            for row in pg.execute(
                "SELECT n.nspname || '.' || c.relname " + relations
                + "AND obj_description(c.oid, 'pg_class') IS NULL "
                "UNION ALL SELECT n.nspname || '.' || c.relname || '.' || a.attname " + columns
                + "AND col_description(c.oid, a.attnum) IS NULL ORDER BY 1"
            )
        ]
    assert checked_tables >= len(tables.ALL_TABLES) + 1  # + toggl_raw.api_responses
    assert checked_columns > 100
    assert missing == []


@pytest.mark.parametrize("spec", tables.ALL_TABLES, ids=lambda s: s.qualified_name)
def test_table_spec_matches_the_catalogue(engine: Engine, spec: tables.TableSpec) -> None:
    with engine.connect() as conn:
        pg = conn.connection.driver_connection
        columns = pg.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            (spec.qualified_name,),
        ).fetchall()
        key = pg.execute(
            "SELECT a.attname FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) "
            "JOIN pg_attribute a ON a.attnum = k.attnum "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary AND a.attrelid = i.indrelid ORDER BY k.pos",
            (spec.qualified_name,),
        ).fetchall()

    catalogue = [(name, tables.COPY_TYPE_OF_CATALOGUE_TYPE.get(pg_type, pg_type)) for name, pg_type in columns if name != "loaded_at"]
    assert catalogue == [(c.name, c.pg_type) for c in spec.columns]
    assert tuple(name for (name,) in key) == spec.key
    assert "loaded_at" in [name for name, _ in columns]
