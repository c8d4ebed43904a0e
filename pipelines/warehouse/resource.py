"""WarehouseResource: the Dagster resource that hands assets a migrated SQLAlchemy engine."""

from __future__ import annotations

import threading
from typing import Optional

import dagster as dg
import sqlalchemy as sa
from pydantic import Field

from pipelines.warehouse.database import (
    create_engine_for,
    redact_url,
    resolve_database_url,
)
from pipelines.warehouse.migrations import apply_migrations

_ENGINES: dict[Optional[str], tuple[sa.Engine, str]] = {}
_LOCK = threading.Lock()


def warehouse_engine(database_url: Optional[str]) -> tuple[sa.Engine, str]:
    """A migrated engine for `database_url` (or the local/embedded default) and where it came from; cached per process."""
    with _LOCK:
        if database_url not in _ENGINES:
            resolved = resolve_database_url(database_url)
            engine = create_engine_for(resolved.url)
            apply_migrations(engine)
            _ENGINES[database_url] = (engine, f"{resolved.origin}: {redact_url(resolved.url)}")
        return _ENGINES[database_url]


class WarehouseResource(dg.ConfigurableResource):
    """The Postgres warehouse: DATABASE_URL when set, else a local server on 127.0.0.1:5432, else an embedded one."""

    database_url: Optional[str] = Field(
        default=None, description="postgresql:// URL of the warehouse (DATABASE_URL); secret when it holds a password."
    )

    def engine(self) -> sa.Engine:
        """The engine, with `sql/` migrations applied."""
        return warehouse_engine(self.database_url)[0]

    def describe(self) -> str:
        """Which database is used, with any password hidden."""
        return warehouse_engine(self.database_url)[1]
