"""Profitability export parsing: this module owns turning the bytes of Toggl's profitability projects
export (CSV or XLSX) into the DataFrame whose columns are those of ``toggl.profitability_projects``
(minus ``loaded_at``), one row per period x project (x client). Pure: no network, no database.

Toggl does not publish the export's headers, so every column is found by its header NAME through one
alias table (:data:`HEADER_ALIASES`), never by position; columns it does not recognise are kept per row in
``extra`` and reported. Cell values are parsed strictly (durations, money, periods, ids): a value that
cannot be read raises :class:`ExportFormatError` naming the input, the row and the column - never a
silent 0. A duplicate key row also raises (it means the file was misunderstood); a totals row or a stated
profit that disagrees with the rows only adds a warning.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

import pandas as pd

from toggl_warehouse.warehouse import tables

PROFITABILITY_COLUMNS: tuple[str, ...] = tables.PROFITABILITY_PROJECTS.column_names
"""Columns of ``toggl.profitability_projects`` minus ``loaded_at``, in table order, from ``warehouse.tables``."""

DURATION_COLUMNS = ("total_seconds", "billable_seconds")
MONEY_COLUMNS = ("earnings_in_cents", "labour_cost_in_cents", "profit_in_cents")
MEASURE_COLUMNS = DURATION_COLUMNS + MONEY_COLUMNS
KEY_COLUMNS = ("period_start", "project_name", "client_name")

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "period_start": (
        "date", "period", "period start", "period start date", "day", "week", "month", "start date",
        "start", "week start", "month start", "date range",
    ),
    "project_name": ("project", "project name", "projects"),
    "client_name": ("client", "client name", "clients"),
    "project_id": ("project id", "projectid"),
    "total_seconds": (
        "duration", "total duration", "total time", "tracked time", "tracked duration", "time",
        "decimal duration", "duration hours", "duration h", "total hours", "hours", "tracked hours",
        "total seconds", "seconds", "tracked seconds", "duration seconds",
    ),
    "billable_seconds": (
        "billable duration", "billable time", "billable tracked time", "billable hours", "billable seconds",
        "billable duration hours", "billable duration h",
    ),
    "earnings_in_cents": ("earnings", "total earnings", "billable amount", "amount", "revenue", "income"),
    "labour_cost_in_cents": (
        "labor cost", "labor costs", "total labor cost", "labor", "cost", "costs", "total cost",
    ),
    "profit_in_cents": ("profit", "total profit", "net profit"),
}
"""THE alias table: canonical field (the table column it fills) -> normalised headers that mean it.

Headers are compared after :func:`normalise_header`. Whether a duration column holds hours, seconds or
H:MM:SS is read from the header's words (``hours``/``h`` -> hours, ``seconds`` -> seconds, else decided by
each value: ``H:MM[:SS]`` or decimal hours) and from the values themselves (see :func:`_duration_seconds`).
"""

_ALIAS_TO_FIELD: dict[str, str] = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}

HEADER_SCAN_ROWS = 20
"""The header row is the first row, within this many, holding at least two recognised headers."""

_CURRENCY_CODES = frozenset(
    "usd eur gbp chf jpy cad aud nzd sek nok dkk isk pln czk huf ron bgn hrk rsd uah rub try ils aed sar qar "
    "egp zar ngn kes mad inr pkr lkr bdt cny rmb hkd twd krw sgd myr thb idr php vnd brl mxn ars clp cop pen"
    .split()
)
_HOUR_WORDS = frozenset({"hours", "hour", "hrs", "hr", "h"})
_SECOND_WORDS = frozenset({"seconds", "second", "secs", "sec", "s"})
_TOTAL_LABELS = frozenset({"total", "totals", "grand total"})
_NO_PROJECT = frozenset({"", "no project", "without project"})
_NO_CLIENT = frozenset({"", "no client", "without client"})
_DASHES = frozenset({"-", "\u2013", "\u2014"})
_DELIMITERS = (",", ";", "\t")
_CENT = Decimal("0.01")


class ExportFormatError(ValueError):
    """The export cannot be read as understood; the message names the input and what is wrong."""


@dataclass(frozen=True)
class ParsedExport:
    """A parsed export: the table rows plus what the parser noticed on the way."""

    frame: pd.DataFrame
    """Columns :data:`PROFITABILITY_COLUMNS`, one row per period x project x client, in file order."""
    unrecognised_columns: list[str]
    """Headers (as received) that no alias matched; their cells are in each row's ``extra``."""
    warnings: list[str]
    """Human-readable notes (encoding fallback, empty export, totals or profit disagreements, ...)."""
    totals_row: dict[str, int] | None
    """The export's own totals row, parsed (measure column -> value, only its non-blank measures)."""
    recognised_columns: dict[str, str] = field(default_factory=dict)
    """Header as received -> canonical field, for the columns the alias table matched."""


def parse_export(
    content: bytes,
    fmt: str,
    *,
    workspace_id: int,
    resolution: str,
    currency: str,
    source_name: str = "export",
    default_period_start: date | None = None,
) -> ParsedExport:
    """Parse a profitability projects export into rows of ``toggl.profitability_projects``.

    Args:
        content: The file as downloaded.
        fmt: ``"csv"`` or ``"xlsx"``.
        workspace_id, resolution, currency: The request's parameters, written in every row (resolution and
            currency lower-cased).
        source_name: Names the input in every error and warning (e.g. "profitability export of workspace 1").
        default_period_start: Period of every row when the export has no period column.

    Returns:
        A :class:`ParsedExport`. An empty export (no bytes, or a header only) gives an empty frame with the
        right columns and dtypes.

    Raises:
        ExportFormatError: Unknown format, unreadable file, missing required columns (project and at least
            one measure; a period unless ``default_period_start``), ambiguous headers, a value that cannot be
            parsed (names row and column), more than one totals row, or duplicate (period, project, client) rows.
    """
    request = _Request(
        workspace_id=int(workspace_id),
        resolution=_lower_text(resolution, "resolution"),
        currency=_lower_text(currency, "currency"),
        default_period_start=default_period_start,
    )
    kind = fmt.strip().lower().lstrip(".")
    if kind not in ("csv", "xlsx"):
        raise ExportFormatError(f"{source_name}: unknown export format {fmt!r}; expected 'csv' or 'xlsx'")
    if not content.strip():
        return _empty_result(request, [f"{source_name}: the export is empty (0 bytes of content); no rows"])
    grid = _read_csv(content, source_name) if kind == "csv" else _read_xlsx(content, source_name)
    return _parse_grid(grid, request, source_name)


def normalise_header(text: Any) -> str:
    """A header as compared with the alias table: see :func:`_split_header`."""
    return _split_header(text)[0]


# ---- request and raw cells ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    workspace_id: int
    resolution: str
    currency: str
    default_period_start: date | None


@dataclass(frozen=True)
class _Grid:
    """The file as rows of raw cells: text for CSV, openpyxl values for XLSX."""

    rows: list[tuple[int, list[Any]]]
    """(row number in the file - the CSV line where the record starts, or the sheet row - , cells)."""
    decimal_comma: bool | None
    """True when ',' is the decimal mark (';'-delimited CSV); None to decide per value."""
    warnings: list[str]


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    field: str | None
    unit: str | None = None  # duration columns: "hours" | "seconds" | "auto"


def _lower_text(value: str, name: str) -> str:
    text = str(value or "").strip().lower()
    if not text:
        raise ValueError(f"{name} must not be empty")
    return text


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_blank_row(cells: Sequence[Any]) -> bool:
    return all(_is_blank(cell) for cell in cells)


def _cell_text(value: Any) -> str:
    """A cell as text: CSV text unchanged, XLSX numbers without a spurious ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, time)):  # datetime is a date
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    """A cell as stored in ``extra``: text or number as received (blank -> ''), dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, (str, bool, int, float)):
        return value
    return _cell_text(value)


# ---- headers --------------------------------------------------------------------------------------------


def _split_header(text: Any) -> tuple[str, str | None]:
    """(normalised header, currency suffix or None).

    Strips BOM and whitespace, case-folds, turns brackets, underscores, hyphens and runs of spaces into
    one space, reads "labour" as "labor", and drops a trailing currency ("(USD)", "[EUR]", " usd",
    " in EUR", "$").
    """
    value = unicodedata.normalize("NFKC", _cell_text(text)).replace("\ufeff", "").casefold()
    value = re.sub(r"[()\[\]{}]", " ", value).replace("labour", "labor")
    words = re.sub(r"[\s_\-]+", " ", value).strip().split(" ")
    code = None
    if words[-1] and unicodedata.category(words[-1][-1]) == "Sc":
        code = words[-1][-1]
        words[-1] = words[-1][:-1]
        if not words[-1]:
            words.pop()
    elif len(words) > 1 and words[-1] in _CURRENCY_CODES:
        code = words.pop()
    if code and len(words) > 1 and words[-1] == "in":
        words.pop()
    return " ".join(words), code


def _field_of(header: Any) -> str | None:
    return _ALIAS_TO_FIELD.get(normalise_header(header))


def _duration_unit(normalised: str) -> str:
    words = set(normalised.split())
    if words & _HOUR_WORDS:
        return "hours"
    if words & _SECOND_WORDS:
        return "seconds"
    return "auto"


def _recognised_count(cells: Sequence[Any]) -> int:
    return sum(_field_of(cell) is not None for cell in cells if not _is_blank(cell))


def _find_header_row(rows: list[tuple[int, list[Any]]]) -> int:
    """Index of the header row: the first of the first rows with >= 2 recognised headers.

    Falls back to the first non-blank row, so that the required-columns check reports what was found.
    """
    for index, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        if _recognised_count(cells) >= 2:
            return index
    return next(index for index, (_, cells) in enumerate(rows) if not _is_blank_row(cells))


def _plan_columns(
    header_cells: list[Any], data: list[tuple[int, list[Any]]], request: _Request, source: str
) -> tuple[list[_Column], list[str]]:
    """Map each header to its canonical field; unnamed empty columns are dropped. Returns (columns, warnings)."""
    columns: list[_Column] = []
    warnings: list[str] = []
    for index, cell in enumerate(header_cells):
        header = _cell_text(cell).replace("\ufeff", "").strip()
        if not header:
            if all(_is_blank(cells[index]) for _, cells in data):
                continue
            header = f"(column {index + 1})"
        normalised, code = _split_header(header)
        name = _ALIAS_TO_FIELD.get(normalised)
        unit = _duration_unit(normalised) if name in DURATION_COLUMNS else None
        columns.append(_Column(index, header, name, unit))
        if name in MONEY_COLUMNS and code and len(code) == 3 and code != request.currency:
            warnings.append(
                f"{source}: column {header!r} is labelled {code.upper()} but currency "
                f"{request.currency.upper()} was requested; stored as {request.currency}"
            )
    _check_headers(columns, request, source)
    return columns, warnings


def _check_headers(columns: list[_Column], request: _Request, source: str) -> None:
    headers = [column.header for column in columns]
    found = f"headers found: {headers}"
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        raise ExportFormatError(f"{source}: repeated column header(s) {repeated}; {found}")
    by_field: dict[str, list[str]] = {}
    for column in columns:
        if column.field:
            by_field.setdefault(column.field, []).append(column.header)
    ambiguous = {name: hs for name, hs in by_field.items() if len(hs) > 1}
    if ambiguous:
        detail = "; ".join(f"{name}: {hs}" for name, hs in ambiguous.items())
        raise ExportFormatError(f"{source}: several columns mean the same field ({detail}); {found}")
    missing = []
    if "project_name" not in by_field:
        missing.append("a project column (e.g. 'Project')")
    if not any(name in by_field for name in MEASURE_COLUMNS):
        missing.append("a measure column (e.g. 'Duration', 'Total hours', 'Earnings', 'Labor cost', 'Profit')")
    if "period_start" not in by_field and request.default_period_start is None:
        missing.append("a period column (e.g. 'Date', 'Period') or a default_period_start")
    if missing:
        raise ExportFormatError(f"{source}: missing {' and '.join(missing)}; {found}")


# ---- CSV and XLSX reading -------------------------------------------------------------------------------


def _decode(content: bytes, source: str) -> tuple[str, list[str]]:
    """Text of a CSV export: UTF-16 with BOM, UTF-8 with or without BOM, else cp1252 with a warning."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16"), []
    try:
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ExportFormatError(f"{source}: the CSV is neither UTF-8 nor cp1252 text ({exc})") from None
    return text, [f"{source}: the CSV is not valid UTF-8; decoded as cp1252"]


def _detect_delimiter(text: str) -> str:
    """',' ';' or tab: the one that splits the first rows into the most recognised headers, then the
    one occurring most often in the first non-blank line (ties keep that order)."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")

    def score(delimiter: str) -> tuple[int, int]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            first_rows = itertools.islice(reader, HEADER_SCAN_ROWS)
            best = max((_recognised_count(cells) for cells in first_rows), default=0)
        except csv.Error:
            best = 0
        return best, first_line.count(delimiter)

    return max(_DELIMITERS, key=score)


def _read_csv(content: bytes, source: str) -> _Grid:
    if content.startswith(b"PK\x03\x04"):
        raise ExportFormatError(f"{source}: expected CSV but the content is a ZIP file (an XLSX workbook?)")
    text, warnings = _decode(content, source)
    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[Any]]] = []
    line = 1
    try:
        for cells in reader:
            rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ExportFormatError(f"{source}: malformed CSV at line {line}: {exc}") from None
    return _Grid(rows, True if delimiter == ";" else None, warnings)


def _read_xlsx(content: bytes, source: str) -> _Grid:
    import openpyxl  # imported here: only XLSX exports need it

    if not content.startswith(b"PK"):
        raise ExportFormatError(f"{source}: expected an XLSX workbook but the content is not a ZIP file")
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ExportFormatError(f"{source}: cannot open the XLSX workbook: {exc}") from None
    try:
        names = [name for name in book.sheetnames if "profitab" in name.casefold()]
        sheet = book[names[0]] if names else book.worksheets[0]
        sheet.reset_dimensions()  # never trust a writer's declared dimension: read every cell
        rows = [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    return _Grid(rows, None, [])


# ---- value parsers (each raises ValueError with a reason) -----------------------------------------------


def _canonical_number(text: str, decimal_comma: bool | None) -> str:
    """Digits with ',' / '.' separators -> a plain "123.45" string, resolving which mark is decimal.

    Both marks present: the rightmost is decimal. Only commas: decimal when ``decimal_comma``; otherwise
    thousands if it looks like grouping ("1,234", "1,234,567"), else decimal ("1234,56"). Only dots: decimal,
    unless repeated ("1.234.567").
    """
    dot, comma = text.rfind("."), text.rfind(",")
    if dot >= 0 and comma >= 0:
        mark = "." if dot > comma else ","
    elif comma >= 0:
        grouped = text.count(",") > 1 or re.fullmatch(r"\d{1,3},\d{3}", text)
        mark = "," if decimal_comma or not grouped else "."
        if decimal_comma and text.count(",") > 1:
            mark = "."
    else:
        mark = "," if text.count(".") > 1 else "."
    separator = "," if mark == "." else "."
    whole, _, fraction = text.partition(mark)
    if separator in whole:
        if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+", whole):
            raise ValueError(f"misplaced {separator!r} separator")
        whole = whole.replace(separator, "")
    if not re.fullmatch(r"\d*", whole) or not re.fullmatch(r"\d*", fraction) or not (whole or fraction):
        raise ValueError("not a number")
    return f"{whole or '0'}.{fraction or '0'}"


def _number(text: str, decimal_comma: bool | None) -> Decimal:
    """A signed plain number: optional leading '+'/'-' (or trailing '-'), digits with separators."""
    value = re.sub(r"[\s'\u2019]", "", text).replace("\u2212", "-")
    negative = False
    if value[:1] in ("-", "+"):
        negative, value = value[0] == "-", value[1:]
    elif value.endswith("-"):
        negative, value = True, value[:-1]
    if not re.fullmatch(r"[\d.,]*\d[\d.,]*|[.,]\d+", value):
        raise ValueError("not a number")
    number = Decimal(_canonical_number(value, decimal_comma))
    return -number if negative else number


_MONEY_RE = re.compile(
    r"(?P<code1>[^\W\d_]{1,3})?(?P<sign1>[-+])?(?P<code2>[^\W\d_]{1,3})?"
    r"(?P<open>\()?(?P<number>[-+]?[\d.,]+-?)(?P<close>\))?(?P<code3>[^\W\d_]{1,3})?"
)


def _cents(amount: Decimal) -> int:
    if not amount.is_finite():
        raise ValueError("not a finite amount")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _money_cents(value: Any, decimal_comma: bool | None) -> int:
    """Money -> integer cents (round half up). Blank or a lone dash -> 0.

    Accepts numbers (XLSX) and text such as "1234.56", "1,234.56", "1234,56", "$1,234.56", "1 234,56 €",
    "USD 12.00", "-12.50", "(12.50)", "-$12.50".
    """
    if _is_blank(value):
        return 0
    if isinstance(value, bool):
        raise ValueError("a boolean, not an amount")
    if isinstance(value, (int, float, Decimal)):
        return _cents(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    text = str(value).strip()
    if text in _DASHES:
        return 0
    compact = "".join(ch for ch in text if unicodedata.category(ch) != "Sc" and not ch.isspace())
    compact = compact.replace("'", "").replace("\u2019", "").replace("\u2212", "-")
    negative = False
    if len(compact) > 2 and compact[0] == "(" and compact[-1] == ")":
        negative, compact = True, compact[1:-1]
    match = _MONEY_RE.fullmatch(compact)
    if not match or bool(match["open"]) != bool(match["close"]):
        raise ValueError("not an amount")
    codes = [match[name] for name in ("code1", "code2", "code3") if match[name]]
    number = match["number"]
    signs = [negative, match["sign1"], match["open"], number[0] in "+-", number.endswith("-")]
    if len(codes) > 1 or sum(bool(sign) for sign in signs) > 1:
        raise ValueError("not an amount")
    amount = _number(number, decimal_comma)
    if negative or match["open"] or match["sign1"] == "-":
        amount = -amount
    return _cents(amount)


_HMS_RE = re.compile(r"(?P<h>\d+):(?P<m>\d{1,2})(?::(?P<s>\d{1,2}(?:[.,]\d+)?))?")
_CLASSIC_RE = re.compile(
    r"(?:(?P<h>\d+)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<m>\d+)\s*m(?:in(?:utes?|s)?)?)?\s*"
    r"(?:(?P<s>\d+)\s*s(?:ec(?:onds?|s)?)?)?",
    re.IGNORECASE,
)
_UNIT_SUFFIX_RE = re.compile(r"(?P<number>.*?\d)\s*(?P<unit>h|hrs?|hours?|s|secs?|seconds?)?", re.IGNORECASE)


class _Duration(NamedTuple):
    seconds: Decimal
    """Unrounded seconds."""
    step: Decimal | None
    """Precision of the written value in seconds (1 for H:MM:SS, 36 for hours with 2 decimals); None for
    XLSX numbers and time cells, whose precision the writer did not choose."""


def _duration_seconds(value: Any, unit: str, decimal_comma: bool | None) -> _Duration:
    """A duration cell -> seconds (unrounded). Blank -> 0.

    Text "H:MM:SS" / "H:MM" (hours may exceed 24) and "1 h 02 min 03 sec" are read as such whatever the
    header says; a plain number is hours, or seconds when the header (or a unit after the number) says
    seconds. XLSX numbers follow the header the same way; time and timedelta cells are durations.
    """
    if _is_blank(value):
        return _Duration(Decimal(0), None)
    if isinstance(value, (bool, datetime)):
        raise ValueError("not a duration")
    if isinstance(value, timedelta):
        duration = _Duration(Decimal(repr(value.total_seconds())), None)
    elif isinstance(value, time):
        clock = value.hour * 3600 + value.minute * 60 + value.second
        duration = _Duration(Decimal(clock) + Decimal(value.microsecond) / 10**6, None)
    elif isinstance(value, (int, float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        duration = _Duration(number if unit == "seconds" else number * 3600, None)
    else:
        duration = _duration_text(str(value).strip(), unit, decimal_comma)
    if not duration.seconds.is_finite() or duration.seconds < 0:
        raise ValueError("not a non-negative duration")
    return duration


def _duration_text(text: str, unit: str, decimal_comma: bool | None) -> _Duration:
    if match := _HMS_RE.fullmatch(text):
        minutes, secs = int(match["m"]), Decimal((match["s"] or "0").replace(",", "."))
        if minutes >= 60 or secs >= 60:
            raise ValueError("minutes and seconds must be below 60")
        return _Duration(Decimal(int(match["h"]) * 3600 + minutes * 60) + secs, Decimal(1))
    if (match := _CLASSIC_RE.fullmatch(text)) and any(match.groupdict().values()):
        h, m, s = (int(match[name] or 0) for name in ("h", "m", "s"))
        return _Duration(Decimal(h * 3600 + m * 60 + s), Decimal(1))
    if match := _UNIT_SUFFIX_RE.fullmatch(text):
        number = _number(match["number"], decimal_comma)
        suffix = (match["unit"] or "").lower()
        scale = 1 if (suffix.startswith("s") if suffix else unit == "seconds") else 3600
        return _Duration(number * scale, Decimal(1).scaleb(number.as_tuple().exponent) * scale)
    raise ValueError("not a duration")


_ISO_DAY_RE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?P<rest>.*)", re.DOTALL)
_TIME_TAIL_RE = re.compile(r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?")
_RANGE_TAIL_RE = re.compile(r"\s*(?:-|\u2013|\u2014|/|\.\.|to)\s*\d{4}-\d{1,2}-\d{1,2}", re.IGNORECASE)
_ISO_MONTH_RE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})")
_ISO_WEEK_RE = re.compile(r"(?P<y>\d{4})-?W(?P<w>\d{1,2})", re.IGNORECASE)


def _period(value: Any) -> date:
    """A period cell -> its first date.

    Date/datetime cells; text "2026-01-05", "2026-01-05 00:00:00" / "2026-01-05T00:00:00Z" (the written
    date, never shifted), "2026-01-05 - 2026-01-11" (a range: its start), "2026-01" (a month: its 1st),
    "2026-W02" (an ISO week: its Monday).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if _is_blank(value):
        raise ValueError("missing period")
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = value.strip()
    if match := _ISO_DAY_RE.fullmatch(text):
        rest = match["rest"]
        if rest and not (_TIME_TAIL_RE.fullmatch(rest) or _RANGE_TAIL_RE.fullmatch(rest)):
            raise ValueError("not a date")
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    if match := _ISO_MONTH_RE.fullmatch(text):
        return date(int(match["y"]), int(match["m"]), 1)
    if match := _ISO_WEEK_RE.fullmatch(text):
        return date.fromisocalendar(int(match["y"]), int(match["w"]), 1)
    raise ValueError("not an ISO date")


def _project_id(value: Any) -> int | None:
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("not a project id")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:\.0+)?", text):
        return int(text.split(".")[0])
    raise ValueError("not a project id")


def _name(value: Any, none_markers: frozenset[str]) -> str:
    """A project/client name as written; '' for blank and for markers like "(No project)"."""
    text = _cell_text(value)
    return "" if text.strip().strip("()").strip().casefold() in none_markers else text


# ---- from grid to frame ---------------------------------------------------------------------------------


def _parse_grid(grid: _Grid, request: _Request, source: str) -> ParsedExport:
    """Header row -> column plan -> data rows (totals row split off) -> parsed, checked table frame."""
    warnings = list(grid.warnings)
    rows = grid.rows
    if all(_is_blank_row(cells) for _, cells in rows):
        return _empty_result(request, warnings + [f"{source}: the export holds no rows (blank file)"])
    header_at = _find_header_row(rows)
    width = len(rows[header_at][1])
    data = [
        (number, _fit(cells, width, number, source))
        for number, cells in rows[header_at + 1 :]
        if not _is_blank_row(cells)
    ]
    columns, header_warnings = _plan_columns(rows[header_at][1], data, request, source)
    warnings += header_warnings
    by_field = {column.field: column for column in columns if column.field}

    data, totals_cells = _split_totals(data, by_field, columns, source)
    parsed = _parse_columns(data, by_field, grid.decimal_comma, source, warnings)
    frame = _frame(request, parsed, len(data))
    frame = _with_profit(frame, [number for number, _ in data], source, warnings)
    unrecognised = [column for column in columns if not column.field]
    frame["extra"] = pd.Series(
        [{c.header: _json_value(cells[c.index]) for c in unrecognised} for _, cells in data], dtype=object
    )
    _check_duplicates(frame, [number for number, _ in data], source)

    totals_row = None
    if totals_cells is not None:
        totals_row = _parse_totals(totals_cells, by_field, grid.decimal_comma, source)
        warnings += _check_totals(totals_row, totals_cells[0], frame, source)
    return ParsedExport(
        frame=frame,
        unrecognised_columns=[column.header for column in unrecognised],
        warnings=warnings,
        totals_row=totals_row,
        recognised_columns={c.header: c.field for c in columns if c.field},
    )


def _fit(cells: list[Any], width: int, number: int, source: str) -> list[Any]:
    """Pad a short row to the header's width; a value beyond the header is an error."""
    if len(cells) > width and not _is_blank_row(cells[width:]):
        raise ExportFormatError(f"{source}: row {number} has {len(cells)} cells but the header has {width}")
    return list(cells[:width]) + [None] * (width - len(cells))


def _split_totals(
    data: list[tuple[int, list[Any]]], by_field: dict[str, _Column], columns: list[_Column], source: str
) -> tuple[list[tuple[int, list[Any]]], tuple[int, list[Any]] | None]:
    """Remove the totals row: project (or first) cell "Total"/"Totals"/"Grand total" and no period."""
    project = by_field["project_name"].index
    period = by_field["period_start"].index if "period_start" in by_field else None
    first = columns[0].index

    def label(value: Any) -> str:
        return _cell_text(value).strip().rstrip(":").strip().casefold()

    def is_totals(cells: list[Any]) -> bool:
        labelled = label(cells[project]) in _TOTAL_LABELS or label(cells[first]) in _TOTAL_LABELS
        return labelled and (period is None or label(cells[period]) in _TOTAL_LABELS | {""})

    totals = [row for row in data if is_totals(row[1])]
    if len(totals) > 1:
        raise ExportFormatError(f"{source}: more than one totals row (rows {[n for n, _ in totals]})")
    if not totals:
        return data, None
    return [row for row in data if row is not totals[0]], totals[0]


def _parse_column(
    data: list[tuple[int, list[Any]]], column: _Column, parse: Callable[[Any], Any], source: str
) -> list[Any]:
    """Parse one column; a failure names the input, the row and the column."""
    values = []
    for number, cells in data:
        try:
            values.append(parse(cells[column.index]))
        except (ValueError, ArithmeticError, InvalidOperation) as exc:
            raise ExportFormatError(
                f"{source}: row {number}, column {column.header!r}: "
                f"cannot read {_cell_text(cells[column.index])!r} ({exc})"
            ) from None
    return values


def _parser_for(column: _Column, decimal_comma: bool | None) -> Callable[[Any], Any]:
    if column.field in DURATION_COLUMNS:
        return lambda value: _duration_seconds(value, column.unit or "auto", decimal_comma)
    if column.field == "profit_in_cents":  # a blank stated profit is "not stated": computed later
        return lambda value: None if _is_blank(value) else _money_cents(value, decimal_comma)
    if column.field in MONEY_COLUMNS:
        return lambda value: _money_cents(value, decimal_comma)
    return {
        "period_start": _period,
        "project_id": _project_id,
        "project_name": lambda value: _name(value, _NO_PROJECT),
        "client_name": lambda value: _name(value, _NO_CLIENT),
    }[column.field]


def _parse_columns(
    data: list[tuple[int, list[Any]]],
    by_field: dict[str, _Column],
    decimal_comma: bool | None,
    source: str,
    warnings: list[str],
) -> dict[str, list[Any]]:
    """Canonical field -> parsed values, for the recognised columns. Durations are rounded to seconds."""
    parsed = {}
    for name, column in by_field.items():
        values = _parse_column(data, column, _parser_for(column, decimal_comma), source)
        if name in DURATION_COLUMNS:
            values = _rounded_seconds(values, column, source, warnings)
        parsed[name] = values
    return parsed


def _rounded_seconds(values: list[_Duration], column: _Column, source: str, warnings: list[str]) -> list[int]:
    """Round to whole seconds (half up); warn when the column is written coarser than to the second.

    4-decimal hours (a step of 0.36 s) recover exact seconds; 2-decimal hours (36 s) cannot.
    """
    steps = [value.step for value in values if value.step is not None]
    if steps and min(steps) > 1:
        warnings.append(
            f"{source}: column {column.header!r} gives durations only to the nearest "
            f"{min(steps).normalize():f} s (too few decimals in hours?); seconds may be off"
        )
    return [_whole_seconds(value) for value in values]


def _whole_seconds(value: _Duration) -> int:
    return int(value.seconds.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _frame(request: _Request, parsed: dict[str, list[Any]], n: int) -> pd.DataFrame:
    """The table frame from parsed columns; an absent period uses the default, absent measures are 0.

    ``profit_in_cents`` stays nullable Int64 here (None = not stated); :func:`_with_profit` fills it.
    """
    def measure(name: str) -> pd.Series:
        return pd.Series(parsed.get(name, [0] * n), dtype="int64")

    periods = parsed.get("period_start", [request.default_period_start] * n)
    return pd.DataFrame(
        {
            "workspace_id": pd.Series([request.workspace_id] * n, dtype="int64"),
            "resolution": pd.Series([request.resolution] * n, dtype="str"),
            "currency": pd.Series([request.currency] * n, dtype="str"),
            "period_start": pd.Series(periods, dtype=object),
            "project_name": pd.Series(parsed.get("project_name", [""] * n), dtype="str"),
            "client_name": pd.Series(parsed.get("client_name", [""] * n), dtype="str"),
            "project_id": pd.Series(parsed.get("project_id", [None] * n), dtype="Int64"),
            "total_seconds": measure("total_seconds"),
            "billable_seconds": measure("billable_seconds"),
            "earnings_in_cents": measure("earnings_in_cents"),
            "labour_cost_in_cents": measure("labour_cost_in_cents"),
            "profit_in_cents": pd.Series(parsed.get("profit_in_cents", [None] * n), dtype="Int64"),
            "extra": pd.Series([{} for _ in range(n)], dtype=object),
        },
        columns=list(PROFITABILITY_COLUMNS),
    )


def _with_profit(frame: pd.DataFrame, numbers: list[int], source: str, warnings: list[str]) -> pd.DataFrame:
    """Profit = earnings - labour cost where the export states none (no column, or a blank cell); a stated
    profit off from that by more than 1 cent is kept, with a warning."""
    computed = frame["earnings_in_cents"] - frame["labour_cost_in_cents"]
    stated = frame["profit_in_cents"]
    off = ((stated - computed).abs() > 1).fillna(False).to_numpy(dtype=bool)
    if off.any():
        rows = [numbers[i] for i in off.nonzero()[0]]
        warnings.append(
            f"{source}: stated profit differs from earnings - labour cost by more than 1 cent in "
            f"{len(rows)} row(s) {_some(rows)}; kept the stated profit"
        )
    return frame.assign(profit_in_cents=stated.fillna(computed).astype("int64"))


def _some(items: list[Any], limit: int = 10) -> str:
    shown = ", ".join(map(str, items[:limit]))
    return f"({shown}{', ...' if len(items) > limit else ''})"


def _check_duplicates(frame: pd.DataFrame, numbers: list[int], source: str) -> None:
    duplicated = frame.duplicated(list(KEY_COLUMNS), keep=False)
    if duplicated.any():
        keys = [
            f"row {numbers[i]}: {period} / {project!r} / {client!r}"
            for i in duplicated.to_numpy().nonzero()[0]
            for period, project, client in [frame.loc[i, list(KEY_COLUMNS)]]
        ]
        raise ExportFormatError(
            f"{source}: duplicate (period, project, client) rows - the file is not understood: "
            + "; ".join(keys[:10])
        )


def _parse_totals(
    totals: tuple[int, list[Any]], by_field: dict[str, _Column], decimal_comma: bool | None, source: str
) -> dict[str, int]:
    """The totals row's non-blank measures, parsed like the data rows."""
    number, cells = totals
    present = {
        name: column
        for name, column in by_field.items()
        if name in MEASURE_COLUMNS and not _is_blank(cells[column.index])
    }
    values = {}
    for name, column in present.items():
        (value,) = _parse_column([totals], column, _parser_for(column, decimal_comma), source)
        values[name] = _whole_seconds(value) if name in DURATION_COLUMNS else value
    return values


def _check_totals(totals: dict[str, int], number: int, frame: pd.DataFrame, source: str) -> list[str]:
    """Compare the totals row with the column sums (money within 1 cent, seconds exactly)."""
    differences = []
    for name, stated in totals.items():
        summed = int(frame[name].sum())
        if abs(stated - summed) > (1 if name in MONEY_COLUMNS else 0):
            differences.append(f"{name} {stated} vs {summed}")
    if not differences:
        return []
    return [f"{source}: the totals row (row {number}) disagrees with the sum of the rows: {'; '.join(differences)}"]


def _empty_result(request: _Request, warnings: list[str]) -> ParsedExport:
    frame = _with_profit(_frame(request, {}, 0), [], "", [])
    return ParsedExport(frame=frame, unrecognised_columns=[], warnings=warnings, totals_row=None)
