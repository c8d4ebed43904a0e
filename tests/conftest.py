"""Shared pytest fixtures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from psycopg import sql
from sqlalchemy import Engine


# -- warehouse database fixtures ------------------------------------------------------------------
# A fresh database per test session on the server the product itself would find (a local Postgres
# on 127.0.0.1:5432, else the embedded one), dropped at the end. TOGGL_WAREHOUSE_TEST_SERVER_URL
# (a URL of any database on another server, e.g. postgresql://postgres@db/postgres) overrides.

WAREHOUSE_SCHEMAS = ("toggl", "toggl_raw")


@pytest.fixture(scope="session")
def database_server_url() -> str:
    """URL of a maintenance database on the test server (used to create and drop test databases)."""
    from toggl_warehouse.warehouse.database import find_server

    return os.environ.get("TOGGL_WAREHOUSE_TEST_SERVER_URL") or find_server().url


@pytest.fixture
def instance_database(database_server_url: str) -> Iterator[str]:
    """A scratch database for a Dagster instance, as a psycopg2 URL for dagster-postgres."""
    import sqlalchemy as sa

    from toggl_warehouse.warehouse.database import drop_database, ensure_database

    name = f"tw_dagster_{uuid.uuid4().hex[:10]}"
    url = sa.make_url(ensure_database(database_server_url, name))
    yield url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    drop_database(database_server_url, name)


@pytest.fixture(scope="session")
def database_url(database_server_url: str) -> Iterator[str]:
    """URL of a fresh, empty database ``tw_test_<random>``, dropped after the session."""
    from toggl_warehouse.warehouse.database import drop_database, ensure_database

    name = f"tw_test_{uuid.uuid4().hex[:12]}"
    url = ensure_database(database_server_url, name)
    yield url
    drop_database(database_server_url, name)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Engine on the session's test database, with every migration in sql/ applied."""
    from toggl_warehouse.warehouse.database import create_engine_for
    from toggl_warehouse.warehouse.migrations import apply_migrations

    engine = create_engine_for(database_url)
    apply_migrations(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_warehouse(engine: Engine) -> Engine:
    """The session engine with every table of the toggl and toggl_raw schemas emptied."""
    with engine.begin() as conn:
        pg = conn.connection.driver_connection
        tables = pg.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s) ORDER BY 1, 2",
            (list(WAREHOUSE_SCHEMAS),),
        ).fetchall()
        if tables:
            names = sql.SQL(", ").join(sql.Identifier(schema, table) for schema, table in tables)
            pg.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(names))
    return engine


# -- Toggl emulator and pipeline fixtures ---------------------------------------------------------
# The emulator serves a generated workspace over real HTTP on a loopback port; the pipeline is run
# through Dagster with the real client, pointed at it through the same environment variables a user sets.


# The emulator answers in the `enriched` dialect (names in every row) unless TOGGL_TEST_DIALECT says otherwise;
# a module marked `both_dialects` runs each of its emulator tests in `enriched` and `swagger` (Toggl's spec).
DIALECTS = ("enriched", "swagger")


def pytest_configure(config):
    config.addinivalue_line("markers", "both_dialects: run the module's emulator tests in both emulator dialects")


def pytest_generate_tests(metafunc):
    if "emulator_dialect" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_dialects"):
        metafunc.parametrize("emulator_dialect", DIALECTS, scope="session")


@pytest.fixture(scope="session")
def emulator_dialect() -> str:
    """The dialect the emulator fixtures answer in (parametrized over both in `both_dialects` modules)."""
    return os.environ.get("TOGGL_TEST_DIALECT", "enriched")


def _emulator_config(dialect: str, **overrides):
    from datetime import date, timedelta

    from toggl_warehouse.toggl.emulator import EmulatorConfig

    today = date.today()
    return EmulatorConfig(**{"seed": 7, "start": today - timedelta(days=120), "end": today, "dialect": dialect,
                             **overrides})


@pytest.fixture(scope="session")
def _shared_emulators():
    """The session's read-only emulators, one per dialect, started on first use and stopped at the end.

    Keyed by dialect rather than a session fixture depending on the parametrized `emulator_dialect`: pytest keeps
    such a fixture's value across a change of its parameter, so a module after a `both_dialects` one got the
    swagger emulator where it asked for the default."""
    from contextlib import ExitStack

    from toggl_warehouse.toggl.emulator import TogglEmulator

    with ExitStack() as stack:
        started: dict[str, TogglEmulator] = {}

        def get(dialect: str) -> TogglEmulator:
            if dialect not in started:
                started[dialect] = stack.enter_context(TogglEmulator(_emulator_config(dialect)))
            return started[dialect]

        yield get


@pytest.fixture
def shared_emulator(_shared_emulators, emulator_dialect):
    """A read-only emulator shared by the session in this test's dialect (tests that change its data use `emulator`)."""
    return _shared_emulators(emulator_dialect)


@pytest.fixture
def emulator(emulator_dialect):
    """A fresh emulator for one test, free to change its data and inject faults."""
    from toggl_warehouse.toggl.emulator import TogglEmulator

    with TogglEmulator(_emulator_config(emulator_dialect)) as emulator:
        yield emulator


@pytest.fixture
def pipeline_env(monkeypatch, database_url, tmp_path):
    """Returns a function that points toggl-warehouse (env vars, as a user would) at an emulator."""
    from toggl_warehouse.settings import Settings

    monkeypatch.chdir(tmp_path)  # no stray .env, and .dagster_home lands in tmp

    def configure(emulator, reports=("team_detailed", "grouped_detailed"), **extra):
        environment = {
            "TOGGL_API_URL": emulator.base_url,
            "TOGGL_API_TOKEN": emulator.api_token,
            "TOGGL_SHARED_REPORTS": ",".join(f"{key}={emulator.reports[key].token}" for key in reports),
            "TOGGL_MIN_REQUEST_INTERVAL": "0",
            "TOGGL_START_DATE": emulator.config.start.isoformat(),
            "DATABASE_URL": database_url,
            **{key: str(value) for key, value in extra.items()},
        }
        for name in ("TOGGL_WORKSPACE_IDS", "TOGGL_EMAIL", "TOGGL_PASSWORD", "DAGSTER_HOME"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return Settings.from_env()

    return configure
