"""Raw landing on a real Postgres: identical responses are stored once, changed content is stored again,
only paging/range/quota headers are kept, and unredacted paths are refused without being echoed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from pipelines.warehouse.raw import (
    canonical_json,
    content_sha256,
    kept_headers,
    land_response,
    request_hash,
)

pytestmark = pytest.mark.integration

PATH = "/reports/api/v3/shared/{report:team}"
TOKEN = "4f1c2a9be0d84c7f9a3b5e6d7c8f9a0b"


def land(engine: Engine, **overrides: object) -> bool:
    arguments = {
        "source": "shared_report",
        "report_key": "team",
        "method": "post",
        "path": PATH,
        "body": {"start_date": "2025-01-01", "end_date": "2025-01-07", "page_size": 50},
        "window_start": date(2025, 1, 1),
        "window_end": date(2025, 1, 7),
        "page_number": 1,
        "status_code": 200,
        "headers": {"Content-Type": "application/json", "x-next-row-number": "51", "Authorization": "Basic c2VjcmV0"},
        "content_type": "application/json",
        "body_json": {"detailed_results": {"report": [{"row_number": 1}]}},
        "run_id": "run-1",
    }
    arguments.update(overrides)
    with engine.begin() as conn:
        return land_response(conn, **arguments)


def stored(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.connection.driver_connection.execute(
            "SELECT request_method, request_path, request_body, response_headers, body_json, body_bytes, "
            "content_sha256, page_number, dagster_run_id FROM toggl_raw.api_responses ORDER BY response_id"
        ).fetchall()


def test_identical_response_is_stored_once(clean_warehouse: Engine) -> None:
    assert land(clean_warehouse) is True
    assert land(clean_warehouse, body={"page_size": 50, "end_date": "2025-01-07", "start_date": "2025-01-01"},
                run_id="run-2") is False
    [(method, path, body, headers, body_json, body_bytes, sha, page, run_id)] = stored(clean_warehouse)
    assert (method, path, page, run_id, body_bytes) == ("POST", PATH, 1, "run-1", None)
    assert body == {"start_date": "2025-01-01", "end_date": "2025-01-07", "page_size": 50}
    assert body_json == {"detailed_results": {"report": [{"row_number": 1}]}}
    assert sha == content_sha256(body_json=body_json)
    assert headers == {"Content-Type": "application/json", "X-Next-Row-Number": "51"}


def test_changed_content_or_request_is_stored_again(clean_warehouse: Engine) -> None:
    assert land(clean_warehouse)
    assert land(clean_warehouse, body_json={"detailed_results": {"report": []}})
    assert land(clean_warehouse, body={"start_date": "2025-01-08", "end_date": "2025-01-14"})
    assert land(clean_warehouse, report_key="other")
    assert len(stored(clean_warehouse)) == 4


def test_file_bodies_are_stored_as_bytes(clean_warehouse: Engine) -> None:
    csv = "Project,Duration\nApollo,01:00:00\n".encode()
    export = {
        "source": "profitability_export", "report_key": None, "workspace_id": 42,
        "path": "/insights/api/v1/workspace/42/profitability/projects.csv",
        "content_type": "text/csv", "body_json": None, "body_bytes": csv,
        "headers": {"CONTENT-TYPE": "text/csv", "Set-Cookie": "session=abc"},
    }
    assert land(clean_warehouse, **export) is True
    assert land(clean_warehouse, **export) is False
    [row] = stored(clean_warehouse)
    assert row[5] == csv and row[4] is None and row[6] == content_sha256(body_bytes=csv)
    assert row[3] == {"Content-Type": "text/csv"}


def test_unredacted_path_is_refused_without_echoing_it(clean_warehouse: Engine) -> None:
    for path in (f"/reports/api/v3/shared/{TOKEN}", f"/reports/api/v3/shared/x?api_token={TOKEN[:8]}"):
        with pytest.raises(ValueError) as caught:
            land(clean_warehouse, path=path)
        assert TOKEN[:8] not in str(caught.value)
    assert stored(clean_warehouse) == []


def test_exactly_one_body_is_required(clean_warehouse: Engine) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        land(clean_warehouse, body_bytes=b"x")
    with pytest.raises(ValueError, match="exactly one"):
        land(clean_warehouse, body_json=None)


def test_hashes_are_canonical() -> None:
    assert canonical_json({"b": 1, "a": [date(2025, 1, 1), "ü"]}) == '{"a":["2025-01-01","ü"],"b":1}'
    assert request_hash("s", "k", None, PATH, {"a": 1, "b": 2}) == request_hash("s", "k", None, PATH, {"b": 2, "a": 1})
    assert request_hash("s", "k", None, PATH, {}) != request_hash("s", "k", 1, PATH, {})
    assert kept_headers({"x-toggl-quota-remaining": "29", "X-Range-End": "2025-01-07", "Date": "now"}) == {
        "X-Toggl-Quota-Remaining": "29", "X-Range-End": "2025-01-07",
    }
