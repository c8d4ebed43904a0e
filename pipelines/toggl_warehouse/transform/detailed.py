"""Detailed report flattening: this module owns turning the ``detailed_results.report`` rows of a shared
report response (one row per report line, each holding one or more ``time_entries``) into the rows of
``toggl.report_time_entries`` (minus ``loaded_at``), one per time entry, and the semantics of that mapping.

:func:`time_entry_records` is the one flattener: one pass over the decoded page building COPY-ready tuples
(plain Python values, no pandas) with the sums a load checks (seconds, cents, rows per day). A typed
DataFrame of the same rows was a second flattener; it cost three times as much (``bench/bench_flatten.py``)
and the load never ran it. No I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from operator import itemgetter
from typing import Any

from toggl_warehouse.transform.amounts import split_pro_rata, to_int
from toggl_warehouse.transform.names import NameBook
from toggl_warehouse.warehouse import tables

DETAILED_COLUMNS: tuple[str, ...] = tables.REPORT_TIME_ENTRIES.column_names
"""Columns of ``toggl.report_time_entries`` minus ``loaded_at``, in table order, as declared in ``warehouse.tables``."""

_RECORD_COLUMNS: tuple[str, ...] = (
    "report_key", "time_entry_id", "entry_date", "start_at", "stop_at", "seconds", "is_running", "updated_at",
    "user_id", "username", "email", "project_id", "project_name", "project_color", "project_hex", "client_name",
    "task_id", "task_name", "description", "billable", "tag_ids", "tag_names", "hourly_rate_in_cents", "currency",
    "row_billable_amount_in_cents", "billable_amount_in_cents", "utc_offset_seconds", "stop_utc_offset_seconds",
)
"""The order in which :func:`time_entry_records` writes a tuple (a literal there, for speed)."""
if _RECORD_COLUMNS != DETAILED_COLUMNS:  # the table changed: the tuple literal in time_entry_records must follow
    raise ImportError(f"time_entry_records writes {_RECORD_COLUMNS}, the table has {DETAILED_COLUMNS}")

_UTC = timezone.utc
_ROW_FIELDS = (
    "user_id", "username", "email", "project_id", "project_name", "project_color", "project_hex", "client_name",
    "task_id", "task_name", "description", "billable", "tag_ids", "tag_names", "hourly_rate_in_cents", "currency",
    "billable_amount_in_cents",
)
_ENTRY_FIELDS = ("id", "start", "stop", "at", "seconds")
_ENTRY_DATE = itemgetter(_RECORD_COLUMNS.index("entry_date"))
_SECONDS = itemgetter("seconds")
_SECOND = timedelta(seconds=1)


@dataclass
class TimeEntryRecords:
    """The time entries of a detailed report page, ready for ``COPY`` (see :func:`time_entry_records`)."""

    rows: list[tuple]
    """One tuple per time entry, values in :data:`DETAILED_COLUMNS` order."""
    seconds: int
    """Sum of the rows' ``seconds``."""
    billable_amount_in_cents: int | None
    """Sum of the priced rows' ``billable_amount_in_cents`` (a null amount adds nothing); None when hidden."""
    rows_by_date: dict[date, int]
    """Number of rows per ``entry_date``."""


def time_entry_records(
    rows: list[dict[str, Any]], report_key: str, *, amounts_hidden: bool = False,
    dictionaries: dict[str, Any] | None = None,
) -> TimeEntryRecords:
    """Flatten the rows of a detailed report page into one COPY-ready tuple per time entry.

    Each report row's fields (user, project, task, description, tags, rate, ...) are repeated on each of its
    time entries. ``row_billable_amount_in_cents`` is the row's amount; ``billable_amount_in_cents`` is this
    entry's share of it, pro rata by seconds (see :func:`split_pro_rata`), so the shares of a row sum to the
    row amount exactly. A null amount (Toggl's answer for work without a rate) is None for the row and every
    entry of it: unpriced is not free. Names the row lacks (project, client, task, tags, user name and email)
    come from the response's ``dictionaries`` (:class:`toggl_warehouse.transform.names.NameBook`), ``tag_names``
    then aligned with ``tag_ids``. With ``amounts_hidden`` (the response's ``hide_amounts``, see
    :func:`toggl_warehouse.transform.amounts.amounts_hidden`) both amounts are None and whatever Toggl put in
    them is not read; the hourly rate is kept as served. ``entry_date`` is the date written in the first 10
    characters of the ``start`` string (its local date, never converted to UTC); ``start_at``/``stop_at``/
    ``updated_at`` (from ``at``) keep the instant (a string without offset is read as UTC), and
    ``utc_offset_seconds``/``stop_utc_offset_seconds`` the offset written in the start/stop string, in seconds
    (None when the string has none), so the wall clock Toggl shows can be rebuilt. A running timer
    (``stop`` null, or a negative ``seconds``) gets ``is_running`` True, and a negative ``seconds`` becomes 0.
    ``project_hex`` falls back to the weekly-style ``project_hex_color``. Rows without time entries produce
    nothing; ``at_tz`` and ``row_number`` are ignored.

    Values: ``time_entry_id``, ``seconds`` int; ids and ``hourly_rate_in_cents`` int or None; amounts int
    (None when hidden or null); ``is_running``, ``billable`` bool (null billable -> False); timestamps timezone-aware
    ``datetime`` keeping the string's own offset (``stop_at``/``updated_at`` None when null); ``entry_date``
    ``datetime.date``; text as served (``str`` or None); ``tag_ids``/``tag_names`` the response's own lists
    (``[]`` when null; not copied, so do not mutate them).

    Args:
        rows: The ``detailed_results.report`` array (or one page of it), as decoded from JSON.
        report_key: Name of the shared report, written in every row.
        amounts_hidden: True when the response hides its amounts: both amounts are then None.
        dictionaries: The response's ``dictionaries``, for the names the rows lack.

    Returns:
        The tuples, in the order of the page, and their sums.

    Raises:
        ValueError: A time entry has no ``id`` or no ``start``, a timestamp is not ISO 8601 (a start must
            begin with its ``YYYY-MM-DD`` date), or an amount is not an integer.
    """
    return _records(rows, report_key, amounts_hidden, NameBook(dictionaries))


def _records(rows: list[dict[str, Any]], report_key: str, amounts_hidden: bool, names: NameBook) -> TimeEntryRecords:
    """The single pass of :func:`time_entry_records`.

    Written for speed: fields read by subscript (``.get`` only when one is absent), the row's fields once per
    row, conversions inlined with their slow paths in helpers.
    """
    records: list[tuple] = []
    append = records.append
    total_seconds = 0
    total_cents = 0
    row_amount = None
    parse = datetime.fromisoformat
    resolve = names.fill if names else None
    for row in rows:
        entries = row.get("time_entries")
        if not entries:
            continue
        try:
            user_id, username, email = row["user_id"], row["username"], row["email"]
            project_id, project_name, project_color = row["project_id"], row["project_name"], row["project_color"]
            project_hex, client_name, task_id, task_name = row["project_hex"], row["client_name"], row["task_id"], row["task_name"]
            description, billable, tag_ids, tag_names = row["description"], row["billable"], row["tag_ids"], row["tag_names"]
            hourly_rate_in_cents, currency, amount = row["hourly_rate_in_cents"], row["currency"], row["billable_amount_in_cents"]
        except KeyError:
            (user_id, username, email, project_id, project_name, project_color, project_hex, client_name, task_id,
             task_name, description, billable, tag_ids, tag_names, hourly_rate_in_cents, currency,
             amount) = map(row.get, _ROW_FIELDS)
        if user_id is not None and type(user_id) is not int:
            user_id = to_int(user_id)
        if project_id is not None and type(project_id) is not int:
            project_id = to_int(project_id)
        if task_id is not None and type(task_id) is not int:
            task_id = to_int(task_id)
        if hourly_rate_in_cents is not None and type(hourly_rate_in_cents) is not int:
            hourly_rate_in_cents = to_int(hourly_rate_in_cents)
        if project_hex is None:
            project_hex = row.get("project_hex_color")
        if billable is not True:
            billable = bool(billable)
        if tag_ids is None:
            tag_ids = []
        if resolve is not None and (
            username is None or email is None or (tag_ids and (tag_names is None or len(tag_names) != len(tag_ids)))
            or (project_id is not None and (project_name is None or client_name is None))
            or (task_id is not None and task_name is None)
        ):  # a name is missing: the dictionaries have it
            (username, email, project_name, project_color, project_hex, client_name, task_name, tag_names) = resolve(
                user_id, username, email, project_id, project_name, project_color, project_hex, client_name,
                task_id, task_name, tag_ids, tag_names)
        if tag_names is None:
            tag_names = []
        if amounts_hidden:
            shares: Any = [None] * len(entries)
        elif amount is None:  # no rate: Toggl sends null, and unpriced is not free
            row_amount = None
            shares = [None] * len(entries)
        else:
            row_amount = amount if type(amount) is int else to_int(amount)
            total_cents += row_amount
            if len(entries) == 1:
                shares = (row_amount,)
            elif row_amount == 0:
                shares = [0] * len(entries)
            else:
                try:
                    shares = split_pro_rata(row_amount, list(map(_SECONDS, entries)))
                except (KeyError, TypeError):  # a seconds absent, null or not an int
                    shares = split_pro_rata(row_amount, [_seconds(entry.get("seconds")) for entry in entries])
        for entry, share in zip(entries, shares):
            try:
                entry_id, start, stop, updated_at, seconds = entry["id"], entry["start"], entry["stop"], entry["at"], entry["seconds"]
            except KeyError:
                entry_id, start, stop, updated_at, seconds = map(entry.get, _ENTRY_FIELDS)
            if type(entry_id) is not int:
                entry_id = _entry_id(entry_id, rows)
            try:
                start_at = parse(start)
            except (TypeError, ValueError) as error:
                _local_date(start, rows)  # a start that does not begin with its date is refused as such
                raise _bad_timestamp("start", error) from None
            # The date written in start's first 10 characters is the parsed wall-clock date in the string's own
            # offset, provided the string is in the extended YYYY-MM-DD form, the only one accepted by
            # fromisoformat with a "-" at index 7 (basic "20260302T..." and week dates are refused here).
            if start[7] != "-":
                _local_date(start, rows)
            entry_date = start_at.date()
            if start_at.tzinfo is None:
                start_at = start_at.replace(tzinfo=_UTC)
                offset = None
            else:
                offset = start_at.utcoffset() // _SECOND
            stop_offset = None
            if stop is not None:
                try:
                    stop = parse(stop)
                except (TypeError, ValueError) as error:
                    raise _bad_timestamp("stop", error) from None
                if stop.tzinfo is None:
                    stop = stop.replace(tzinfo=_UTC)
                else:
                    stop_offset = stop.utcoffset() // _SECOND
            if updated_at is not None:
                try:
                    updated_at = parse(updated_at)
                except (TypeError, ValueError) as error:
                    raise _bad_timestamp("at", error) from None
                if updated_at.tzinfo is None:
                    updated_at = updated_at.replace(tzinfo=_UTC)
            if type(seconds) is not int:
                seconds = _seconds(seconds)
            if seconds < 0:
                seconds = 0
                is_running = True
            else:
                is_running = stop is None
                total_seconds += seconds
            append((
                report_key, entry_id, entry_date, start_at, stop, seconds, is_running, updated_at,
                user_id, username, email, project_id, project_name, project_color, project_hex, client_name,
                task_id, task_name, description, billable, tag_ids, tag_names, hourly_rate_in_cents, currency,
                row_amount, share, offset, stop_offset,
            ))
    return TimeEntryRecords(
        records, total_seconds, None if amounts_hidden else total_cents, dict(Counter(map(_ENTRY_DATE, records)))
    )


def _entry_id(value: Any, rows: list[dict[str, Any]]) -> int:
    """A time entry id that is not an int: read as :func:`to_int`; a missing one refuses the page."""
    if value is None:
        _refuse_missing(rows)
    return to_int(value)


def _seconds(value: Any) -> int:
    """An entry's ``seconds`` as served, 0 when null (a running timer's negative value is kept here)."""
    if type(value) is int:
        return value
    return to_int(value)


def _local_date(start: Any, rows: list[dict[str, Any]] | None = None) -> date:
    """The date written in the first 10 characters of an ISO 8601 start string.

    It is the local date of the entry (the string's own offset); converting to UTC first would move
    late-evening and early-morning entries to another day. A missing start (given the page's ``rows``)
    refuses the page.
    """
    if start is None and rows is not None:
        _refuse_missing(rows)
    try:
        prefix = start[:10]
        if len(prefix) != 10 or prefix[4] != "-" or prefix[7] != "-":
            raise ValueError(f"{prefix!r} is not YYYY-MM-DD")
        return date.fromisoformat(prefix)
    except (TypeError, ValueError) as error:
        raise ValueError(f"a time entry start does not begin with a YYYY-MM-DD date: {error}") from None


def _bad_timestamp(field: str, error: Exception) -> ValueError:
    """The error for a timestamp that ``datetime.fromisoformat`` cannot read."""
    return ValueError(f"a time entry {field!r} is not an ISO 8601 timestamp: {error}")


def _refuse_missing(rows: list[dict[str, Any]]) -> None:
    """Refuse a page holding a time entry without id or start, naming the first such entry (its position
    among the page's time entries); a missing id anywhere is named before a missing start."""
    for field in ("id", "start"):
        position = 0
        for row in rows:
            for entry in row.get("time_entries") or ():
                if entry.get(field) is None:
                    raise ValueError(f"time entry without {field!r} at position {position} of the page")
                position += 1
    raise AssertionError("called for a page whose time entries all have id and start")
