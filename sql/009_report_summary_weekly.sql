-- Flattened summary and weekly shared reports, and their BI views.

CREATE TABLE IF NOT EXISTS toggl.report_summary (
    report_key        text        NOT NULL,
    window_start      date        NOT NULL,
    window_end        date        NOT NULL,
    grouping          text        NOT NULL,
    sub_grouping      text        NOT NULL,
    group_id          bigint      NOT NULL,
    group_name        text,
    sub_group_key     text        NOT NULL,
    sub_group_id      bigint      NOT NULL,
    sub_group_title   text,
    project_color     text,
    project_hex_color text,
    seconds           bigint      NOT NULL DEFAULT 0,
    rates             jsonb       NOT NULL DEFAULT '[]'::jsonb,
    time_entry_ids    bigint[]    NOT NULL DEFAULT '{}',
    loaded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_key, window_start, window_end, group_id, sub_group_key)
);
COMMENT ON TABLE toggl.report_summary IS 'One row per shared summary report x fetched window x group x sub-group; a window''s rows are replaced as a whole, like toggl.report_totals.';
COMMENT ON COLUMN toggl.report_summary.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN toggl.report_summary.window_start IS 'First date of the fetched window (as Toggl served it).';
COMMENT ON COLUMN toggl.report_summary.window_end IS 'Last date of the fetched window (inclusive).';
COMMENT ON COLUMN toggl.report_summary.grouping IS 'What the groups are: projects, users or clients (the request''s or saved report''s grouping, else Toggl''s default projects).';
COMMENT ON COLUMN toggl.report_summary.sub_grouping IS 'What the sub-groups are: time_entries, users, clients, projects or tasks (else Toggl''s default time_entries).';
COMMENT ON COLUMN toggl.report_summary.group_id IS 'Toggl id of the group (a project, user or client id by grouping); 0 when Toggl gives none (e.g. time without project or client). Part of the key.';
COMMENT ON COLUMN toggl.report_summary.group_name IS 'Name of the group: Toggl''s names joined with ", "; NULL when Toggl gives none.';
COMMENT ON COLUMN toggl.report_summary.sub_group_key IS 'Identity of the sub-group within its group (part of the key): ''id:<sub_group_id>'' when Toggl gives an id, else ''md5:<md5 of sub_group_title>'' (sub-groups by time entries have no id; the title, a description, identifies them). Sub-groups Toggl sends twice with one identity (e.g. one per rate) are merged.';
COMMENT ON COLUMN toggl.report_summary.sub_group_id IS 'Toggl id of the sub-group (user, client, project or task id by sub-grouping); 0 when Toggl gives none (always for time_entries).';
COMMENT ON COLUMN toggl.report_summary.sub_group_title IS 'Title of the sub-group: the name, or the description for time_entries.';
COMMENT ON COLUMN toggl.report_summary.project_color IS 'Project colour of the group when grouped by projects.';
COMMENT ON COLUMN toggl.report_summary.project_hex_color IS 'Project colour as a hex string when grouped by projects.';
COMMENT ON COLUMN toggl.report_summary.seconds IS 'Tracked seconds of the sub-group in the window.';
COMMENT ON COLUMN toggl.report_summary.rates IS 'Toggl''s per-rate list of the sub-group ([{hourly_rate_in_cents, currency, billable_seconds}]) as received; [] when the response carries none.';
COMMENT ON COLUMN toggl.report_summary.time_entry_ids IS 'Ids of the time entries in the sub-group, when Toggl lists them; empty otherwise.';
COMMENT ON COLUMN toggl.report_summary.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE TABLE IF NOT EXISTS toggl.report_weekly (
    report_key               text        NOT NULL,
    day                      date        NOT NULL,
    row_key                  text        NOT NULL,
    user_id                  bigint,
    user_name                text,
    project_id               bigint,
    project_name             text,
    client_name              text,
    project_color            text,
    project_hex_color        text,
    planned_task_id          bigint,
    hourly_rate_in_cents     bigint,
    currency                 text,
    seconds                  bigint      NOT NULL DEFAULT 0,
    billable_seconds         bigint      NOT NULL DEFAULT 0,
    billable_amount_in_cents bigint      NOT NULL DEFAULT 0,
    loaded_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_key, day, row_key)
);
COMMENT ON TABLE toggl.report_weekly IS 'One row per shared weekly report x week row (user x project x planned task x rate) x day with time or money; a loaded date range is replaced as a whole. Days on which a week row has nothing are not stored.';
COMMENT ON COLUMN toggl.report_weekly.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN toggl.report_weekly.day IS 'The day of the values: the fetched window''s first date plus the position in Toggl''s per-day arrays.';
COMMENT ON COLUMN toggl.report_weekly.row_key IS 'Identity of the week row (part of the key): user_id|project_id|planned_task_id|hourly_rate_in_cents|currency, an empty field for NULL (e.g. ''42|1001||5000|USD''). Rows Toggl sends twice with one identity are summed.';
COMMENT ON COLUMN toggl.report_weekly.user_id IS 'Toggl user id; NULL when the row is not per user.';
COMMENT ON COLUMN toggl.report_weekly.user_name IS 'User name.';
COMMENT ON COLUMN toggl.report_weekly.project_id IS 'Toggl project id; NULL for time without project.';
COMMENT ON COLUMN toggl.report_weekly.project_name IS 'Project name.';
COMMENT ON COLUMN toggl.report_weekly.client_name IS 'Client name of the project.';
COMMENT ON COLUMN toggl.report_weekly.project_color IS 'Project colour.';
COMMENT ON COLUMN toggl.report_weekly.project_hex_color IS 'Project colour as a hex string.';
COMMENT ON COLUMN toggl.report_weekly.planned_task_id IS 'Toggl planned task id, when the row is per planned task.';
COMMENT ON COLUMN toggl.report_weekly.hourly_rate_in_cents IS 'Hourly rate of the row in cents.';
COMMENT ON COLUMN toggl.report_weekly.currency IS 'Currency of the rate and amount.';
COMMENT ON COLUMN toggl.report_weekly.seconds IS 'Tracked seconds of the row on this day.';
COMMENT ON COLUMN toggl.report_weekly.billable_seconds IS 'Billable seconds of the row on this day.';
COMMENT ON COLUMN toggl.report_weekly.billable_amount_in_cents IS 'Billable amount of the row on this day, in cents.';
COMMENT ON COLUMN toggl.report_weekly.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE OR REPLACE VIEW reporting.summary_hours AS
SELECT s.report_key,
       s.window_start,
       s.window_end,
       s.grouping,
       s.sub_grouping,
       nullif(s.group_id, 0)                       AS group_id,
       s.group_name,
       nullif(s.sub_group_id, 0)                   AS sub_group_id,
       s.sub_group_title,
       round(s.seconds::numeric / 3600, 6)         AS hours
  FROM toggl.report_summary s;
COMMENT ON VIEW reporting.summary_hours IS 'Hours per shared summary report, fetched window, group and sub-group. Windows of one report may overlap (a backfill and a later daily run): pick one window, do not sum across them.';
COMMENT ON COLUMN reporting.summary_hours.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN reporting.summary_hours.window_start IS 'First date of the fetched window.';
COMMENT ON COLUMN reporting.summary_hours.window_end IS 'Last date of the fetched window (inclusive).';
COMMENT ON COLUMN reporting.summary_hours.grouping IS 'What the groups are: projects, users or clients.';
COMMENT ON COLUMN reporting.summary_hours.sub_grouping IS 'What the sub-groups are: time_entries, users, clients, projects or tasks.';
COMMENT ON COLUMN reporting.summary_hours.group_id IS 'Toggl id of the group; NULL when there is none.';
COMMENT ON COLUMN reporting.summary_hours.group_name IS 'Name of the group.';
COMMENT ON COLUMN reporting.summary_hours.sub_group_id IS 'Toggl id of the sub-group; NULL when there is none.';
COMMENT ON COLUMN reporting.summary_hours.sub_group_title IS 'Title of the sub-group (the description for time_entries).';
COMMENT ON COLUMN reporting.summary_hours.hours IS 'Tracked hours.';

CREATE OR REPLACE VIEW reporting.weekly_hours AS
SELECT w.report_key,
       w.day,
       w.user_id,
       w.user_name,
       w.project_id,
       coalesce(w.project_name, '(no project)')                    AS project_name,
       w.client_name,
       upper(w.currency)                                           AS currency,
       (w.hourly_rate_in_cents::numeric / 100)::numeric(18, 2)     AS hourly_rate,
       round(w.seconds::numeric / 3600, 6)                         AS hours,
       round(w.billable_seconds::numeric / 3600, 6)                AS billable_hours,
       (w.billable_amount_in_cents::numeric / 100)::numeric(18, 2) AS billable_amount
  FROM toggl.report_weekly w;
COMMENT ON VIEW reporting.weekly_hours IS 'Hours and billable amount per shared weekly report, day, user, project and rate, money in currency units.';
COMMENT ON COLUMN reporting.weekly_hours.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN reporting.weekly_hours.day IS 'The day.';
COMMENT ON COLUMN reporting.weekly_hours.user_id IS 'Toggl user id.';
COMMENT ON COLUMN reporting.weekly_hours.user_name IS 'User name.';
COMMENT ON COLUMN reporting.weekly_hours.project_id IS 'Toggl project id.';
COMMENT ON COLUMN reporting.weekly_hours.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.weekly_hours.client_name IS 'Client name.';
COMMENT ON COLUMN reporting.weekly_hours.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.weekly_hours.hourly_rate IS 'Hourly rate in currency units.';
COMMENT ON COLUMN reporting.weekly_hours.hours IS 'Tracked hours.';
COMMENT ON COLUMN reporting.weekly_hours.billable_hours IS 'Billable hours.';
COMMENT ON COLUMN reporting.weekly_hours.billable_amount IS 'Billable amount in currency units.';
