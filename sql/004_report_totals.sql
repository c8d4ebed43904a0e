-- Totals of each fetched report window, their graph buckets and their rates.
CREATE TABLE IF NOT EXISTS toggl.report_totals (
    report_key               text        NOT NULL,
    window_start             date        NOT NULL,
    window_end               date        NOT NULL,
    resolution               text,
    seconds                  bigint      NOT NULL DEFAULT 0,
    billable_amount_in_cents bigint      NOT NULL DEFAULT 0,
    labour_cost_in_cents     bigint      NOT NULL DEFAULT 0,
    tracked_days             integer     NOT NULL DEFAULT 0,
    loaded_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_key, window_start, window_end)
);
COMMENT ON TABLE toggl.report_totals IS 'Totals Toggl returned for one report over one fetched window (one row per report x window).';
COMMENT ON COLUMN toggl.report_totals.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN toggl.report_totals.window_start IS 'First date of the fetched window.';
COMMENT ON COLUMN toggl.report_totals.window_end IS 'Last date of the fetched window (inclusive).';
COMMENT ON COLUMN toggl.report_totals.resolution IS 'Bucket size of the graph: day, week or month.';
COMMENT ON COLUMN toggl.report_totals.seconds IS 'Total tracked seconds in the window.';
COMMENT ON COLUMN toggl.report_totals.billable_amount_in_cents IS 'Total billable amount in cents.';
COMMENT ON COLUMN toggl.report_totals.labour_cost_in_cents IS 'Total labour cost in cents.';
COMMENT ON COLUMN toggl.report_totals.tracked_days IS 'Number of days with tracked time.';
COMMENT ON COLUMN toggl.report_totals.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE TABLE IF NOT EXISTS toggl.report_totals_graph (
    report_key               text        NOT NULL,
    window_start             date        NOT NULL,
    window_end               date        NOT NULL,
    bucket_index             integer     NOT NULL,
    bucket_start             date        NOT NULL,
    seconds                  bigint      NOT NULL DEFAULT 0,
    billable_amount_in_cents bigint      NOT NULL DEFAULT 0,
    labour_cost_in_cents     bigint      NOT NULL DEFAULT 0,
    by_rate                  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    loaded_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_key, window_start, window_end, bucket_index)
);
COMMENT ON TABLE toggl.report_totals_graph IS 'One row per graph bucket of a report window''s totals.';
COMMENT ON COLUMN toggl.report_totals_graph.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN toggl.report_totals_graph.window_start IS 'First date of the fetched window.';
COMMENT ON COLUMN toggl.report_totals_graph.window_end IS 'Last date of the fetched window (inclusive).';
COMMENT ON COLUMN toggl.report_totals_graph.bucket_index IS '0-based position of the bucket in Toggl''s graph array.';
COMMENT ON COLUMN toggl.report_totals_graph.bucket_start IS 'First date of the bucket: the day, the Monday of the week, or the first of the month, by resolution.';
COMMENT ON COLUMN toggl.report_totals_graph.seconds IS 'Tracked seconds in the bucket.';
COMMENT ON COLUMN toggl.report_totals_graph.billable_amount_in_cents IS 'Billable amount in the bucket, in cents.';
COMMENT ON COLUMN toggl.report_totals_graph.labour_cost_in_cents IS 'Labour cost in the bucket, in cents.';
COMMENT ON COLUMN toggl.report_totals_graph.by_rate IS 'Toggl''s by_rate object for the bucket, as received.';
COMMENT ON COLUMN toggl.report_totals_graph.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE TABLE IF NOT EXISTS toggl.report_rates (
    report_key           text        NOT NULL,
    window_start         date        NOT NULL,
    window_end           date        NOT NULL,
    hourly_rate_in_cents bigint      NOT NULL,
    currency             text        NOT NULL DEFAULT '',
    billable_seconds     bigint      NOT NULL DEFAULT 0,
    loaded_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_key, window_start, window_end, hourly_rate_in_cents, currency)
);
COMMENT ON TABLE toggl.report_rates IS 'Billable seconds per hourly rate and currency in a report window''s totals.';
COMMENT ON COLUMN toggl.report_rates.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN toggl.report_rates.window_start IS 'First date of the fetched window.';
COMMENT ON COLUMN toggl.report_rates.window_end IS 'Last date of the fetched window (inclusive).';
COMMENT ON COLUMN toggl.report_rates.hourly_rate_in_cents IS 'Hourly rate in cents.';
COMMENT ON COLUMN toggl.report_rates.currency IS 'Currency of the rate; empty when Toggl reports none.';
COMMENT ON COLUMN toggl.report_rates.billable_seconds IS 'Billable seconds tracked at this rate.';
COMMENT ON COLUMN toggl.report_rates.loaded_at IS 'When this row was last inserted or changed by a load.';
