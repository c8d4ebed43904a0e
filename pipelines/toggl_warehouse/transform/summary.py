"""Summary report flattening: this module owns turning the ``summary_results.report.groups`` of a shared
summary report response for one fetched window into the DataFrame whose columns are those of
``toggl.report_summary`` (minus ``loaded_at``): one row per group x sub-group. A group's ``sub_groups``
arrive either as a list of ``{id, title, seconds, ids}`` or as an object keyed by id; both are read.
Single pass into plain column lists, one DataFrame with the declared dtypes (`transform.frames`). No I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from toggl_warehouse.transform.amounts import to_int
from toggl_warehouse.transform.frames import frame
from toggl_warehouse.warehouse import tables

SUMMARY_COLUMNS: tuple[str, ...] = tables.REPORT_SUMMARY.column_names
"""Columns of ``toggl.report_summary`` minus ``loaded_at``, in table order, as declared in ``warehouse.tables``."""

DEFAULT_GROUPING = "projects"
DEFAULT_SUB_GROUPING = "time_entries"
"""Toggl's defaults (Reports v3 swagger) when neither the request nor the saved report names a grouping."""

_RATE_AMOUNTS = ("billable_amount_in_cents",)
"""Money a sub-group's rate element may carry that hide_amounts hides; set to null then (labour cost is kept)."""


def flatten_summary(
    groups: Iterable[Mapping[str, Any]] | None,
    report_key: str,
    window_start: date,
    window_end: date,
    *,
    grouping: str | None = None,
    sub_grouping: str | None = None,
    amounts_hidden: bool = False,
) -> pd.DataFrame:
    """Flatten the groups of a summary report window into one row per group x sub-group.

    Key encoding (every key column is NOT NULL): ``group_id`` and ``sub_group_id`` are Toggl's ids, **0 when
    Toggl gives none** (entries without project/client/task; Toggl ids are positive). ``sub_group_key`` is
    the sub-group's identity within its group: ``"id:<id>"`` when it has an id, else ``"md5:<md5 of its
    title>"`` (a sub-grouping by time entries has no ids: the title, i.e. the description, identifies it;
    hashed because a description can exceed an index key's size). Sub-groups with the same key in one group
    (e.g. one per rate) are merged: seconds summed, rates and time entry ids concatenated.

    A list-shaped ``sub_groups`` gives the id in each element; a map-shaped one keyed by id gives it in the
    element or, failing that, in the key (a non-numeric key is read as the title when the element has none).
    ``group_name`` is the group's ``names`` joined with ``", "`` (else its ``title``; ``None`` when neither).
    ``rates`` keeps the sub-group's ``rates`` list as received (``[]`` when absent); ``time_entry_ids`` its
    ``ids``. Numbers given as strings are accepted; missing seconds are 0. The summary carries no amount
    column; with ``amounts_hidden`` (the response's ``hide_amounts``) any money inside ``rates`` elements
    (:data:`_RATE_AMOUNTS`) is set to null, so nothing hidden is stored as a number.

    Dtypes: ``group_id``, ``sub_group_id``, ``seconds`` int64; dates object holding ``datetime.date``; text
    object holding ``str`` or ``None``; ``rates`` and ``time_entry_ids`` object holding lists.

    Args:
        groups: ``summary_results.report.groups`` (``None`` is read as empty).
        report_key: Name of the shared report.
        window_start: First date of the served window.
        window_end: Last date of the served window (inclusive).
        grouping: The report's grouping (``projects``/``users``/``clients``); Toggl's default when None.
        sub_grouping: The report's sub-grouping; Toggl's default when None.
        amounts_hidden: True when the response hides its amounts.

    Returns:
        A DataFrame with exactly the columns :data:`SUMMARY_COLUMNS`, in that order.

    Raises:
        ValueError: A group or sub-group is not an object, or a number is not an integer.
    """
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for group in groups or []:
        if not isinstance(group, Mapping):
            raise ValueError(f"a summary group is not an object: {group!r}")
        shared = {
            "group_id": to_int(group.get("id")),
            "group_name": _group_name(group),
            "project_color": group.get("project_color"),
            "project_hex_color": group.get("project_hex_color"),
        }
        for sub_id, title, sub in _sub_groups(group.get("sub_groups")):
            key = (shared["group_id"], _sub_group_key(sub_id, title))
            seconds = to_int(sub.get("seconds"))
            rates = _rates(sub.get("rates"), amounts_hidden)
            ids = [to_int(value) for value in sub.get("ids") or [] if value is not None]
            row = rows.get(key)
            if row is None:
                rows[key] = {**shared, "sub_group_key": key[1], "sub_group_id": sub_id, "sub_group_title": title,
                             "seconds": seconds, "rates": rates, "time_entry_ids": ids}
            else:
                row["seconds"] += seconds
                row["rates"].extend(rates)
                row["time_entry_ids"].extend(ids)
    values = list(rows.values())
    constant = {
        "report_key": report_key,
        "window_start": window_start,
        "window_end": window_end,
        "grouping": grouping or DEFAULT_GROUPING,
        "sub_grouping": sub_grouping or DEFAULT_SUB_GROUPING,
    }
    return frame(tables.REPORT_SUMMARY, {
        name: [constant[name]] * len(values) if name in constant else [row[name] for row in values]
        for name in SUMMARY_COLUMNS
    })


def _rates(rates: Any, amounts_hidden: bool) -> list[Any]:
    """A sub-group's rate list as received; with hidden amounts, copies whose money keys are null."""
    received = list(rates or [])
    if not amounts_hidden:
        return received
    return [
        {**rate, **{key: None for key in _RATE_AMOUNTS if key in rate}} if isinstance(rate, Mapping) else rate
        for rate in received
    ]


def _sub_groups(sub_groups: Any) -> Iterable[tuple[int, str | None, Mapping[str, Any]]]:
    """(id or 0, title, element) of each sub-group, from the list or the map shape."""
    if sub_groups is None:
        return
    if isinstance(sub_groups, Mapping):
        items: Iterable[tuple[Any, Any]] = sub_groups.items()
    else:
        items = ((None, element) for element in sub_groups)
    for map_key, sub in items:
        if not isinstance(sub, Mapping):
            raise ValueError(f"a summary sub-group is not an object: {sub!r}")
        title = sub.get("title")
        sub_id = sub.get("id")
        if sub_id is None and map_key is not None:
            text = str(map_key).strip()
            if text.lstrip("-").isdigit():
                sub_id = text
            elif title is None and text and text.lower() != "null":
                title = text
        yield to_int(sub_id), None if title is None else str(title), sub


def _sub_group_key(sub_id: int, title: str | None) -> str:
    """``id:<id>``, or ``md5:<hex>`` of the title when the sub-group has no id (0)."""
    if sub_id:
        return f"id:{sub_id}"
    return "md5:" + hashlib.md5((title or "").encode("utf-8")).hexdigest()


def _group_name(group: Mapping[str, Any]) -> str | None:
    names = [str(name) for name in group.get("names") or [] if name is not None and name != ""]
    if names:
        return ", ".join(names)
    title = group.get("title")
    return None if title is None else str(title)
