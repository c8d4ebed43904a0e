"""Pseudonymise a profitability export (CSV or XLSX): cell text becomes stable fakes, numbers stay.

The header row (the first of the top rows with two or more headers the product recognises, from
`toggl_warehouse.transform.profitability.HEADER_ALIASES`) is kept as it is: Toggl's real headers are what a
capture is for. Below it, the project and client columns are replaced (except "Total" and "(No project)"
markers), the period, measure and id columns are kept, and an unrecognised column keeps what looks like a
number, a duration, a date or a currency code and replaces any other text. Text above the header (a title
that may name the workspace) is replaced too.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook

from toggl_warehouse.capture.pseudonyms import Pseudonyms
from toggl_warehouse.transform.profitability import HEADER_ALIASES, normalise_header

FIELD_OF_HEADER = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
HEADER_SCAN_ROWS = 20
DELIMITERS = (",", ";", "\t")
NAME_FIELDS = {"project_name": "project", "client_name": "client"}
KEPT_LABELS = frozenset({"total", "totals", "grand total", "no project", "without project", "no client", "without client"})
NUMBER_LIKE = re.compile(r"[\d\s.,:'’%+\-−()$€£¥/\u00a0\u202f]*\d[\d\s.,:'’%+\-−()$€£¥/\u00a0\u202fhmsT]*")
CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def pseudonymise_csv(content: bytes, pseudonyms: Pseudonyms) -> bytes:
    """The CSV with its text cells pseudonymised, in its own encoding (UTF-8 with or without BOM, UTF-16,
    else cp1252), delimiter and line ends."""
    text, encoding = _decode(content)
    delimiter = max(DELIMITERS, key=lambda candidate: _delimiter_score(text, candidate))
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    rows = _pseudonymised_rows(rows, pseudonyms)
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def _decode(content: bytes) -> tuple[str, str]:
    """(text, the codec that writes it back as it came, BOM included)."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16"), "utf-16"
    try:
        return content.decode("utf-8-sig"), "utf-8-sig" if content.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace"), "cp1252"


def _delimiter_score(text: str, delimiter: str) -> tuple[int, int]:
    """As the product reads it: the most recognised headers in one of the first rows, then the count in the
    first non-blank line."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    try:
        rows = itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), HEADER_SCAN_ROWS)
        best = max((_recognised(row) for row in rows), default=0)
    except csv.Error:
        best = 0
    return best, first_line.count(delimiter)


def pseudonymise_xlsx(content: bytes, pseudonyms: Pseudonyms) -> bytes:
    """The workbook with the text cells of every sheet pseudonymised; numbers, dates and formats kept."""
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        cells = [list(row) for row in sheet.iter_rows()]
        values = _pseudonymised_rows([[cell.value for cell in row] for row in cells], pseudonyms)
        for row, new_values in zip(cells, values):
            for cell, value in zip(row, new_values):
                if value != cell.value:
                    cell.value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pseudonymised_rows(rows: list[list[Any]], pseudonyms: Pseudonyms) -> list[list[Any]]:
    header_at = next((i for i, row in enumerate(rows[:HEADER_SCAN_ROWS]) if _recognised(row) >= 2), None)
    fields: Sequence[str | None] = []
    if header_at is not None:
        fields = [FIELD_OF_HEADER.get(normalise_header(cell)) if _is_text(cell) else None for cell in rows[header_at]]
    result = []
    for index, row in enumerate(rows):
        if index == header_at:
            result.append(list(row))
            continue
        below = header_at is not None and index > header_at
        result.append([
            _cell(value, fields[column] if below and column < len(fields) else None, below, pseudonyms)
            for column, value in enumerate(row)
        ])
    return result


def _cell(value: Any, field: str | None, below_header: bool, pseudonyms: Pseudonyms) -> Any:
    if not _is_text(value) or not value.strip():
        return value
    if value.strip().strip("()").strip().rstrip(":").casefold() in KEPT_LABELS:
        return value
    if field in NAME_FIELDS:
        return pseudonyms.fake(value, NAME_FIELDS[field])
    if field is not None and below_header:
        return value  # period, measures, ids: not personal
    if NUMBER_LIKE.fullmatch(value.strip()) or CURRENCY_CODE.fullmatch(value.strip()):
        return value
    return pseudonyms.fake(value, "text")


def _recognised(row: Sequence[Any]) -> int:
    return sum(1 for cell in row if _is_text(cell) and normalise_header(cell) in FIELD_OF_HEADER)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)
