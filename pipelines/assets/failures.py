"""Failures a person can read: a known error inside an asset becomes a Dagster Failure with one line.

The line says what happened and what to do (Toggl's status and message, "quota used up, resets in N s",
the page and field that was malformed, the database that could not be reached). The exception chain,
with its stack trace, stays in the Dagster event log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import psycopg
import sqlalchemy as sa

from pipelines.check.gate import FetchRefused
from pipelines.toggl.errors import TogglError
from pipelines.transform.profitability import ExportFormatError
from pipelines.warehouse import errors as warehouse_errors

READABLE = (TogglError, FetchRefused, ExportFormatError, warehouse_errors.WarehouseError)


@contextmanager
def one_line_failures(what: str, engine: sa.Engine | None = None) -> Iterator[None]:
    """Turn the errors of extract, check and load inside the block into a one-line `dg.Failure`."""
    try:
        yield
    except warehouse_errors.WarehouseError as exc:
        line = str(exc)
        raise _failure(line if line.startswith(what) else f"{what}: {line}") from exc
    except READABLE as exc:
        raise _failure(str(exc)) from exc
    except (sa.exc.DBAPIError, psycopg.Error) as exc:
        error = warehouse_errors.lost_during(what, engine, exc) if engine is not None else warehouse_errors.WarehouseError(
            f"{what}: the warehouse Postgres failed: {warehouse_errors.first_line(exc)}"
        )
        raise _failure(str(error)) from exc


def _failure(line: str) -> dg.Failure:
    return dg.Failure(description=line, metadata={"error": dg.MetadataValue.text(line)})
