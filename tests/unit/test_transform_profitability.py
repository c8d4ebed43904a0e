"""Unit tests for toggl_warehouse.transform.profitability: profitability export bytes -> table frame."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from toggl_warehouse.transform.profitability import (
    HEADER_ALIASES,
    PROFITABILITY_COLUMNS,
    ExportFormatError,
    ParsedExport,
    normalise_header,
    parse_export,
)

WORKSPACE_ID = 7
SOURCE = "profitability export of workspace 7"
DEFAULT_HEADERS = [
    "Date", "Project", "Client", "Duration", "Billable duration",
    "Earnings (USD)", "Labor cost (USD)", "Profit (USD)",
]
ALTERNATE_HEADERS = [
    "period", "project name", "CLIENT", "Project ID", "Total Hours", "Billable Hours",
    "Earnings", "Labour Cost", "Profit", "Margin %",
]


# ---- helpers ------------------------------------------------------------------------------------------------


def csv_bytes(rows: list[list[str]], delimiter: str = ",", bom: bool = False, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding)


def parse(content: bytes, fmt: str = "csv", **kwargs) -> ParsedExport:
    options = {"workspace_id": WORKSPACE_ID, "resolution": "day", "currency": "USD", "source_name": SOURCE}
    return parse_export(content, fmt, **{**options, **kwargs})


def expected_frame(
    rows: list[tuple],
    *,
    currency: str = "usd",
    resolution: str = "day",
    project_ids: list[int | None] | None = None,
    extras: list[dict] | None = None,
) -> pd.DataFrame:
    """rows: (period_start, project_name, client_name, total_s, billable_s, earnings, labour, profit)."""
    n = len(rows)
    columns = list(zip(*rows)) if rows else [()] * 8
    ints = {
        name: pd.Series(list(values), dtype="int64")
        for name, values in zip(
            ("total_seconds", "billable_seconds", "earnings_in_cents", "labour_cost_in_cents", "profit_in_cents"),
            columns[3:],
        )
    }
    return pd.DataFrame(
        {
            "workspace_id": pd.Series([WORKSPACE_ID] * n, dtype="int64"),
            "resolution": pd.Series([resolution] * n, dtype="str"),
            "currency": pd.Series([currency] * n, dtype="str"),
            "period_start": pd.Series(list(columns[0]), dtype=object),
            "project_name": pd.Series(list(columns[1]), dtype="str"),
            "client_name": pd.Series(list(columns[2]), dtype="str"),
            "project_id": pd.Series(project_ids if project_ids is not None else [None] * n, dtype="Int64"),
            **ints,
            "extra": pd.Series(extras if extras is not None else [{} for _ in range(n)], dtype=object),
        }
    )


# ---- the two header sets seen so far --------------------------------------------------------------------------


DEFAULT_CSV_ROWS = [
    DEFAULT_HEADERS,
    ["2026-01-05", "Website", "Acme, Inc.", "123:04:05", "100:00:00", "1,234.56", "234.56", "1000.00"],
    ["2026-01-05", "(No project)", "", "0:30:00", "0:00:00", "0.00", "12.50", "-12.50"],
    ["2026-01-12", 'The "Big" one,\nphase 2', "(No client)", "25:00:01", "1:02", "$80.00", "(20.00)", "100.00"],
    ["", "Total", "", "148:34:06", "101:02:00", "1,314.56", "227.06", "1087.50"],
]
DEFAULT_EXPECTED = [
    (date(2026, 1, 5), "Website", "Acme, Inc.", 443045, 360000, 123456, 23456, 100000),
    (date(2026, 1, 5), "", "", 1800, 0, 0, 1250, -1250),
    (date(2026, 1, 12), 'The "Big" one,\nphase 2', "", 90001, 3720, 8000, -2000, 10000),
]
DEFAULT_TOTALS = {
    "total_seconds": 534846,
    "billable_seconds": 363720,
    "earnings_in_cents": 131456,
    "labour_cost_in_cents": 22706,
    "profit_in_cents": 108750,
}


def test_default_headers_with_hms_durations_over_24_hours() -> None:
    result = parse(csv_bytes(DEFAULT_CSV_ROWS))

    assert_frame_equal(result.frame, expected_frame(DEFAULT_EXPECTED))
    assert list(result.frame.columns) == list(PROFITABILITY_COLUMNS)
    assert result.unrecognised_columns == []
    assert result.warnings == []
    assert result.totals_row == DEFAULT_TOTALS
    assert result.recognised_columns["Earnings (USD)"] == "earnings_in_cents"


ALTERNATE_CSV_ROWS = [
    ALTERNATE_HEADERS,
    ["2026-01-05", "Website", "Acme", "101", "1,2503", "1,0000", "1.234,56", "234,56", "1000,00", "81,00"],
    ["2026-01-05", "Mobile app", "", "102", "123,0681", "0,0000", "0,00", "12,50", "-12,50", ""],
]


def test_alternate_headers_semicolon_decimal_comma_and_unrecognised_column() -> None:
    result = parse(csv_bytes(ALTERNATE_CSV_ROWS, ";"), currency="eur", resolution="Week")

    expected = expected_frame(
        [
            (date(2026, 1, 5), "Website", "Acme", 4501, 3600, 123456, 23456, 100000),
            (date(2026, 1, 5), "Mobile app", "", 443045, 0, 0, 1250, -1250),
        ],
        currency="eur",
        resolution="week",
        project_ids=[101, 102],
        extras=[{"Margin %": "81,00"}, {"Margin %": ""}],
    )
    assert_frame_equal(result.frame, expected)
    assert result.unrecognised_columns == ["Margin %"]
    assert result.totals_row is None
    assert result.warnings == []


# ---- header aliases -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, field",
    [
        ("Date", "period_start"), ("Period", "period_start"), ("Period start", "period_start"),
        ("Day", "period_start"), ("Week", "period_start"), ("Month", "period_start"),
        ("Start date", "period_start"), ("start_date", "period_start"),
        ("Project", "project_name"), ("Project name", "project_name"), ("PROJECT-NAME", "project_name"),
        ("Client", "client_name"), ("Client name", "client_name"), ("CLIENT", "client_name"),
        ("Project ID", "project_id"), ("project_id", "project_id"),
        ("Duration", "total_seconds"), ("Total duration", "total_seconds"), ("Total time", "total_seconds"),
        ("Tracked time", "total_seconds"), ("Total hours", "total_seconds"), ("Hours", "total_seconds"),
        ("Tracked hours", "total_seconds"), ("Total seconds", "total_seconds"),
        ("Billable duration", "billable_seconds"), ("Billable time", "billable_seconds"),
        ("Billable hours", "billable_seconds"), ("Billable seconds", "billable_seconds"),
        ("Earnings", "earnings_in_cents"), ("Earnings (USD)", "earnings_in_cents"),
        ("Billable amount [EUR]", "earnings_in_cents"), ("Amount", "earnings_in_cents"),
        ("Revenue usd", "earnings_in_cents"), ("Earnings in GBP", "earnings_in_cents"),
        ("Labor cost", "labour_cost_in_cents"), ("Labour cost", "labour_cost_in_cents"),
        ("Labour_Cost (USD)", "labour_cost_in_cents"), ("Cost", "labour_cost_in_cents"),
        ("Profit", "profit_in_cents"), ("Profit (USD)", "profit_in_cents"), ("Profit $", "profit_in_cents"),
        ("\ufeff  Date  ", "period_start"),
    ],
)
def test_header_alias(header: str, field: str) -> None:
    assert normalise_header(header) in HEADER_ALIASES[field]


def test_alias_table_maps_each_alias_to_one_field() -> None:
    aliases = [alias for values in HEADER_ALIASES.values() for alias in values]
    assert len(aliases) == len(set(aliases))
    assert all(normalise_header(alias) == alias for alias in aliases)


@pytest.mark.parametrize(
    "header_line, data_line",
    [
        (
            "Date,Project,Client,Duration,Billable duration,Earnings (USD),Labor cost (USD),Profit (USD)",
            "2026-01-05,Website,Acme,1:15:01,1:00:00,$12.34,5.00,7.34",
        ),
        (
            "Period start,Project name,Client name,Total time,Billable time,Amount,Cost",
            "2026-01-05,Website,Acme,1:15:01,1:00,12.34,5",
        ),
        (
            "Day,project,client,Tracked hours,billable_hours,Revenue [USD],Labour cost usd",
            "2026-01-05,Website,Acme,1.2503,1,12.34,5.00",
        ),
        (
            "Start date\tPROJECT\tClient\tTotal seconds\tBillable seconds\tBillable amount\tLabor cost\tProfit",
            "2026-01-05 00:00:00\tWebsite\tAcme\t4501\t3600\tUSD 12.34\t5\t7.34",
        ),
        (
            "Week;Project;Client;Hours;Billable duration;Earnings in USD;Labor Cost (USD)",
            "2026-01-05;Website;Acme;1,2503;1:00:00;12,34;5,00",
        ),
        (
            "Month,Client,Project,Tracked time,Billable hours,Earnings,Labor cost,Profit",
            '2026-01-05,Acme,Website,1:15:01,1.0000,"1,234.00",1221.66,12.34',
        ),
    ],
)
def test_header_variants_give_the_same_row(header_line: str, data_line: str) -> None:
    result = parse(f"{header_line}\n{data_line}\n".encode())

    earnings, labour, profit = (123400, 122166, 1234) if "Month" in header_line else (1234, 500, 734)
    row = (date(2026, 1, 5), "Website", "Acme", 4501, 3600, earnings, labour, profit)
    assert_frame_equal(result.frame, expected_frame([row]))
    assert result.unrecognised_columns == []


# ---- values -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, delimiter, cents",
    [
        ("1234.56", ",", 123456),
        ("1,234.56", ",", 123456),
        ("1234,56", ",", 123456),
        ("1234,56", ";", 123456),
        ("1.234,56", ";", 123456),
        ("1,5", ";", 150),
        ("$1,234.56", ",", 123456),
        ("1 234,56 €", ";", 123456),
        ("1\u00a0234,56\u00a0€", ",", 123456),
        ("USD 12.00", ",", 1200),
        ("12.00 EUR", ",", 1200),
        ("-12.50", ",", -1250),
        ("(12.50)", ",", -1250),
        ("-$12.50", ",", -1250),
        ("$(12.50)", ",", -1250),
        ("0.005", ",", 1),
        ("-0.005", ",", -1),
        ("", ",", 0),
        ("   ", ",", 0),
    ],
)
def test_money_to_cents(text: str, delimiter: str, cents: int) -> None:
    content = csv_bytes([["Date", "Project", "Earnings"], ["2026-01-05", "Website", text]], delimiter)
    assert parse(content).frame.at[0, "earnings_in_cents"] == cents


@pytest.mark.parametrize(
    "header, text, delimiter, seconds",
    [
        ("Duration", "123:04:05", ",", 443045),
        ("Duration", "1:02", ",", 3720),
        ("Duration", "0:00:59", ",", 59),
        ("Duration", "1.2503", ",", 4501),
        ("Total hours", "1.2503", ",", 4501),
        ("Total hours", "1,2503", ";", 4501),
        ("Total hours", "123:04:05", ",", 443045),
        ("Total hours", "0.0003", ",", 1),
        ("Total seconds", "4501", ",", 4501),
        ("Total seconds", "1:15:01", ",", 4501),
        ("Tracked time", "1 h 15 min 01 sec", ",", 4501),
        ("Duration", "", ",", 0),
    ],
)
def test_duration_to_seconds(header: str, text: str, delimiter: str, seconds: int) -> None:
    content = csv_bytes([["Date", "Project", header], ["2026-01-05", "Website", text]], delimiter)
    assert parse(content).frame.at[0, "total_seconds"] == seconds


def test_hours_with_too_few_decimals_warn() -> None:
    rows = [["Date", "Project", "Total hours"], ["2026-01-05", "Website", "1.26"], ["2026-01-06", "Website", "0.5"]]
    content = csv_bytes(rows)
    result = parse(content)
    assert result.frame.at[0, "total_seconds"] == 4536
    assert len(result.warnings) == 1 and "'Total hours'" in result.warnings[0] and "36 s" in result.warnings[0]


@pytest.mark.parametrize(
    "text, period",
    [
        ("2026-01-05", date(2026, 1, 5)),
        ("2026-01-05 00:00:00", date(2026, 1, 5)),
        ("2026-01-05T23:30:00+02:00", date(2026, 1, 5)),
        ("2026-01", date(2026, 1, 1)),
        ("2026-01-05 - 2026-01-11", date(2026, 1, 5)),
        ("2026-W02", date(2026, 1, 5)),
    ],
)
def test_periods(text: str, period: date) -> None:
    content = csv_bytes([["Period", "Project", "Duration"], [text, "Website", "1:00:00"]])
    assert parse(content).frame.at[0, "period_start"] == period


def test_missing_period_column_uses_default_period_start() -> None:
    content = csv_bytes([["Project", "Client", "Duration"], ["Website", "Acme", "1:00:00"]])

    result = parse(content, default_period_start=date(2026, 1, 1))

    assert_frame_equal(result.frame, expected_frame([(date(2026, 1, 1), "Website", "Acme", 3600, 0, 0, 0, 0)]))
    with pytest.raises(ExportFormatError, match="period") as error:
        parse(content)
    assert SOURCE in str(error.value)


def test_missing_profit_is_earnings_minus_labour_cost() -> None:
    rows = [["Date", "Project", "Earnings", "Labor cost"], ["2026-01-05", "Website", "10.00", "12.01"]]
    content = csv_bytes(rows)
    assert parse(content).frame.at[0, "profit_in_cents"] == -201


def test_stated_profit_that_disagrees_is_kept_with_a_warning() -> None:
    content = csv_bytes(
        [
            ["Date", "Project", "Earnings", "Labor cost", "Profit"],
            ["2026-01-05", "Website", "10.00", "4.00", "6.01"],  # within 1 cent: fine
            ["2026-01-06", "Website", "10.00", "4.00", "7.00"],
            ["2026-01-07", "Website", "10.00", "4.00", ""],  # not stated: computed
        ]
    )
    result = parse(content)

    assert result.frame["profit_in_cents"].tolist() == [601, 700, 600]
    assert len(result.warnings) == 1
    assert "profit" in result.warnings[0] and "(3)" in result.warnings[0]


# ---- CSV specifics ------------------------------------------------------------------------------------------


def test_bom_and_names_with_commas_quotes_newlines_and_na_survive() -> None:
    rows = [
        ["Date", "Project", "Client", "Duration"],
        ["2026-01-05", 'Say "hi", world', "Line one\nline two", "1:00:00"],
        ["2026-01-05", "NA", "None", "0:00:01"],
        ["2026-01-05", "null", "N/A", "0:00:02"],
    ]
    result = parse(csv_bytes(rows, bom=True))

    expected = expected_frame(
        [
            (date(2026, 1, 5), 'Say "hi", world', "Line one\nline two", 3600, 0, 0, 0, 0),
            (date(2026, 1, 5), "NA", "None", 1, 0, 0, 0, 0),
            (date(2026, 1, 5), "null", "N/A", 2, 0, 0, 0, 0),
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert result.warnings == []


def test_crlf_line_endings_and_blank_lines_are_skipped() -> None:
    content = b"Date,Project,Duration\r\n\r\n2026-01-05,Website,1:00:00\r\n,,\r\n\r\n"
    result = parse(content)
    assert_frame_equal(result.frame, expected_frame([(date(2026, 1, 5), "Website", "", 3600, 0, 0, 0, 0)]))


def test_cp1252_falls_back_with_a_warning() -> None:
    content = csv_bytes([["Date", "Project", "Duration"], ["2026-01-05", "Café", "1:00:00"]], encoding="cp1252")
    result = parse(content)
    assert result.frame.at[0, "project_name"] == "Café"
    assert len(result.warnings) == 1 and "cp1252" in result.warnings[0] and SOURCE in result.warnings[0]


def test_header_only_gives_an_empty_frame_without_warning() -> None:
    result = parse(csv_bytes([DEFAULT_HEADERS]))

    assert_frame_equal(result.frame, expected_frame([]))
    assert result.warnings == [] and result.totals_row is None


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_empty_bytes_give_an_empty_frame_with_a_warning(fmt: str) -> None:
    result = parse(b"", fmt)

    assert_frame_equal(result.frame, expected_frame([]))
    assert len(result.warnings) == 1 and SOURCE in result.warnings[0]


# ---- totals row ---------------------------------------------------------------------------------------------


def test_totals_row_is_removed_and_a_disagreement_warns() -> None:
    rows = [list(row) for row in DEFAULT_CSV_ROWS]
    rows[-1][5] = "1,314.57"  # off by one cent: within tolerance
    rows[-1][3] = "148:34:07"  # off by one second: not
    result = parse(csv_bytes(rows))

    assert_frame_equal(result.frame, expected_frame(DEFAULT_EXPECTED))
    assert result.totals_row == {**DEFAULT_TOTALS, "total_seconds": 534847, "earnings_in_cents": 131457}
    assert len(result.warnings) == 1
    assert "totals row" in result.warnings[0] and "total_seconds 534847 vs 534846" in result.warnings[0]


def test_totals_label_in_first_column_and_project_named_total_with_a_period_is_data() -> None:
    rows = [
        ["Date", "Project", "Duration", "Earnings"],
        ["2026-01-05", "Total", "1:00:00", "5.00"],
        ["Grand total", "", "1:00:00", ""],
    ]
    result = parse(csv_bytes(rows))

    assert_frame_equal(result.frame, expected_frame([(date(2026, 1, 5), "Total", "", 3600, 0, 500, 0, 500)]))
    assert result.totals_row == {"total_seconds": 3600}
    assert result.warnings == []


# ---- XLSX ---------------------------------------------------------------------------------------------------


XLSX_HEADERS = ["Date", "Project", "Client", "Total hours", "Billable hours", "Earnings (USD)", "Labor cost (USD)",
                "Profit (USD)", "Note"]
XLSX_ROWS = [
    [datetime(2026, 1, 5), "Website", "Acme, Inc.", 443045 / 3600, 100.0, 1234.56, 234.56, 1000.0, "ok"],
    [datetime(2026, 1, 5), "(No project)", None, 0.5, 0, 0, 12.5, -12.5, None],
    [date(2026, 1, 12), "NA", "None", 25.0002778, 1.0333, 80, -20, 100, "x"],
    [None, "Total", None, 148.5683, 101.0333, 1314.56, 227.06, 1087.5, None],
]
SAME_DATA_CSV = [
    XLSX_HEADERS,
    ["2026-01-05", "Website", "Acme, Inc.", "123:04:05", "100:00:00", "1,234.56", "234.56", "1000.00", "ok"],
    ["2026-01-05", "(No project)", "", "0:30:00", "0:00:00", "0.00", "12.50", "-12.50", ""],
    ["2026-01-12", "NA", "None", "25:00:01", "1:02", "80.00", "(20.00)", "100.00", "x"],
    ["", "Total", "", "148:34:06", "101:02:00", "1314.56", "227.06", "1087.50", ""],
]
SAME_DATA_EXPECTED = [
    (date(2026, 1, 5), "Website", "Acme, Inc.", 443045, 360000, 123456, 23456, 100000),
    (date(2026, 1, 5), "", "", 1800, 0, 0, 1250, -1250),
    (date(2026, 1, 12), "NA", "None", 90001, 3720, 8000, -2000, 10000),
]


def xlsx_bytes(rows: list[list], title: str = "Profitability", first_sheet: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    if first_sheet:
        book.active.title = first_sheet
        book.active.append(["not", "this", "sheet"])
        sheet = book.create_sheet(title)
    else:
        sheet = book.active
        sheet.title = title
    sheet.append(["Project profitability — Demo workspace — 2026-01-01 – 2026-01-31"])
    sheet.append([])
    for row in rows:
        sheet.append(row)
    sheet.append([])  # trailing empty rows are ignored
    sheet.append([None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_title_rows_numeric_cells_and_totals_row() -> None:
    result = parse(xlsx_bytes([XLSX_HEADERS, *XLSX_ROWS]), "xlsx")

    extras = [{"Note": "ok"}, {"Note": ""}, {"Note": "x"}]
    assert_frame_equal(result.frame, expected_frame(SAME_DATA_EXPECTED, extras=extras))
    assert result.unrecognised_columns == ["Note"]
    assert result.totals_row == {
        "total_seconds": 534846,
        "billable_seconds": 363720,
        "earnings_in_cents": 131456,
        "labour_cost_in_cents": 22706,
        "profit_in_cents": 108750,
    }
    assert result.warnings == []


def test_same_data_as_csv_and_xlsx_gives_identical_frames() -> None:
    from_csv = parse(csv_bytes(SAME_DATA_CSV))
    from_xlsx = parse(xlsx_bytes([XLSX_HEADERS, *XLSX_ROWS]), "xlsx")

    assert_frame_equal(from_xlsx.frame, from_csv.frame)
    assert from_xlsx.frame.equals(from_csv.frame)
    assert from_xlsx.totals_row == from_csv.totals_row
    assert from_xlsx.unrecognised_columns == from_csv.unrecognised_columns


def test_xlsx_prefers_a_sheet_named_like_profitability_and_keeps_extra_values() -> None:
    rows = [["Period", "Project", "Hours", "Margin %"], ["2026-01-05", "Website", 2, 0.25]]
    result = parse(xlsx_bytes(rows, title="Project profitability", first_sheet="Notes"), "xlsx")

    expected = expected_frame([(date(2026, 1, 5), "Website", "", 7200, 0, 0, 0, 0)], extras=[{"Margin %": 0.25}])
    assert_frame_equal(result.frame, expected)


# ---- errors -------------------------------------------------------------------------------------------------


def test_missing_project_column_names_input_and_headers_found() -> None:
    content = csv_bytes([["Date", "Client", "Duration"], ["2026-01-05", "Acme", "1:00:00"]])
    with pytest.raises(ExportFormatError) as error:
        parse(content)
    message = str(error.value)
    assert SOURCE in message and "project" in message and "['Date', 'Client', 'Duration']" in message


def test_missing_measures_is_an_error() -> None:
    content = csv_bytes([["Date", "Project", "Client"], ["2026-01-05", "Website", "Acme"]])
    with pytest.raises(ExportFormatError, match="measure"):
        parse(content)


def test_unrecognised_file_lists_what_it_found() -> None:
    with pytest.raises(ExportFormatError, match=r"\['foo', 'bar'\]"):
        parse(b"foo;bar\n1;2\n")


@pytest.mark.parametrize("bad", ["twelve", "12.3.4,5", "1,2,3", "--5", "(-5)", "1e5"])
def test_unparseable_money_names_input_row_and_column(bad: str) -> None:
    rows = [list(row) for row in DEFAULT_CSV_ROWS]
    rows[2][6] = bad  # second data row: line 3 of the file
    with pytest.raises(ExportFormatError) as error:
        parse(csv_bytes(rows))
    message = str(error.value)
    assert SOURCE in message and "row 3" in message and "'Labor cost (USD)'" in message and repr(bad) in message


def test_row_number_counts_file_lines_with_embedded_newlines() -> None:
    rows = [
        ["Date", "Project", "Duration"],
        ["2026-01-05", "Multi\nline\nname", "1:00:00"],
        ["2026-01-05", "Website", "1:99:00"],
    ]
    with pytest.raises(ExportFormatError, match=r"row 5, column 'Duration'"):
        parse(csv_bytes(rows))


def test_unparseable_period_and_xlsx_row_number() -> None:
    rows = [["Date", "Project", "Hours"], ["05/01/2026", "Website", 1]]
    with pytest.raises(ExportFormatError, match=r"row 4, column 'Date'") as error:
        parse(xlsx_bytes(rows), "xlsx")
    assert SOURCE in str(error.value)


def test_duplicate_key_rows_are_an_error() -> None:
    rows = [
        ["Date", "Project", "Client", "Duration"],
        ["2026-01-05", "Website", "Acme", "1:00:00"],
        ["2026-01-05", "(No project)", "", "1:00:00"],
        ["2026-01-05", "", "", "2:00:00"],
    ]
    with pytest.raises(ExportFormatError, match="duplicate") as error:
        parse(csv_bytes(rows))
    message = str(error.value)
    assert SOURCE in message and "row 3" in message and "row 4" in message and "2026-01-05" in message


def test_two_columns_for_one_field_is_an_error() -> None:
    rows = [["Date", "Project", "Duration", "Total hours"], ["2026-01-05", "Website", "1:00:00", "1"]]
    content = csv_bytes(rows)
    with pytest.raises(ExportFormatError, match="same field"):
        parse(content)


def test_value_beyond_the_header_is_an_error() -> None:
    with pytest.raises(ExportFormatError, match="row 2"):
        parse(b"Date,Project,Duration\n2026-01-05,Website,1:00:00,surprise\n")


def test_wrong_format_and_garbage_xlsx_are_errors() -> None:
    with pytest.raises(ExportFormatError, match="unknown export format"):
        parse(b"x", "json")
    with pytest.raises(ExportFormatError, match=SOURCE):
        parse(b"Date,Project\n", "xlsx")
    with pytest.raises(ExportFormatError, match="XLSX"):
        parse(xlsx_bytes([["Date", "Project"]]), "csv")
