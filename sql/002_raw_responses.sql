-- Raw landing of every API response. Secrets (tokens, passwords) are never stored:
-- a shared report is identified by its report_key, never by its token.
CREATE TABLE IF NOT EXISTS toggl_raw.api_responses (
    response_id      bigserial PRIMARY KEY,
    source           text        NOT NULL,
    report_key       text,
    workspace_id     bigint,
    request_method   text        NOT NULL,
    request_path     text        NOT NULL,
    request_body     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    request_hash     text        NOT NULL,
    window_start     date,
    window_end       date,
    page_number      integer     NOT NULL DEFAULT 1,
    status_code      integer     NOT NULL,
    response_headers jsonb       NOT NULL DEFAULT '{}'::jsonb,
    content_type     text,
    body_json        jsonb,
    body_bytes       bytea,
    content_sha256   text        NOT NULL,
    fetched_at       timestamptz NOT NULL DEFAULT now(),
    dagster_run_id   text,
    CONSTRAINT api_responses_body_present CHECK (body_json IS NOT NULL OR body_bytes IS NOT NULL),
    CONSTRAINT api_responses_request_content_unique UNIQUE (request_hash, content_sha256)
);
CREATE INDEX IF NOT EXISTS api_responses_report_window_idx
    ON toggl_raw.api_responses (source, report_key, workspace_id, window_start, window_end);

COMMENT ON TABLE toggl_raw.api_responses IS 'One row per distinct Toggl API response (page) as received; a response identical to one already stored for the same request is not stored again.';
COMMENT ON COLUMN toggl_raw.api_responses.response_id IS 'Surrogate key.';
COMMENT ON COLUMN toggl_raw.api_responses.source IS 'Which endpoint: shared_report or profitability_export.';
COMMENT ON COLUMN toggl_raw.api_responses.report_key IS 'Name of the shared report (from TOGGL_SHARED_REPORTS); the report token itself is never stored.';
COMMENT ON COLUMN toggl_raw.api_responses.workspace_id IS 'Toggl workspace id, for workspace endpoints.';
COMMENT ON COLUMN toggl_raw.api_responses.request_method IS 'HTTP method of the request.';
COMMENT ON COLUMN toggl_raw.api_responses.request_path IS 'Request path with any secret replaced by a placeholder naming the report.';
COMMENT ON COLUMN toggl_raw.api_responses.request_body IS 'JSON body sent (dates, paging, filters).';
COMMENT ON COLUMN toggl_raw.api_responses.request_hash IS 'SHA-256 of source, key, redacted path and body: identifies the request.';
COMMENT ON COLUMN toggl_raw.api_responses.window_start IS 'First date of the requested window.';
COMMENT ON COLUMN toggl_raw.api_responses.window_end IS 'Last date of the requested window (inclusive).';
COMMENT ON COLUMN toggl_raw.api_responses.page_number IS '1-based page number within the window.';
COMMENT ON COLUMN toggl_raw.api_responses.status_code IS 'HTTP status code.';
COMMENT ON COLUMN toggl_raw.api_responses.response_headers IS 'Paging, range and quota headers of the response.';
COMMENT ON COLUMN toggl_raw.api_responses.content_type IS 'Content-Type of the response.';
COMMENT ON COLUMN toggl_raw.api_responses.body_json IS 'JSON response body, for JSON endpoints.';
COMMENT ON COLUMN toggl_raw.api_responses.body_bytes IS 'File response body (CSV or XLSX), for export endpoints.';
COMMENT ON COLUMN toggl_raw.api_responses.content_sha256 IS 'SHA-256 of the response body bytes.';
COMMENT ON COLUMN toggl_raw.api_responses.fetched_at IS 'When the response was first received.';
COMMENT ON COLUMN toggl_raw.api_responses.dagster_run_id IS 'Dagster run that first received it.';
