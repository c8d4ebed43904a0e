"""Failures a person can read: a known error inside an asset becomes a Dagster Failure with one line.

The line says what happened and what to do (Toggl's status and message, "quota used up, resets in N s",
the page and field that was malformed, the database that could not be reached). The exception chain,
with its stack trace, stays in the Dagster event log; `console_logger` (the code location's "console"
logger) can print a failed step as that one line instead of Dagster's stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import psycopg
import sqlalchemy as sa

from toggl_warehouse.check.gate import FetchRefused
from toggl_warehouse.toggl.errors import TogglError
from toggl_warehouse.transform.profitability import ExportFormatError
from toggl_warehouse.warehouse import errors as warehouse_errors

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


def failure_line(event: dg.DagsterEvent) -> str:
    """The one line that says why a step failed: a Failure's description, else the innermost cause's message."""
    data = event.event_specific_data
    user = getattr(data, "user_failure_data", None)
    if user is not None and user.description:
        return user.description
    error = getattr(data, "error", None)
    if error is None:
        return event.message or "the run failed; see the Dagster UI"
    while error.cause is not None:
        error = error.cause
    lines = [line for line in error.message.strip().splitlines() if line.strip()]
    return lines[0] if lines else error.cls_name or "unknown error"



@dg.logger(
    {
        "log_level": dg.Field(str, is_required=False, default_value="DEBUG", description="The logger's threshold."),
        "name": dg.Field(str, is_required=False, default_value="dagster", description="The logger's name."),
        "stack_traces": dg.Field(
            bool, is_required=False, default_value=True,
            description="Print failed steps with their stack trace (Dagster's default); false prints the one-line cause.",
        ),
    },
    description="Dagster's colored console logger; with stack_traces: false a failed step is printed as its one-line cause.",
)
def console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    """The console logger of every job of this code location (`toggl-warehouse backfill` sets stack_traces: false)."""
    logger = dg.colored_console_logger.logger_fn(init_context)  # reads the same `name` and `log_level`
    if not init_context.logger_config["stack_traces"]:
        logger.addFilter(_OneLineFailures())
    return logger


class _OneLineFailures(logging.Filter):
    """Rewrites a step or run failure record to its one-line cause (the stack trace stays in the event log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if event is not None and event.is_step_failure:
            record.msg, record.args = f"{event.step_key} failed: {failure_line(event)}", None
        elif event is not None and event.is_run_failure:
            record.msg, record.args = f"run {event.job_name} failed", None
        return True
