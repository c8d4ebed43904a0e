"""Project profitability export: ``POST /insights/api/v1/workspace/{id}/profitability/projects.{csv|xlsx}``.

One row per period (the day / the Monday of the week / the first of the month) x project with tracked
time, built from the same entries and canonical per-entry amounts as the shared reports (entries are
taken by their local start date within [start_date, end_date]); time without project forms one row
"(No project)" with an empty client. Measures: total and billable seconds, earnings (sum of entry
amounts), labour cost (sum of entry labour costs), profit = earnings - labour cost.

Currency: each entry amount is in its project's currency and labour cost in the workspace currency
(USD). When that differs from the requested currency, the entry's amount is converted with the fixed
table ``CONVERSION`` (EUR->USD 1.08, USD->EUR 0.925, USD->GBP 0.79, EUR->GBP 0.855), rounded half up
per entry. A project whose currency equals the requested one therefore matches the shared reports
to the cent. Supported currencies: USD, EUR, GBP. ``rounding``/``rounding_minutes`` are accepted and
ignored. Defaults: end_date = the emulator's today, start_date = end_date - 29 days. Filters:
``billable`` selects by the project's billable flag (as the seed says; no-project time counts as not
billable), ``client_ids`` with a null selects projects without client and time without project.

CSV variants (config ``profitability_csv`` or, per request, header
``X-Emulator-Variant: key=value;key=value``): ``delimiter`` ("," | ";" — ";" also means decimal
commas), ``bom`` (UTF-8 BOM), ``headers`` ("default" | "alternate"), ``totals_row`` (true | false).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook

from .faults import ApiError
from .totals import bucket_start
from .workspace import TimeEntry, Workspace

CONVERSION = {("EUR", "USD"): Decimal("1.08"), ("USD", "EUR"): Decimal("0.925"),
              ("USD", "GBP"): Decimal("0.79"), ("EUR", "GBP"): Decimal("0.855")}
CURRENCIES = {"USD", "EUR", "GBP"}
RESOLUTIONS = ("day", "week", "month")
NO_PROJECT = "(No project)"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALTERNATE_HEADERS = ["period", "project name", "CLIENT", "Project ID", "Total Hours", "Billable Hours",
                     "Earnings", "Labour Cost", "Profit", "Margin %"]
DEFAULT_VARIANT = {"delimiter": ",", "bom": False, "headers": "default", "totals_row": True}
INVALID = "Invalid parameters"


def default_headers(currency: str) -> list[str]:
    c = currency.upper()
    return ["Date", "Project", "Client", "Duration", "Billable duration",
            f"Earnings ({c})", f"Labor cost ({c})", f"Profit ({c})"]


def xlsx_headers(currency: str) -> list[str]:
    c = currency.upper()
    return ["Date", "Project", "Client", "Total hours", "Billable hours",
            f"Earnings ({c})", f"Labor cost ({c})", f"Profit ({c})"]


@dataclass(frozen=True)
class ExportRequest:
    currency: str
    start: date
    end: date
    resolution: str
    billable: bool | None = None
    client_ids: tuple | None = None
    project_ids: tuple | None = None


@dataclass
class ProfitRow:
    period: date | None
    project_id: int | None
    project_name: str
    client_name: str
    total_seconds: int = 0
    billable_seconds: int = 0
    earnings: int = 0
    labour_cost: int = 0

    @property
    def profit(self) -> int:
        return self.earnings - self.labour_cost


# ---- request ----------------------------------------------------------------------------------

def parse_request(body: dict, today: date) -> ExportRequest:
    currency = str(body.get("currency") or "").upper()
    resolution = body.get("resolution") or "month"
    if currency not in CURRENCIES or resolution not in RESOLUTIONS:
        raise ApiError(400, INVALID)
    end = _date(body.get("end_date")) or today
    start = _date(body.get("start_date")) or end - timedelta(days=29)
    if end < start:
        raise ApiError(400, "Invalid date span")
    return ExportRequest(currency, start, end, resolution, _bool(body.get("billable")),
                         _id_list(body.get("client_ids")), _id_list(body.get("project_ids")))


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ApiError(400, INVALID) from None


def _bool(value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ApiError(400, INVALID)


def _id_list(value) -> tuple | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ApiError(400, INVALID)
    return tuple(value)


# ---- measures ---------------------------------------------------------------------------------

def convert(cents: int, source: str, target: str) -> int:
    if source == target or cents == 0:
        return cents
    value = Decimal(cents) * CONVERSION[(source, target)]
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute_rows(ws: Workspace, req: ExportRequest) -> list[ProfitRow]:
    """Profitability rows (period x project with tracked time), sorted by period then project name."""
    rows: dict[tuple, ProfitRow] = {}
    for entry in ws.entries_between(req.start, req.end):
        if not _selected(ws, entry, req):
            continue
        key = (bucket_start(entry.date, req.resolution), entry.project_id)
        if key not in rows:
            rows[key] = _new_row(ws, *key)
        _add(ws, rows[key], entry, req.currency)
    kept = [r for r in rows.values() if r.total_seconds > 0]
    return sorted(kept, key=lambda r: (r.period, r.project_id is None, r.project_name.casefold(),
                                       r.project_id or 0))


def _selected(ws: Workspace, entry: TimeEntry, req: ExportRequest) -> bool:
    project = ws.project(entry.project_id)
    if req.project_ids is not None and entry.project_id not in req.project_ids:
        return False
    client_id = project.client_id if project else None
    if req.client_ids is not None and client_id not in req.client_ids:
        return False
    return req.billable is None or req.billable == bool(project and project.billable)


def _new_row(ws: Workspace, period: date, project_id: int | None) -> ProfitRow:
    project = ws.project(project_id)
    if project is None:
        return ProfitRow(period, None, NO_PROJECT, "")
    client = ws.client(project.client_id)
    return ProfitRow(period, project.id, project.name, client.name if client else "")


def _add(ws: Workspace, row: ProfitRow, entry: TimeEntry, currency: str) -> None:
    row.total_seconds += entry.seconds
    row.billable_seconds += entry.seconds if entry.billable else 0
    row.earnings += convert(ws.amount_of(entry) or 0, ws.rate_of(entry)[1], currency)
    row.labour_cost += convert(ws.labour_cost_of(entry), ws.default_currency, currency)


def total_row(rows: list[ProfitRow]) -> ProfitRow:
    total = ProfitRow(None, None, "Total", "")
    for r in rows:
        total.total_seconds += r.total_seconds
        total.billable_seconds += r.billable_seconds
        total.earnings += r.earnings
        total.labour_cost += r.labour_cost
    return total


# ---- CSV --------------------------------------------------------------------------------------

def parse_variant(header: str | None, base: dict | None = None) -> dict:
    """Variant settings: defaults, then ``base`` (config), then the ``key=value;key=value`` header."""
    variant = {**DEFAULT_VARIANT, **(base or {})}
    for part in re.split(r";(?=\s*\w+\s*=)", header or ""):
        key, sep, value = part.partition("=")
        if sep:
            variant[key.strip()] = value if key.strip() == "delimiter" else value.strip()
    variant["delimiter"] = {"semicolon": ";", "comma": ","}.get(variant["delimiter"], variant["delimiter"])
    for flag in ("bom", "totals_row"):
        variant[flag] = str(variant[flag]).strip().lower() in ("true", "1", "yes")
    return variant


def render_csv(rows: list[ProfitRow], currency: str, variant: dict) -> bytes:
    delimiter = variant["delimiter"] if variant["delimiter"] in (",", ";") else ","
    alternate = variant["headers"] == "alternate"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(ALTERNATE_HEADERS if alternate else default_headers(currency))
    lines = rows + ([total_row(rows)] if rows and variant["totals_row"] else [])
    cell = _alternate_cells if alternate else _default_cells
    writer.writerows(cell(r, delimiter == ";") for r in lines)
    prefix = "\ufeff" if variant["bom"] else ""
    return (prefix + buffer.getvalue()).encode("utf-8")


def _default_cells(r: ProfitRow, comma: bool) -> list[str]:
    return [r.period.isoformat() if r.period else "", r.project_name, r.client_name,
            hms(r.total_seconds), hms(r.billable_seconds),
            money(r.earnings, comma), money(r.labour_cost, comma), money(r.profit, comma)]


def _alternate_cells(r: ProfitRow, comma: bool) -> list[str]:
    margin = "" if r.earnings == 0 else _decimal(Decimal(r.profit * 100) / Decimal(r.earnings), 2, comma)
    return [r.period.isoformat() if r.period else "", r.project_name, r.client_name,
            str(r.project_id or ""), _decimal(Decimal(r.total_seconds) / 3600, 4, comma),
            _decimal(Decimal(r.billable_seconds) / 3600, 4, comma),
            money(r.earnings, comma), money(r.labour_cost, comma), money(r.profit, comma), margin]


def hms(seconds: int) -> str:
    """Seconds as H:MM:SS; hours may exceed 24 (e.g. 123:04:05)."""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def money(cents: int, decimal_comma: bool = False) -> str:
    sign = "-" if cents < 0 else ""
    text = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    return text.replace(".", ",") if decimal_comma else text


def _decimal(value: Decimal, places: int, comma: bool) -> str:
    text = str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    return text.replace(".", ",") if comma else text


# ---- XLSX -------------------------------------------------------------------------------------

def render_xlsx(ws: Workspace, rows: list[ProfitRow], req: ExportRequest) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Profitability"
    sheet.append([f"Project profitability — {ws.name} — {req.start.isoformat()} – {req.end.isoformat()}"])
    sheet.append([])
    sheet.append(xlsx_headers(req.currency))
    for r in rows + [total_row(rows)]:
        sheet.append([r.period, r.project_name, r.client_name or None,
                      r.total_seconds / 3600, r.billable_seconds / 3600,
                      r.earnings / 100, r.labour_cost / 100, r.profit / 100])
    for cell in sheet["A"][3:]:
        cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- the endpoint -----------------------------------------------------------------------------

def export_profitability(ws: Workspace, body: dict, extension: str, variant: dict,
                         today: date) -> tuple[bytes, str]:
    """(file bytes, content type) for an admin of a premium workspace; ApiError otherwise."""
    req = parse_request(body, today)
    rows = compute_rows(ws, req)
    if extension == "xlsx":
        return render_xlsx(ws, rows, req), XLSX_TYPE
    return render_csv(rows, req.currency, variant), CSV_TYPE
