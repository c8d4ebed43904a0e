-- Profitability projects insights export, flattened: one row per workspace x period x project x client.
CREATE TABLE IF NOT EXISTS toggl.profitability_projects (
    workspace_id          bigint      NOT NULL,
    resolution            text        NOT NULL,
    currency              text        NOT NULL,
    period_start          date        NOT NULL,
    project_name          text        NOT NULL DEFAULT '',
    client_name           text        NOT NULL DEFAULT '',
    project_id            bigint,
    total_seconds         bigint      NOT NULL DEFAULT 0,
    billable_seconds      bigint      NOT NULL DEFAULT 0,
    earnings_in_cents     bigint      NOT NULL DEFAULT 0,
    labour_cost_in_cents  bigint      NOT NULL DEFAULT 0,
    profit_in_cents       bigint      NOT NULL DEFAULT 0,
    extra                 jsonb       NOT NULL DEFAULT '{}'::jsonb,
    loaded_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, resolution, currency, period_start, project_name, client_name)
);
COMMENT ON TABLE toggl.profitability_projects IS 'Profitability projects insights export: one row per workspace x period x project (x client); a loaded window is replaced as a whole.';
COMMENT ON COLUMN toggl.profitability_projects.workspace_id IS 'Toggl workspace id.';
COMMENT ON COLUMN toggl.profitability_projects.resolution IS 'Period size requested: day, week or month.';
COMMENT ON COLUMN toggl.profitability_projects.currency IS 'Currency requested for the export (lower case, e.g. usd).';
COMMENT ON COLUMN toggl.profitability_projects.period_start IS 'First date of the period (for day resolution, the day itself).';
COMMENT ON COLUMN toggl.profitability_projects.project_name IS 'Project name; empty for time without project.';
COMMENT ON COLUMN toggl.profitability_projects.client_name IS 'Client name; empty for projects without client.';
COMMENT ON COLUMN toggl.profitability_projects.project_id IS 'Toggl project id when the export carries it.';
COMMENT ON COLUMN toggl.profitability_projects.total_seconds IS 'Tracked duration in seconds.';
COMMENT ON COLUMN toggl.profitability_projects.billable_seconds IS 'Billable duration in seconds.';
COMMENT ON COLUMN toggl.profitability_projects.earnings_in_cents IS 'Earnings (billable amount) in cents of currency.';
COMMENT ON COLUMN toggl.profitability_projects.labour_cost_in_cents IS 'Labour cost in cents of currency.';
COMMENT ON COLUMN toggl.profitability_projects.profit_in_cents IS 'Profit in cents (earnings minus labour cost unless the export states it).';
COMMENT ON COLUMN toggl.profitability_projects.extra IS 'Export columns the parser did not recognise, by their header, as received.';
COMMENT ON COLUMN toggl.profitability_projects.loaded_at IS 'When this row was last inserted or changed by a load.';
