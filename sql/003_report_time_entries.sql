-- Flattened time entries of shared detailed reports: one row per time entry per report.
CREATE TABLE IF NOT EXISTS toggl.report_time_entries (
    report_key                   text        NOT NULL,
    time_entry_id                bigint      NOT NULL,
    entry_date                   date        NOT NULL,
    start_at                     timestamptz NOT NULL,
    stop_at                      timestamptz,
    seconds                      bigint      NOT NULL,
    is_running                   boolean     NOT NULL DEFAULT false,
    updated_at                   timestamptz,
    user_id                      bigint,
    username                     text,
    email                        text,
    project_id                   bigint,
    project_name                 text,
    project_color                text,
    project_hex                  text,
    client_name                  text,
    task_id                      bigint,
    task_name                    text,
    description                  text,
    billable                     boolean     NOT NULL DEFAULT false,
    tag_ids                      bigint[]    NOT NULL DEFAULT '{}',
    tag_names                    text[]      NOT NULL DEFAULT '{}',
    hourly_rate_in_cents         bigint,
    currency                     text,
    row_billable_amount_in_cents bigint      NOT NULL DEFAULT 0,
    billable_amount_in_cents     bigint      NOT NULL DEFAULT 0,
    loaded_at                    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_key, time_entry_id)
);
CREATE INDEX IF NOT EXISTS report_time_entries_window_idx ON toggl.report_time_entries (report_key, entry_date);
CREATE INDEX IF NOT EXISTS report_time_entries_project_idx ON toggl.report_time_entries (project_id, entry_date);

COMMENT ON TABLE toggl.report_time_entries IS 'One row per time entry per shared detailed report; a loaded window is replaced as a whole, so entries deleted or moved in Toggl leave their old day.';
COMMENT ON COLUMN toggl.report_time_entries.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN toggl.report_time_entries.time_entry_id IS 'Toggl time entry id.';
COMMENT ON COLUMN toggl.report_time_entries.entry_date IS 'Local date of the entry start, as written in Toggl''s start string; the daily partition it belongs to.';
COMMENT ON COLUMN toggl.report_time_entries.start_at IS 'Start of the entry (with the offset Toggl reported).';
COMMENT ON COLUMN toggl.report_time_entries.stop_at IS 'End of the entry; NULL while the timer is running.';
COMMENT ON COLUMN toggl.report_time_entries.seconds IS 'Duration in seconds as Toggl reports it (0 for a running timer that reports a negative duration).';
COMMENT ON COLUMN toggl.report_time_entries.is_running IS 'True when the entry had no stop time when fetched.';
COMMENT ON COLUMN toggl.report_time_entries.updated_at IS 'Toggl''s last modification time of the entry (the at field).';
COMMENT ON COLUMN toggl.report_time_entries.user_id IS 'Toggl user id.';
COMMENT ON COLUMN toggl.report_time_entries.username IS 'User name shown in the report.';
COMMENT ON COLUMN toggl.report_time_entries.email IS 'User email shown in the report.';
COMMENT ON COLUMN toggl.report_time_entries.project_id IS 'Toggl project id; NULL for an entry without project.';
COMMENT ON COLUMN toggl.report_time_entries.project_name IS 'Project name shown in the report.';
COMMENT ON COLUMN toggl.report_time_entries.project_color IS 'Project colour (project_color field).';
COMMENT ON COLUMN toggl.report_time_entries.project_hex IS 'Project colour as hex (project_hex field).';
COMMENT ON COLUMN toggl.report_time_entries.client_name IS 'Client of the project; NULL when the project has none.';
COMMENT ON COLUMN toggl.report_time_entries.task_id IS 'Toggl task id; NULL without task.';
COMMENT ON COLUMN toggl.report_time_entries.task_name IS 'Task name.';
COMMENT ON COLUMN toggl.report_time_entries.description IS 'Entry description, verbatim.';
COMMENT ON COLUMN toggl.report_time_entries.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN toggl.report_time_entries.tag_ids IS 'Tag ids of the entry.';
COMMENT ON COLUMN toggl.report_time_entries.tag_names IS 'Tag names of the entry, in the order of tag_ids.';
COMMENT ON COLUMN toggl.report_time_entries.hourly_rate_in_cents IS 'Hourly rate applied, in cents of currency.';
COMMENT ON COLUMN toggl.report_time_entries.currency IS 'Currency of the rate and amounts (ISO code as Toggl reports it).';
COMMENT ON COLUMN toggl.report_time_entries.row_billable_amount_in_cents IS 'Billable amount of the whole report row this entry was grouped in.';
COMMENT ON COLUMN toggl.report_time_entries.billable_amount_in_cents IS 'This entry''s share of its row''s billable amount, pro rata by seconds with largest-remainder rounding: shares sum to the row amount to the cent.';
COMMENT ON COLUMN toggl.report_time_entries.loaded_at IS 'When this row was last inserted or changed by a load.';
