"""The capture kit's pure parts, on Toggl's real shapes rather than the emulator's: pseudonyms in both dialects
(rows with ids only + dictionaries keyed by id, summary sub-groups as a map, graph titles, a username holding
the email), spreadsheets (headers and numbers kept, names faked), the replay's request matching (whichever
cursor fields the client sends), and the doctor's notes on a swagger-shaped answer.
"""

from __future__ import annotations

import csv
import io

from requests.structures import CaseInsensitiveDict

from toggl_warehouse.capture.pseudonyms import Pseudonyms
from toggl_warehouse.capture.spreadsheets import pseudonymise_csv
from toggl_warehouse.doctor_notes import report_notes
from toggl_warehouse.toggl.emulator.replay import body_matches, describe_request

SWAGGER_PAGE = {  # a detailed page as the swagger and real captures have it: ids only, names in dictionaries
    "report_name": "Ana's hours",
    "detailed_results": {"report": [
        {"user_id": 7, "username": "ana@example.com", "project_id": 501, "task_id": 7001, "tag_ids": [9001],
         "description": "Call with Bob Stone", "billable_amount_in_cents": None, "hourly_rate_in_cents": None,
         "currency": "USD", "row_number": 1,
         "time_entries": [{"id": 1001, "seconds": 3600, "start": "2024-03-01T09:00:00+13:00",
                           "stop": "2024-03-01T10:00:00+13:00", "at": "2024-03-01T00:00:00Z", "at_tz": "x"}]},
    ], "totals": {"seconds": 3600, "graph": [{"title": "Ana Lima", "seconds": 3600}]}},
    "dictionaries": {
        "users": {"7": {"id": 7, "name": "Ana Lima", "email": "ana@example.com", "group_ids": [3], "labour_cost": 4200}},
        "projects": {"501": {"id": 501, "name": "Secret Merger", "client_id": 40, "color": "#06aaf5", "fixed_fee": 0}},
        "clients": {"40": {"id": 40, "name": "Globex", "external_reference": "CRM-991"}},
        "tasks": {"7001": {"id": 7001, "name": "Due diligence", "estimated_seconds": 7200}},
        "tags": {"9001": {"id": 9001, "name": "confidential"}},
        "user_groups": {"3": {"id": 3, "name": "Legal"}},
    },
    "saved_params": {"users": ["ana@example.com"], "workspace_logo": "https://cdn.example.com/globex.png"},
}
SUMMARY_PAGE = {"summary_results": {"report": {"groups": [
    {"id": 501, "names": ["Secret Merger"], "sub_groups": {"7": {"title": "Ana Lima", "seconds": 3600}}},
]}}}


def test_the_same_real_value_gets_the_same_fake_in_rows_dictionaries_summaries_and_titles():
    pseudonyms = Pseudonyms()

    page = pseudonyms.json(SWAGGER_PAGE)
    summary = pseudonyms.json(SUMMARY_PAGE)

    row = page["detailed_results"]["report"][0]
    users = page["dictionaries"]["users"]["7"]
    assert row["username"] == users["email"] == "person2@example.invalid"  # the email, wherever it is
    assert users["name"] == page["detailed_results"]["totals"]["graph"][0]["title"] == "person 1"
    assert summary["summary_results"]["report"]["groups"][0]["sub_groups"]["7"]["title"] == "person 1"
    assert page["dictionaries"]["projects"]["501"]["name"] == "project 1"
    assert summary["summary_results"]["report"]["groups"][0]["names"] == ["project 1"]
    assert page["dictionaries"]["clients"]["40"] == {"id": 40, "name": "client 1", "external_reference": "client 2"}
    assert page["dictionaries"]["tasks"]["7001"]["name"] == "task 1"
    assert page["dictionaries"]["tags"]["9001"]["name"] == "tag 1"
    assert page["dictionaries"]["user_groups"]["3"]["name"] == "group 1"
    assert row["description"] == "description 1" and page["report_name"] == "report 1"
    assert page["saved_params"] == {"users": ["person2@example.invalid"], "workspace_logo": "workspace_logo 1"}
    # ids, dates, seconds, nulls and money kept exactly
    assert (row["user_id"], row["project_id"], row["task_id"], row["tag_ids"]) == (7, 501, 7001, [9001])
    assert (row["billable_amount_in_cents"], row["hourly_rate_in_cents"], row["currency"]) == (None, None, "USD")
    assert row["time_entries"] == SWAGGER_PAGE["detailed_results"]["report"][0]["time_entries"]
    assert users["labour_cost"] == 4200 and users["group_ids"] == [3]
    assert pseudonyms.in_text("Ana Lima may not read Secret Merger") == "person 1 may not read project 1"


def test_a_csv_export_keeps_its_headers_numbers_and_markers_and_fakes_the_names():
    rows = [["Profitability of Globex Workspace"], [],
            ["Date", "Project", "Client", "Duration", "Earnings (USD)", "Notes"],
            ["2024-03-01", "Secret Merger", "Globex", "1:30:00", "1.234,50", "Ana Lima"],
            ["2024-03-01", "(No project)", "", "0:15:00", "0,00", "12%"],
            ["", "Total", "", "1:45:00", "1.234,50", ""]]
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(rows)
    pseudonyms = Pseudonyms()

    result = pseudonymise_csv(b"\xef\xbb\xbf" + text.getvalue().encode("utf-8"), pseudonyms)

    assert result.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(result[3:].decode("utf-8"), newline=""), delimiter=";")) == [
        ["text 1"], [],
        ["Date", "Project", "Client", "Duration", "Earnings (USD)", "Notes"],
        ["2024-03-01", "project 1", "client 1", "1:30:00", "1.234,50", "text 2"],
        ["2024-03-01", "(No project)", "", "0:15:00", "0,00", "12%"],
        ["", "Total", "", "1:45:00", "1.234,50", ""],
    ]


def test_replay_matches_whichever_cursor_fields_the_client_sends():
    first = {"start_date": "2024-03-01", "end_date": "2024-03-31", "page_size": 50}
    second = first | {"first_row_number": 51, "first_id": 4572901491}

    assert body_matches(first, dict(first))
    assert not body_matches(first, second) and not body_matches(second, first)  # a first page is only a first page
    assert body_matches(second, second | {"first_timestamp": 1709585981})  # a newer client sends all three
    assert body_matches(second | {"first_timestamp": 1709585981}, first | {"first_timestamp": 1709585981})
    assert not body_matches(second, first | {"first_timestamp": 1709585981})  # nothing in common to compare
    assert not body_matches(second, second | {"first_row_number": 101})
    assert not body_matches(first, first | {"end_date": "2024-03-30"})
    assert body_matches(first, {"start_date": "2024-03-01", "end_date": "2024-03-31"})  # page_size not sent
    assert describe_request("POST", "/reports/api/v3/shared/0123abcd", second) == (
        "POST /reports/api/v3/shared/<report> with start_date=2024-03-01, end_date=2024-03-31, page_size=50, "
        "first_row_number=51, first_id=4572901491")


def test_doctor_notes_on_a_swagger_answer_say_ids_only_and_the_keyset_cursor():
    headers = CaseInsensitiveDict({"x-next-id": "4572901491", "x-next-row-number": "51",
                                   "x-next-timestamp": "1709585981", "x-page-size": "50"})

    notes = list(report_notes(headers, SWAGGER_PAGE | {"detailed_results": {"report": SWAGGER_PAGE["detailed_results"]["report"] * 50}},
                              1000, 7))

    assert notes == [
        ("page size", "asked 1000 rows a page, served 50 with more to come; X-Page-Size: 50: Toggl caps pages at 50 rows"),
        ("cursor headers", "X-Next-ID, X-Next-Row-Number, X-Next-Timestamp came back"),
        ("rows", "carry names for user_id but ids only for project_id, task_id, tag_ids; those names come from the "
                 "dictionaries (clients, projects, tags, tasks, user_groups, users)"),
        ("quota headers", "absent (Toggl sent no X-Toggl-Quota-* headers on this answer)"),
    ]
