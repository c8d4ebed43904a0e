"""What the doctor learned of the real API from its one request per report: one note line per fact.

Toggl documents little of the shared endpoint (`../shared/toggl-api-notes.md`, "Still unknown"), so the doctor
says what this account's answer showed: the page size served against the one asked, which cursor headers
came back (`X-Next-ID`, `X-Next-Row-Number`, `X-Next-Timestamp`), whether rows carry names or only ids
(names then come from the response's dictionaries), and whether quota headers were sent; of a profitability
export, its header row. Nothing personal is printed: only header and field names and counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from toggl_warehouse.load.report_kinds import KINDS

CURSOR_HEADERS = ("X-Next-ID", "X-Next-Row-Number", "X-Next-Timestamp")
QUOTA_HEADERS = ("X-Toggl-Quota-Remaining", "X-Toggl-Quota-Resets-In")
NAMES_OF_IDS = {"user_id": ("username", "user_name", "email"), "project_id": ("project_name",),
                "task_id": ("task_name",), "tag_ids": ("tag_names",)}
"""Each id field of a row and the fields that name it when Toggl enriches the row."""
HEADER_SCAN_ROWS = 20


def report_notes(headers: Mapping[str, str], body: Any, asked_page_size: int, days: int) -> Iterator[tuple[str, str]]:
    """(topic, what was learned) for one report answer; `headers` is case-insensitive."""
    results = _results(body)
    kind, rows = results
    if kind == "detailed":
        yield "page size", _page_size(headers, len(rows), asked_page_size, days)
        came = [name for name in CURSOR_HEADERS if headers.get(name)]
        missing = [name for name in CURSOR_HEADERS if name not in came]
        if came:
            yield "cursor headers", f"{', '.join(came)} came back" + (f" (not {', '.join(missing)})" if missing else "")
        else:
            yield "cursor headers", "none came back (the answer fit in one page, so paging was not seen)"
    if kind in ("detailed", "weekly"):
        yield "rows", _names(rows, body)
    present = [name for name in QUOTA_HEADERS if headers.get(name) is not None]
    yield "quota headers", (f"present ({', '.join(present)})" if present else
                            "absent (Toggl sent no X-Toggl-Quota-* headers on this answer)")


def _results(body: Any) -> tuple[str | None, list]:
    if not isinstance(body, dict):
        return None, []
    for kind in KINDS.values():
        results = body.get(kind.results_key)
        if isinstance(results, dict):
            report = results.get("report")
            return kind.name, report if isinstance(report, list) else []
    return body.get("report_type"), []


def _page_size(headers: Mapping[str, str], served: int, asked: int, days: int) -> str:
    stated = f"; X-Page-Size: {headers['X-Page-Size']}" if headers.get("X-Page-Size") else "; no X-Page-Size header"
    if any(headers.get(name) for name in CURSOR_HEADERS):
        verdict = "Toggl pages at that size" if served == asked else f"Toggl caps pages at {served} rows"
        return f"asked {asked} rows a page, served {served} with more to come{stated}: {verdict}"
    return f"asked {asked} rows a page, served {served}, all of the {days} day(s) asked (no next page){stated}"


def _names(rows: list, body: Any) -> str:
    """Which id fields of the rows come with their names, and which with ids only."""
    rows = [row for row in rows if isinstance(row, dict)]
    named, bare = [], []
    for id_field, name_fields in NAMES_OF_IDS.items():
        with_id = [row for row in rows if row.get(id_field) not in (None, [], "")]
        if with_id:
            has_names = any(row.get(name) not in (None, "", []) for row in with_id for name in name_fields)
            (named if has_names else bare).append(id_field)
    if not named and not bare:
        return "no rows with ids in these days: whether rows carry names is not known yet"
    dictionaries = sorted(body.get("dictionaries") or {}) if isinstance(body.get("dictionaries"), dict) else []
    source = f"the dictionaries ({', '.join(dictionaries)})" if dictionaries else "nowhere: the answer has no dictionaries"
    if not bare:
        return f"carry names beside their ids ({', '.join(named)})"
    if not named:
        return f"carry ids only ({', '.join(bare)}); names come from {source}"
    return f"carry names for {', '.join(named)} but ids only for {', '.join(bare)}; those names come from {source}"


def export_headers(content: bytes, file_format: str) -> str:
    """The header row of a profitability export (Toggl does not publish it): the first row with two or more
    text cells, as received; headers name measures, not people."""
    rows: list[list[Any]] = []
    if file_format == "xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
            rows = [list(row) for row in sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
        except Exception as exc:  # noqa: BLE001 - a file openpyxl cannot read: say so, the parser will fail
            return f"not readable as XLSX ({type(exc).__name__})"
    else:
        text = content.decode("utf-8-sig", errors="replace")
        first = text.split("\n", 1)[0]
        rows = list(csv.reader(io.StringIO(text), delimiter=max((",", ";", "\t"), key=first.count)))[:HEADER_SCAN_ROWS]
    header = next((row for row in rows if sum(isinstance(cell, str) and cell.strip() != "" for cell in row) >= 2), None)
    return " | ".join(str(cell) for cell in header if cell not in (None, "")) if header else "no header row found"
