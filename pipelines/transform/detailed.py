"""Detailed report flattening: this module owns turning the ``detailed_results.report`` rows of a shared
report response (one row per report line, each holding one or more ``time_entries``) into the time entries
DataFrame whose columns are those of ``toggl.report_time_entries`` (minus ``loaded_at``), one row per time
entry. It works in a single pass that gathers plain column lists, then builds the DataFrame once with
explicit dtypes; timestamps are parsed vectorised. No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipelines.transform.amounts import amount_array, split_pro_rata, to_int
from pipelines.warehouse import tables

DETAILED_COLUMNS: tuple[str, ...] = tables.REPORT_TIME_ENTRIES.column_names
"""Columns of ``toggl.report_time_entries`` minus ``loaded_at``, in table order, as declared in ``warehouse.tables``."""

# Fields read once per report row (repeated on each of its time entries) and once per time entry.
_ROW_NULLABLE_INTS = ("user_id", "project_id", "task_id", "hourly_rate_in_cents")
_ROW_TEXTS = (
    "username",
    "email",
    "project_name",
    "project_color",
    "client_name",
    "task_name",
    "description",
    "currency",
)
_ROW_FIELDS = _ROW_NULLABLE_INTS + _ROW_TEXTS + (
    "project_hex",
    "project_hex_color",
    "billable",
    "tag_ids",
    "tag_names",
    "billable_amount_in_cents",
)
_ENTRY_FIELDS = ("id", "start", "stop", "at", "seconds")

_TIMESTAMP_UNIT = "us"


def flatten_time_entries(
    rows: list[dict[str, Any]], report_key: str, *, amounts_hidden: bool = False
) -> pd.DataFrame:
    """Flatten the rows of a detailed report page into one DataFrame row per time entry.

    Each report row's fields (user, project, task, description, tags, rate, ...) are repeated on each of its
    time entries. ``row_billable_amount_in_cents`` is the row's amount; ``billable_amount_in_cents`` is this
    entry's share of it, pro rata by seconds (see :func:`split_pro_rata`), so the shares of a row sum to the
    row amount exactly (a missing amount is 0). With ``amounts_hidden`` (the response's ``hide_amounts``, see
    :func:`pipelines.transform.amounts.amounts_hidden`) both amounts are ``pd.NA`` and whatever Toggl put in
    them is not read; the hourly rate is kept as served. ``entry_date`` is the date written in the ``start`` string
    (its local date, never converted to UTC); ``start_at``/``stop_at``/``updated_at`` (from ``at``) keep the
    instant, in UTC. A running timer (``stop`` null, or a negative ``seconds``) gets ``is_running`` True, and
    a negative ``seconds`` becomes 0. ``project_hex`` falls back to the weekly-style ``project_hex_color``.
    Rows without time entries produce nothing; ``at_tz`` and ``row_number`` are ignored.

    Dtypes: ``time_entry_id``, ``seconds`` int64; both amounts nullable Int64; ``user_id``, ``project_id``, ``task_id``,
    ``hourly_rate_in_cents`` nullable Int64; ``is_running``, ``billable`` bool (null billable -> False);
    timestamps ``datetime64[us, UTC]``; ``entry_date`` object holding ``datetime.date``; text object holding
    ``str`` or ``None`` (never NaN or ``"nan"``); ``tag_ids``/``tag_names`` object holding the response's own
    lists (``[]`` when null; not copied, so do not mutate them).

    Args:
        rows: The ``detailed_results.report`` array (or one page of it), as decoded from JSON.
        report_key: Name of the shared report, written in every row.
        amounts_hidden: True when the response hides its amounts: both amount columns are then NA.

    Returns:
        A DataFrame with exactly the columns :data:`DETAILED_COLUMNS`, in that order.

    Raises:
        ValueError: A time entry has no ``id`` or no ``start``, a timestamp is not ISO 8601 (a start must
            begin with its ``YYYY-MM-DD`` date), or an amount is not an integer.
    """
    counts, by_row, by_entry = _collect(rows)
    _require_present(by_entry["id"], "id")
    _require_present(by_entry["start"], "start")
    row_index = None if len(counts) == len(by_entry["id"]) else np.repeat(np.arange(len(counts)), counts)

    def per_entry(values: Any) -> Any:
        """Repeat a per-row array once per time entry of its row."""
        return values if row_index is None else values.take(row_index)

    amounts = [0] * len(counts) if amounts_hidden else [to_int(amount) for amount in by_row["billable_amount_in_cents"]]
    seconds = [value or 0 for value in by_entry["seconds"]]
    given_seconds = np.asarray(seconds, dtype=np.int64)
    stop_at = _timestamps(by_entry["stop"], "stop")
    project_hex = [
        color if hex_ is None else hex_ for hex_, color in zip(by_row["project_hex"], by_row["project_hex_color"])
    ]
    columns = {
        "report_key": _object_series([report_key] * len(seconds)),
        "time_entry_id": pd.Series(np.asarray(by_entry["id"], dtype=np.int64)),
        "entry_date": _object_series(_local_dates(by_entry["start"])),
        "start_at": pd.Series(_timestamps(by_entry["start"], "start")),
        "stop_at": pd.Series(stop_at),
        "seconds": pd.Series(np.maximum(given_seconds, 0)),
        "is_running": pd.Series(np.asarray(stop_at.isna()) | (given_seconds < 0)),
        "updated_at": pd.Series(_timestamps(by_entry["at"], "at")),
        "project_hex": _object_series(per_entry(_objects(project_hex))),
        "billable": pd.Series(per_entry(np.asarray([bool(value) for value in by_row["billable"]], dtype=bool))),
        "tag_ids": _object_series(per_entry(_objects(_lists(by_row["tag_ids"])))),
        "tag_names": _object_series(per_entry(_objects(_lists(by_row["tag_names"])))),
        "row_billable_amount_in_cents": pd.Series(amount_array(per_entry(np.asarray(amounts, dtype=np.int64)), amounts_hidden)),
        "billable_amount_in_cents": pd.Series(amount_array(_shares(amounts, counts, seconds), amounts_hidden)),
    }
    for name in _ROW_NULLABLE_INTS:
        columns[name] = pd.Series(per_entry(pd.array(by_row[name], dtype="Int64")))
    for name in _ROW_TEXTS:
        columns[name] = _object_series(per_entry(_objects(by_row[name])))
    return pd.DataFrame({name: columns[name] for name in DETAILED_COLUMNS})


def _collect(rows: list[dict[str, Any]]) -> tuple[list[int], dict[str, list[Any]], dict[str, list[Any]]]:
    """The single pass over a page: each field's values gathered into a plain list.

    Returns the number of time entries of each row that has any, the row fields (one value per such row)
    and the entry fields (one value per time entry). Only appends: building a tuple or copying a list per
    row makes Python's cyclic garbage collector rescan the whole decoded response again and again, which
    measured slower than everything else here put together.
    """
    counts: list[int] = []
    by_row: dict[str, list[Any]] = {field: [] for field in _ROW_FIELDS}
    by_entry: dict[str, list[Any]] = {field: [] for field in _ENTRY_FIELDS}
    row_appends = [(by_row[field].append, field) for field in _ROW_FIELDS]
    entry_appends = [(by_entry[field].append, field) for field in _ENTRY_FIELDS]
    for row in rows:
        entries = row.get("time_entries")
        if not entries:
            continue
        counts.append(len(entries))
        for append, field in row_appends:
            append(row.get(field))
        for entry in entries:
            for append, field in entry_appends:
                append(entry.get(field))
    return counts, by_row, by_entry


def _shares(amounts: list[int], counts: list[int], seconds: list[int]) -> list[int]:
    """Each time entry's share of its row's amount, pro rata by seconds (see :func:`split_pro_rata`)."""
    if len(amounts) == len(seconds):  # one entry per row: the share is the row amount
        return amounts
    shares: list[int] = []
    position = 0
    for amount, count in zip(amounts, counts):
        if count == 1:
            shares.append(amount)
        else:
            shares.extend(split_pro_rata(amount, seconds[position : position + count]))
        position += count
    return shares


def _lists(values: list[Any]) -> list[Any]:
    """Tag lists as received, ``[]`` for null."""
    return [[] if value is None else value for value in values]


def _objects(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array holding ``values`` as they are (lists stay list elements, never a 2-D array)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _object_series(values: Sequence[Any]) -> pd.Series:
    """An object Series (pandas 3 would otherwise infer its ``str`` dtype and turn ``None`` into NaN)."""
    return pd.Series(values, dtype=object)


def _timestamps(values: list[Any], field: str) -> pd.DatetimeIndex:
    """Parse ISO 8601 strings with offsets into UTC timestamps (``None`` -> NaT), vectorised."""
    try:
        return pd.to_datetime(values, format="ISO8601", utc=True).as_unit(_TIMESTAMP_UNIT)
    except ValueError as error:
        raise ValueError(f"a time entry {field!r} is not an ISO 8601 timestamp: {error}") from None


def _local_dates(starts: list[str]) -> np.ndarray:
    """The date written at the start of each ISO 8601 string, as ``datetime.date`` objects, vectorised.

    The first 10 characters are the local date of the entry (the string's own offset); converting to UTC
    first would move late-evening and early-morning entries to another day.
    """
    try:
        return np.asarray(starts, dtype="U10").astype("datetime64[D]").astype(object)
    except ValueError as error:
        raise ValueError(f"a time entry start does not begin with a YYYY-MM-DD date: {error}") from None


def _require_present(values: list[Any], field: str) -> None:
    """Refuse time entries that lack a field the table cannot do without."""
    if None in values:
        raise ValueError(f"time entry without {field!r} at position {values.index(None)} of the page")
