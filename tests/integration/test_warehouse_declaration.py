"""The one declaration of the warehouse (`toggl_warehouse.warehouse.tables`) against the migrated database.

The SQL migrations are hand-written; this proves that after they ran, the catalogue holds exactly what
is declared: every table and view of the schemas `toggl` and `reporting` is declared, in column order
with the declared types and NOT NULL, the primary keys, the table and column comments word for word,
and the relations each view reads.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from toggl_warehouse.warehouse import tables

pytestmark = pytest.mark.integration



def _catalogue(engine: Engine, query: str, params: tuple = ()) -> list[tuple]:
    with engine.connect() as conn:
        return conn.connection.driver_connection.execute(query, params).fetchall()


def _columns(engine: Engine, name: str) -> list[tuple[str, str, bool, str | None]]:
    return _catalogue(
        engine,
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, col_description(a.attrelid, a.attnum) "
        "FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (name,),
    )


def test_every_relation_of_the_warehouse_is_declared(engine: Engine) -> None:
    relations = _catalogue(
        engine,
        "SELECT n.nspname || '.' || c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('toggl', 'reporting') AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1",
    )
    declared = {spec.qualified_name: "r" for spec in tables.ALL_TABLES}
    declared |= {spec.qualified_name: "v" if spec.kind == "view" else "r" for spec in tables.RELATIONS}

    assert dict(relations) == declared


@pytest.mark.parametrize("spec", tables.ALL_TABLES, ids=lambda s: s.qualified_name)
def test_loaded_table_matches_the_catalogue(engine: Engine, spec: tables.TableSpec) -> None:
    catalogue = [(name, tables.COPY_TYPE_OF_CATALOGUE_TYPE.get(pg_type, pg_type), nullable, comment)
                 for name, pg_type, nullable, comment in _columns(engine, spec.qualified_name)]
    key = _catalogue(
        engine,
        "SELECT a.attname FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) "
        "JOIN pg_attribute a ON a.attnum = k.attnum "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary AND a.attrelid = i.indrelid ORDER BY k.pos",
        (spec.qualified_name,),
    )
    (comment,) = _catalogue(engine, "SELECT obj_description(%s::regclass, 'pg_class')", (spec.qualified_name,))[0]

    assert catalogue == [(c.name, c.pg_type, c.nullable, c.description) for c in spec.all_columns]
    assert tuple(name for (name,) in key) == spec.key
    assert comment == spec.description


@pytest.mark.parametrize("spec", tables.RELATIONS, ids=lambda s: s.qualified_name)
def test_view_or_reference_table_matches_the_catalogue(engine: Engine, spec: tables.RelationSpec) -> None:
    if spec.kind == "view":
        reads = _catalogue(
            engine,
            "SELECT DISTINCT table_schema || '.' || table_name FROM information_schema.view_table_usage "
            "WHERE view_schema || '.' || view_name = %s ORDER BY 1",
            (spec.qualified_name,),
        )
    else:  # the tables whose triggers write it
        reads = _catalogue(
            engine,
            "SELECT DISTINCT n.nspname || '.' || c.relname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND p.prosrc LIKE '%%' || %s || '%%'",
            (spec.qualified_name,),
        )
    (comment,) = _catalogue(engine, "SELECT obj_description(%s::regclass, 'pg_class')", (spec.qualified_name,))[0]

    assert _columns(engine, spec.qualified_name) == [(c.name, c.data_type, c.nullable, c.description) for c in spec.columns]
    assert tuple(sorted(name for (name,) in reads)) == tuple(sorted(spec.reads))
    assert comment == spec.description


def test_every_declared_column_and_relation_has_a_comment() -> None:
    missing = [
        f"{spec.qualified_name}.{column.name}" for spec in tables.ALL_RELATIONS for column in spec.all_columns
        if not column.description.strip()
    ] + [spec.qualified_name for spec in tables.ALL_RELATIONS if not spec.description.strip()]

    assert missing == []
