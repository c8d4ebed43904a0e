-- Extract stage: a log of fetches, every page of each fetch, and the response bodies (deduplicated by hash).
-- A fetch is one pass over the API for one source (a shared report or a workspace's export) and one
-- requested date range; each page is committed as it arrives, so a failed fetch keeps what it paid for.
-- toggl_raw.api_responses (002) is the v1 landing table: kept for history, no longer written.

CREATE TABLE IF NOT EXISTS toggl_raw.fetches (
    fetch_id        bigserial   PRIMARY KEY,
    source          text        NOT NULL,
    report_key      text,
    workspace_id    bigint,
    request_params  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    requested_start date        NOT NULL,
    requested_end   date        NOT NULL,
    served_start    date,
    served_end      date,
    report_type     text,
    status          text        NOT NULL DEFAULT 'running',
    pages           integer     NOT NULL DEFAULT 0,
    requests        integer     NOT NULL DEFAULT 0,
    resumed_pages   integer     NOT NULL DEFAULT 0,
    resumable       boolean     NOT NULL DEFAULT false,
    error           text,
    dagster_run_id  text,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    last_loaded_at  timestamptz,
    CONSTRAINT fetches_status_known CHECK (status IN ('running', 'complete', 'failed')),
    CONSTRAINT fetches_one_subject CHECK ((report_key IS NULL) <> (workspace_id IS NULL)),
    CONSTRAINT fetches_range_ordered CHECK (requested_start <= requested_end)
);
CREATE INDEX IF NOT EXISTS fetches_subject_idx
    ON toggl_raw.fetches (source, report_key, workspace_id, status, requested_start, requested_end);

COMMENT ON TABLE toggl_raw.fetches IS 'One row per fetch: one pass over the Toggl API for one shared report or workspace export and one requested date range. Only complete fetches are loaded; failed ones keep their pages for inspection and resume.';
COMMENT ON COLUMN toggl_raw.fetches.fetch_id IS 'Surrogate key; also recorded in the Dagster metadata of the run that loaded it.';
COMMENT ON COLUMN toggl_raw.fetches.source IS 'Which endpoint: shared_report or profitability_export.';
COMMENT ON COLUMN toggl_raw.fetches.report_key IS 'Name of the shared report (from TOGGL_SHARED_REPORTS); the report token is never stored.';
COMMENT ON COLUMN toggl_raw.fetches.workspace_id IS 'Toggl workspace id of a profitability export.';
COMMENT ON COLUMN toggl_raw.fetches.request_params IS 'Request parameters besides the dates (page size, filters, format, currency): a fetch is resumed only with the same parameters.';
COMMENT ON COLUMN toggl_raw.fetches.requested_start IS 'First date asked for.';
COMMENT ON COLUMN toggl_raw.fetches.requested_end IS 'Last date asked for (inclusive).';
COMMENT ON COLUMN toggl_raw.fetches.served_start IS 'First date Toggl served (X-Range-Start; a fixed-range report keeps its own dates).';
COMMENT ON COLUMN toggl_raw.fetches.served_end IS 'Last date Toggl served (inclusive).';
COMMENT ON COLUMN toggl_raw.fetches.report_type IS 'detailed, summary or weekly (shared reports), or the export format csv/xlsx.';
COMMENT ON COLUMN toggl_raw.fetches.status IS 'running, complete (paging ended the way Toggl said) or failed (see error).';
COMMENT ON COLUMN toggl_raw.fetches.pages IS 'Pages landed under this fetch.';
COMMENT ON COLUMN toggl_raw.fetches.requests IS 'HTTP requests sent for this fetch, retries and refused ranges included.';
COMMENT ON COLUMN toggl_raw.fetches.resumed_pages IS 'Pages a resumed run did not pay for again because an earlier attempt had landed them.';
COMMENT ON COLUMN toggl_raw.fetches.resumable IS 'True when the fetch failed for a reason that may pass (quota, network, 5xx): a re-run within TOGGL_RESUME_MAX_AGE_HOURS continues from its next page.';
COMMENT ON COLUMN toggl_raw.fetches.error IS 'Why the fetch failed, in one line (no secrets).';
COMMENT ON COLUMN toggl_raw.fetches.dagster_run_id IS 'Dagster run that fetched (the latest one, for a resumed fetch).';
COMMENT ON COLUMN toggl_raw.fetches.started_at IS 'When the fetch started.';
COMMENT ON COLUMN toggl_raw.fetches.finished_at IS 'When the fetch completed or failed.';
COMMENT ON COLUMN toggl_raw.fetches.last_loaded_at IS 'When the load stage last replaced tables from this fetch (a load or a replay).';

CREATE TABLE IF NOT EXISTS toggl_raw.bodies (
    content_sha256    text        PRIMARY KEY,
    content_type      text,
    body_json         jsonb,
    body_bytes        bytea,
    size_bytes        integer     NOT NULL,
    first_received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT bodies_present CHECK (body_json IS NOT NULL OR body_bytes IS NOT NULL)
);
COMMENT ON TABLE toggl_raw.bodies IS 'Response bodies, stored once per distinct content: JSON as jsonb, anything else (CSV, XLSX, a body that is not valid JSON) as bytes.';
COMMENT ON COLUMN toggl_raw.bodies.content_sha256 IS 'SHA-256 of the body bytes exactly as received.';
COMMENT ON COLUMN toggl_raw.bodies.content_type IS 'Content-Type of the first response with this body.';
COMMENT ON COLUMN toggl_raw.bodies.body_json IS 'The body, when it is valid JSON.';
COMMENT ON COLUMN toggl_raw.bodies.body_bytes IS 'The body bytes, when it is not JSON (export files; a truncated or HTML page kept for inspection).';
COMMENT ON COLUMN toggl_raw.bodies.size_bytes IS 'Size of the body as received, in bytes.';
COMMENT ON COLUMN toggl_raw.bodies.first_received_at IS 'When this content was first received.';

CREATE TABLE IF NOT EXISTS toggl_raw.pages (
    fetch_id         bigint      NOT NULL REFERENCES toggl_raw.fetches (fetch_id) ON DELETE CASCADE,
    page_index       integer     NOT NULL,
    window_start     date        NOT NULL,
    window_end       date        NOT NULL,
    served_start     date        NOT NULL,
    served_end       date        NOT NULL,
    page_number      integer     NOT NULL,
    request_method   text        NOT NULL,
    request_path     text        NOT NULL,
    request_body     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status_code      integer     NOT NULL,
    response_headers jsonb       NOT NULL DEFAULT '{}'::jsonb,
    row_count        integer,
    next_row_number  bigint,
    content_sha256   text        NOT NULL REFERENCES toggl_raw.bodies (content_sha256),
    received_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (fetch_id, page_index),
    CONSTRAINT pages_window_ordered CHECK (window_start <= window_end)
);
CREATE INDEX IF NOT EXISTS pages_content_idx ON toggl_raw.pages (content_sha256);

COMMENT ON TABLE toggl_raw.pages IS 'Every page of every fetch, in the order received, each committed as it arrived; the body is in toggl_raw.bodies.';
COMMENT ON COLUMN toggl_raw.pages.fetch_id IS 'The fetch this page belongs to.';
COMMENT ON COLUMN toggl_raw.pages.page_index IS '1-based position of the page in the fetch.';
COMMENT ON COLUMN toggl_raw.pages.window_start IS 'First date of the window the request asked for (a long range is cut into windows Toggl accepts).';
COMMENT ON COLUMN toggl_raw.pages.window_end IS 'Last date of the requested window (inclusive).';
COMMENT ON COLUMN toggl_raw.pages.served_start IS 'First date Toggl served for the window (X-Range-Start, else the requested one).';
COMMENT ON COLUMN toggl_raw.pages.served_end IS 'Last date Toggl served for the window (inclusive).';
COMMENT ON COLUMN toggl_raw.pages.page_number IS '1-based page number within its window.';
COMMENT ON COLUMN toggl_raw.pages.request_method IS 'HTTP method.';
COMMENT ON COLUMN toggl_raw.pages.request_path IS 'Request path with the report token replaced by a placeholder naming the report.';
COMMENT ON COLUMN toggl_raw.pages.request_body IS 'JSON body sent (dates, paging cursor, filters).';
COMMENT ON COLUMN toggl_raw.pages.status_code IS 'HTTP status code.';
COMMENT ON COLUMN toggl_raw.pages.response_headers IS 'Paging, range, quota and content-type headers of the response.';
COMMENT ON COLUMN toggl_raw.pages.row_count IS 'Rows (time entry rows, weekly rows or summary groups) on the page; NULL when the body could not be read.';
COMMENT ON COLUMN toggl_raw.pages.next_row_number IS 'X-Next-Row-Number: where the next page starts; NULL on the last page of a window.';
COMMENT ON COLUMN toggl_raw.pages.content_sha256 IS 'SHA-256 of the body bytes as received (key of toggl_raw.bodies).';
COMMENT ON COLUMN toggl_raw.pages.received_at IS 'When the page was received and committed.';

COMMENT ON TABLE toggl_raw.api_responses IS 'v1 raw landing (one row per distinct response per request); kept for history, no longer written: see toggl_raw.fetches, pages and bodies.';
