"""Dictionary flattening: this module owns turning the ``dictionaries`` object of a shared report response
(clients, projects, tags, tasks, users and user groups the report references, each keyed by id) into one
DataFrame per dimension table of ``sql/005_dimensions.sql`` (``toggl.clients`` ... ``toggl.user_groups``),
columns in table order minus ``loaded_at``, with the whole entry kept in ``attributes``. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from toggl_warehouse.transform.frames import frame
from toggl_warehouse.warehouse import tables

DIMENSION_COLUMNS: dict[str, tuple[str, ...]] = {
    name: spec.column_names for name, spec in tables.DIMENSION_TABLES.items()
}
"""Columns of each dimension table without ``loaded_at``, in table order, keyed by table name (declared in
``toggl_warehouse.warehouse.tables``)."""

# Non-key columns of each table and the entry fields they are read from, in order of preference.
_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "clients": {"name": ("name",)},
    "projects": {
        "name": ("name",),
        "client_id": ("client_id", "cid"),
        "color": ("color", "hex_color"),
        "billable": ("billable",),
        "active": ("active",),
        "currency": ("currency",),
    },
    "tags": {"name": ("name",)},
    "tasks": {"name": ("name",), "project_id": ("project_id", "pid")},
    "users": {"name": ("fullname", "full_name", "name"), "email": ("email",)},
    "user_groups": {"name": ("name",)},
}



def flatten_dictionaries(dictionaries: dict[str, Any] | None) -> dict[str, pd.DataFrame]:
    """Flatten a report's ``dictionaries`` into one DataFrame per dimension table.

    Each dictionary may be an object keyed by id string (Toggl's shape) or a list of objects; each entry may
    be an object or a bare name string. The id is the entry's ``id`` field, else its key. ``attributes`` is
    the whole entry as received (a copy; ``{"name": ...}`` for a bare string). Users' name is read from
    ``fullname``, ``full_name`` or ``name``; projects also accept ``cid``/``hex_color``, tasks ``pid``.
    ``filters`` and unknown keys are skipped. When one id occurs twice the last entry wins.

    Dtypes: the key column int64; a project's ``client_id`` and a task's ``project_id`` nullable Int64;
    ``billable``/``active`` nullable boolean; text object holding ``str`` or ``None``; ``attributes`` object
    holding dicts.

    Args:
        dictionaries: The ``dictionaries`` object as decoded from JSON (``None`` is read as empty).

    Returns:
        A DataFrame for every table in :data:`DIMENSION_COLUMNS` (empty, with the right columns, when the
        response has no such dictionary), keyed by table name.

    Raises:
        ValueError: An entry has no usable id (neither an ``id`` field nor a key that is an integer).
    """
    dictionaries = dictionaries or {}
    return {table: _flatten_table(table, dictionaries.get(table)) for table in DIMENSION_COLUMNS}


def _flatten_table(table: str, dictionary: Any) -> pd.DataFrame:
    """One dimension table from one dictionary (object keyed by id, list of objects, or nothing)."""
    columns = DIMENSION_COLUMNS[table]
    fields = _FIELDS[table]
    by_id: dict[int, dict[str, Any]] = {}
    for key, entry in _items(dictionary):
        attributes = dict(entry) if isinstance(entry, dict) else {"name": entry}
        entry_id = _entry_id(table, key, attributes)
        row = {name: _first(attributes, aliases) for name, aliases in fields.items()}
        by_id.pop(entry_id, None)  # a repeated id moves to its last position
        by_id[entry_id] = {columns[0]: entry_id, **row, "attributes": attributes}
    rows = list(by_id.values())
    return frame(tables.DIMENSION_TABLES[table], {name: [row[name] for row in rows] for name in columns})


def _first(entry: dict[str, Any], fields: tuple[str, ...]) -> Any:
    """The value of the first of ``fields`` that the entry holds non-null, else ``None``."""
    for field in fields:
        value = entry.get(field)
        if value is not None:
            return value
    return None


def _items(dictionary: Any) -> Iterable[tuple[str | None, Any]]:
    """(key, entry) pairs of a dictionary given as an object keyed by id or as a list (key ``None``)."""
    if not dictionary:
        return ()
    if isinstance(dictionary, dict):
        return dictionary.items()
    return ((None, entry) for entry in dictionary)


def _entry_id(table: str, key: str | None, attributes: dict[str, Any]) -> int:
    """The entry's ``id`` field, else the key it was filed under, as an integer."""
    raw = attributes.get("id")
    if raw is None:
        raw = key
    try:
        return int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{table} dictionary entry without an integer id (key {key!r})") from None
