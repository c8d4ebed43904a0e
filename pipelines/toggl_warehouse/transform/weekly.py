"""Weekly report flattening: this module owns turning the ``weekly_results.report`` rows of a shared weekly
report response for one fetched window (one row per user x project x task x rate, each with per-day arrays
``seconds``, ``billable_seconds`` and ``billable_amounts_in_cents``) into the DataFrame whose columns are
those of ``toggl.report_weekly`` (minus ``loaded_at``): one row per week row x day. Array element ``i`` is the
day ``window_start + i``. Single pass into plain column lists, one DataFrame with the declared dtypes (`transform.frames`). No I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import pandas as pd

from toggl_warehouse.transform.amounts import amount_array, to_int
from toggl_warehouse.transform.frames import frame
from toggl_warehouse.warehouse import tables

WEEKLY_COLUMNS: tuple[str, ...] = tables.REPORT_WEEKLY.column_names
"""Columns of ``toggl.report_weekly`` minus ``loaded_at``, in table order, as declared in ``warehouse.tables``."""

KEY_FIELDS = ("user_id", "project_id", "planned_task_id", "hourly_rate_in_cents", "currency")
"""The fields that identify a week row; ``row_key`` is their values joined with ``|``."""

_ARRAYS = (("seconds", "seconds"), ("billable_seconds", "billable_seconds"),
           ("billable_amounts_in_cents", "billable_amount_in_cents"))
_NULLABLE_INTS = ("user_id", "project_id", "planned_task_id", "hourly_rate_in_cents")
_TEXTS = ("user_name", "project_name", "client_name", "project_color", "project_hex_color", "currency")
_MEASURES = ("seconds", "billable_seconds", "billable_amount_in_cents")
_DURATIONS = ("seconds", "billable_seconds")
_AMOUNT = "billable_amount_in_cents"


def flatten_weekly(
    rows: Iterable[Mapping[str, Any]] | None,
    report_key: str,
    window_start: date,
    window_end: date,
    *,
    amounts_hidden: bool = False,
) -> pd.DataFrame:
    """Flatten the rows of a weekly report window into one DataFrame row per week row x day.

    Element ``i`` of a row's arrays belongs to the day ``window_start + i``; elements past ``window_end``
    are ignored (Toggl sends 7 elements even for a shorter window). Days on which a row has no seconds, no
    billable seconds and no amount are not emitted, so the table holds the same rows however a range was cut
    into windows. An array arrives as a JSON array of numbers or numeric strings, or as a string (a JSON
    array, or comma-separated numbers, optionally in braces); ``null`` elements and missing arrays are 0.

    ``row_key`` identifies the week row: :data:`KEY_FIELDS` (user, project, planned task, hourly rate,
    currency) joined with ``|``, an empty field for null, e.g. ``"42|1001||5000|USD"``. Rows with the same
    key in one window are merged day by day (measures summed, the first row's names kept).

    With ``amounts_hidden`` (the response's ``hide_amounts``) ``billable_amount_in_cents`` is ``pd.NA`` on every
    row and Toggl's amount arrays are not read (a day is emitted when it has seconds or billable seconds).
    A row without a rate (``hourly_rate_in_cents`` null) is unpriced: its amount is ``pd.NA`` too, not 0.

    Dtypes: ``seconds``, ``billable_seconds`` int64; ``billable_amount_in_cents`` nullable Int64; ``user_id``, ``project_id``,
    ``planned_task_id``, ``hourly_rate_in_cents`` nullable Int64; ``day`` object holding ``datetime.date``;
    text object holding ``str`` or ``None``.

    Args:
        rows: ``weekly_results.report`` (``None`` is read as empty).
        report_key: Name of the shared report.
        window_start: First date of the served window (day of element 0).
        window_end: Last date of the served window (inclusive).
        amounts_hidden: True when the response hides its amounts.

    Returns:
        A DataFrame with exactly the columns :data:`WEEKLY_COLUMNS`, in that order.

    Raises:
        ValueError: A row is not an object, an array cannot be read, or a number is not an integer.
    """
    days = (window_end - window_start).days + 1
    by_key: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows or []:
        if not isinstance(row, Mapping):
            raise ValueError(f"a weekly row is not an object: {row!r}")
        fields = {name: _optional_int(row.get(name), name) for name in _NULLABLE_INTS}
        fields.update({name: _text(row.get(name)) for name in _TEXTS})
        row_key = "|".join("" if fields[name] is None else str(fields[name]) for name in KEY_FIELDS)
        unpriced = amounts_hidden or fields["hourly_rate_in_cents"] is None
        arrays = [(column, int_array(row.get(source), source)[:days]) for source, column in _ARRAYS
                  if not (unpriced and column == _AMOUNT)]
        for index in range(max((len(values) for _, values in arrays), default=0)):
            measures = {column: 0 for column in _MEASURES}
            measures.update({column: values[index] if index < len(values) else 0 for column, values in arrays})
            if not any(measures.values()):
                continue
            if unpriced:
                measures[_AMOUNT] = None
            target = by_key.get((row_key, index))
            if target is None:
                by_key[(row_key, index)] = {"row_key": row_key, "index": index, **fields, **measures}
            else:
                for column in _MEASURES:
                    if target[column] is not None:
                        target[column] += measures[column]
    merged = list(by_key.values())
    columns: dict[str, Any] = {
        "report_key": [report_key] * len(merged),
        "day": [window_start + timedelta(days=row["index"]) for row in merged],
        _AMOUNT: pd.Series(amount_array([row[_AMOUNT] for row in merged], amounts_hidden)),  # None -> NA
    }
    return frame(tables.REPORT_WEEKLY, {
        name: columns[name] if name in columns else [row[name] for row in merged] for name in WEEKLY_COLUMNS
    })


def int_array(value: Any, field: str) -> list[int]:
    """A per-day array as integers: a list (of numbers or numeric strings) or a string holding one.

    ``None`` -> ``[]``; ``null`` elements -> 0. Strings: ``"[1, 2]"`` (JSON), ``"1,2"`` or ``"{1,2}"``
    (a ``null`` or empty element -> 0).

    Raises:
        ValueError: naming ``field``, when the value is neither.
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError(f"weekly {field!r} is not an array: {value!r}") from None
        else:
            text = text.removeprefix("{").removesuffix("}").strip()
            value = [None if part.strip().lower() == "null" else part for part in text.split(",")] if text else []
    if not isinstance(value, list):
        raise ValueError(f"weekly {field!r} is not an array: {value!r}")
    try:
        return [to_int(element) for element in value]
    except ValueError as error:
        raise ValueError(f"weekly {field!r}: {error}") from None


def _optional_int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return to_int(value)
    except ValueError as error:
        raise ValueError(f"weekly {field!r}: {error}") from None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
