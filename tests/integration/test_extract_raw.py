"""Raw landing on a real Postgres (toggl_warehouse.extract.raw): fetch records, every page, bodies once per content.

Covers: each page is its own committed row under its fetch, bodies are stored once per SHA-256 of the bytes
received (a history A, B, A records three fetches and two bodies); a body that is not JSON is kept as
bytes; only paging/range/quota headers are kept; an unredacted path is refused without being echoed; a
failed resumable fetch is found again only with the same subject, range and parameters, within the age.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from toggl_warehouse.extract.raw import (
    FetchSubject,
    PageToLand,
    finish_fetch,
    land_page,
    read_fetch,
    resumable_fetch,
    start_fetch,
    stored_pages,
)

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 1)
SUBJECT = FetchSubject("shared_report", report_key="team", params={"page_size": 50})
PATH = "/reports/api/v3/shared/<report:team>"
TOKEN = "4f1c2a9be0d84c7f9a3b5e6d7c8f9a0b"


def page(content: bytes, number: int = 1, path: str = PATH, **headers: str) -> PageToLand:
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    return PageToLand(
        window_start=DAY, window_end=DAY, served_start=DAY, served_end=DAY, page_number=number, method="post",
        path=path, request_body={"start_date": DAY.isoformat()}, status_code=200,
        headers={"Content-Type": "application/json", "X-Next-Row-Number": "51", "Set-Cookie": "s=1", **headers},
        content=content, content_type="application/json", body_json=body, row_count=None if body is None else 0,
    )


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM toggl_raw.fetches), (SELECT count(*) FROM toggl_raw.pages), "
            "(SELECT count(*) FROM toggl_raw.bodies)")).one())


def test_a_history_a_b_a_records_three_fetches_and_two_bodies(clean_warehouse):
    a, b = b'{"detailed_results": {"report": []}}', b'{"detailed_results": {"report": [], "x": 1}}'
    for content in (a, b, a):
        fetch = start_fetch(clean_warehouse, SUBJECT, DAY, DAY, run_id="r1")
        land_page(clean_warehouse, fetch, page(content), requests_spent=1)
        finish_fetch(clean_warehouse, fetch, requests_spent=0)

    assert counts(clean_warehouse) == (3, 3, 2)
    with clean_warehouse.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT p.content_sha256, p.response_headers, p.next_row_number, f.status, f.pages, f.requests "
            "FROM toggl_raw.pages p JOIN toggl_raw.fetches f USING (fetch_id) ORDER BY fetch_id")).all()
    assert [row.content_sha256 for row in stored] == [hashlib.sha256(c).hexdigest() for c in (a, b, a)]
    assert stored[0].response_headers == {"Content-Type": "application/json", "X-Next-Row-Number": "51"}
    assert [(row.next_row_number, row.status, row.pages, row.requests) for row in stored] == [(51, "complete", 1, 1)] * 3


def test_pages_read_back_as_landed_and_non_json_is_kept_as_bytes(clean_warehouse):
    fetch = start_fetch(clean_warehouse, SUBJECT, DAY, DAY, run_id=None)
    json_body = '{"detailed_results": {"report": [{"description": "Café ☕"}]}}'.encode()
    truncated = b'{"detailed_results": {"report": [{"descr'
    land_page(clean_warehouse, fetch, page(json_body, 1), requests_spent=1)
    land_page(clean_warehouse, fetch, page(truncated, 2), requests_spent=1)

    with clean_warehouse.connect() as conn:
        first, second = list(stored_pages(conn, fetch.fetch_id))
        record = read_fetch(conn, fetch.fetch_id)
    assert first.body_json == json.loads(json_body) and first.body_bytes is None
    assert second.body_json is None and second.body_bytes == truncated and second.row_count is None
    assert (record.status, record.pages, record.requests) == ("running", 2, 2)


def test_an_unredacted_path_is_refused_without_echoing_it(clean_warehouse):
    fetch = start_fetch(clean_warehouse, SUBJECT, DAY, DAY, run_id=None)
    with pytest.raises(ValueError) as refused:
        land_page(clean_warehouse, fetch, page(b"{}", path=f"/reports/api/v3/shared/{TOKEN}"), requests_spent=1)
    assert TOKEN not in str(refused.value)
    assert counts(clean_warehouse) == (1, 0, 0)


def test_only_a_matching_young_resumable_failure_is_resumed(clean_warehouse):
    failed = start_fetch(clean_warehouse, SUBJECT, DAY, DAY + timedelta(days=1), run_id="r1")
    land_page(clean_warehouse, failed, page(b"{}"), requests_spent=1)
    finish_fetch(clean_warehouse, failed, requests_spent=1, error="quota used up", resumable=True)
    other_params = FetchSubject("shared_report", report_key="team", params={"page_size": 1000})

    assert resumable_fetch(clean_warehouse, other_params, DAY, DAY + timedelta(days=1), timedelta(hours=1), "r2") is None
    assert resumable_fetch(clean_warehouse, SUBJECT, DAY, DAY + timedelta(days=2), timedelta(hours=1), "r2") is None
    assert resumable_fetch(clean_warehouse, SUBJECT, DAY, DAY + timedelta(days=1), timedelta(0), "r2") is None
    resumed = resumable_fetch(clean_warehouse, SUBJECT, DAY, DAY + timedelta(days=1), timedelta(hours=1), "r2")

    assert (resumed.fetch_id, resumed.pages, resumed.requests) == (failed.fetch_id, 1, 2)
    with clean_warehouse.connect() as conn:
        assert conn.execute(sa.text("SELECT status, dagster_run_id, error FROM toggl_raw.fetches")).one() == ("running", "r2", None)


def test_a_failure_that_cannot_pass_is_not_resumed(clean_warehouse):
    failed = start_fetch(clean_warehouse, SUBJECT, DAY, DAY, run_id="r1")
    finish_fetch(clean_warehouse, failed, requests_spent=1, error="page 1 is not valid JSON", resumable=False)
    assert resumable_fetch(clean_warehouse, SUBJECT, DAY, DAY, timedelta(hours=1), "r2") is None
