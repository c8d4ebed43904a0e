"""The slice lock: one fetch-and-load of a report (or workspace export) at a time, across processes and workers.

Taken before fetching and held until the load committed, so two overlapping runs cannot commit out of
order. It is a session-level advisory lock on a dedicated connection in autocommit mode: while the
client waits on Toggl that connection is idle, never `idle in transaction`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def slice_lock(engine: sa.Engine, name: str) -> Iterator[None]:
    """Hold the advisory lock named `name` (e.g. "shared_report team") for the duration of the block."""
    raw = engine.raw_connection()
    pg = raw.driver_connection
    pg.autocommit = True
    try:
        pg.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (f"toggl-warehouse slice {name}",))
        try:
            yield
        finally:
            if not pg.closed:
                pg.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (f"toggl-warehouse slice {name}",))
    finally:
        if not pg.closed:
            pg.autocommit = False
        raw.close()
