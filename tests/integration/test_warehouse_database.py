"""Finding the database: explicit URL, a local server on 127.0.0.1:5432, or an embedded pgserver
(started for real here, pretending no local server answers); URL normalisation and redaction."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from pipelines.warehouse import database
from pipelines.warehouse.database import (
    create_engine_for,
    redact_url,
    resolve_database_url,
    sqlalchemy_url,
)
from pipelines.warehouse.migrations import apply_migrations

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
    # Outside pytest's tmp dirs: pgserver (as root) runs postgres as OS user "pgserver" and widens parents.
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
