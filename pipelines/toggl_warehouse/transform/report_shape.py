"""The shape of a shared report page: which report type it is, where its rows and totals are, and what is wrong.

Toggl's Reports API v3 answers a shared report with one of `detailed_results`, `summary_results` or
`weekly_results`; detailed and weekly pages carry `report` as a list of rows, summary pages carry
`report.groups` as a list. Each type's results key and rows path are its entry in `load.report_kinds.KINDS`. Pure functions, no I/O: the extract stage uses them to follow paging, the
check stage to refuse a malformed page before anything is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toggl_warehouse.load.report_kinds import KINDS



class ReportShapeError(ValueError):
    """A page does not have the shape of its report type; the message says which field is wrong."""


def report_type_of(body: Any) -> str | None:
    """The report type of a page: its `report_type`, else the one result object it carries, else None."""
    if not isinstance(body, Mapping):
        return None
    declared = body.get("report_type")
    if declared in KINDS:
        return declared
    carried = [name for name, kind in KINDS.items() if isinstance(body.get(kind.results_key), Mapping)]
    return carried[0] if declared is None and len(carried) == 1 else None


def page_rows(body: Any, report_type: str) -> list[Any]:
    """The rows of a page of a `report_type` report (at its kind's `rows_path`: summary's groups are at
    report.groups); raise ReportShapeError if malformed.

    An absent or null `report` is read as no rows only when the totals count nothing; the totals gate
    refuses the rest, so "no rows" is never taken on faith.
    """
    kind = KINDS[report_type]
    value: Any = page_results(body, report_type)
    for depth, step in enumerate(kind.rows_path, start=1):
        value = value.get(step)
        if value is None:
            return []
        where = ".".join((kind.results_key, *kind.rows_path[:depth]))
        if depth < len(kind.rows_path) and not isinstance(value, Mapping):
            raise ReportShapeError(f"{where} is a JSON {_json_type(value)}, not an object with {kind.rows_path[depth]}")
        if depth == len(kind.rows_path) and not isinstance(value, list):
            rows = "a list of rows" if depth == 1 else "a list"
            raise ReportShapeError(f"{where} is a JSON {_json_type(value)}, not {rows}")
    return value


def page_results(body: Any, report_type: str) -> Mapping[str, Any]:
    """The result object of a page (`detailed_results` …); raise ReportShapeError when it is missing."""
    if not isinstance(body, Mapping):
        raise ReportShapeError(f"the body is a JSON {_json_type(body)}, not an object")
    key = KINDS[report_type].results_key
    results = body.get(key)
    if not isinstance(results, Mapping):
        found = "missing" if results is None else f"a JSON {_json_type(results)}"
        raise ReportShapeError(f"{key} is {found}, not an object")
    return results


def page_totals(body: Any, report_type: str) -> Mapping[str, Any]:
    """Toggl's totals of the page's window (every page carries the totals of the whole window)."""
    totals = page_results(body, report_type).get("totals")
    if totals is None:
        return {}
    if not isinstance(totals, Mapping):
        raise ReportShapeError(f"{KINDS[report_type].results_key}.totals is a JSON {_json_type(totals)}, not an object")
    return totals


def _json_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"
