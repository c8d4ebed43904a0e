-- Views for BI tools: hours as numeric hours, money in currency units, names resolved.

CREATE OR REPLACE VIEW reporting.time_entries AS
SELECT e.report_key,
       e.time_entry_id,
       e.entry_date,
       e.start_at,
       e.stop_at,
       round(e.seconds::numeric / 3600, 6)                  AS hours,
       e.is_running,
       e.user_id,
       coalesce(e.username, u.name)                         AS user_name,
       e.project_id,
       coalesce(e.project_name, p.name, '(no project)')     AS project_name,
       coalesce(e.client_name, c.name)                      AS client_name,
       e.task_name,
       e.description,
       e.billable,
       e.tag_names,
       upper(e.currency)                                    AS currency,
       (e.hourly_rate_in_cents::numeric / 100)::numeric(18, 2)     AS hourly_rate,
       (e.billable_amount_in_cents::numeric / 100)::numeric(18, 2) AS billable_amount,
       e.updated_at
  FROM toggl.report_time_entries e
  LEFT JOIN toggl.users u    ON u.user_id = e.user_id
  LEFT JOIN toggl.projects p ON p.project_id = e.project_id
  LEFT JOIN toggl.clients c  ON c.client_id = p.client_id;
COMMENT ON VIEW reporting.time_entries IS 'One row per time entry per shared report, with hours as numeric hours and money in currency units.';
COMMENT ON COLUMN reporting.time_entries.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN reporting.time_entries.time_entry_id IS 'Toggl time entry id.';
COMMENT ON COLUMN reporting.time_entries.entry_date IS 'Local date of the entry start.';
COMMENT ON COLUMN reporting.time_entries.start_at IS 'Start of the entry.';
COMMENT ON COLUMN reporting.time_entries.stop_at IS 'End of the entry; NULL while running.';
COMMENT ON COLUMN reporting.time_entries.hours IS 'Duration in hours.';
COMMENT ON COLUMN reporting.time_entries.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN reporting.time_entries.user_id IS 'Toggl user id.';
COMMENT ON COLUMN reporting.time_entries.user_name IS 'User name.';
COMMENT ON COLUMN reporting.time_entries.project_id IS 'Toggl project id.';
COMMENT ON COLUMN reporting.time_entries.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.time_entries.client_name IS 'Client name.';
COMMENT ON COLUMN reporting.time_entries.task_name IS 'Task name.';
COMMENT ON COLUMN reporting.time_entries.description IS 'Entry description.';
COMMENT ON COLUMN reporting.time_entries.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN reporting.time_entries.tag_names IS 'Tag names.';
COMMENT ON COLUMN reporting.time_entries.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.time_entries.hourly_rate IS 'Hourly rate in currency units.';
COMMENT ON COLUMN reporting.time_entries.billable_amount IS 'This entry''s billable amount in currency units (its share of the report row).';
COMMENT ON COLUMN reporting.time_entries.updated_at IS 'Last modification in Toggl.';

CREATE OR REPLACE VIEW reporting.daily_project_hours AS
SELECT report_key,
       entry_date,
       project_id,
       project_name,
       client_name,
       currency,
       sum(hours)                                          AS hours,
       sum(hours) FILTER (WHERE billable)                  AS billable_hours,
       sum(billable_amount)                                AS billable_amount,
       count(*)                                            AS time_entries
  FROM reporting.time_entries
 GROUP BY report_key, entry_date, project_id, project_name, client_name, currency;
COMMENT ON VIEW reporting.daily_project_hours IS 'Hours and billable amount per shared report, day, project and currency.';
COMMENT ON COLUMN reporting.daily_project_hours.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN reporting.daily_project_hours.entry_date IS 'Local date of the entries.';
COMMENT ON COLUMN reporting.daily_project_hours.project_id IS 'Toggl project id.';
COMMENT ON COLUMN reporting.daily_project_hours.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.daily_project_hours.client_name IS 'Client name.';
COMMENT ON COLUMN reporting.daily_project_hours.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.daily_project_hours.hours IS 'Tracked hours.';
COMMENT ON COLUMN reporting.daily_project_hours.billable_hours IS 'Billable hours.';
COMMENT ON COLUMN reporting.daily_project_hours.billable_amount IS 'Billable amount in currency units.';
COMMENT ON COLUMN reporting.daily_project_hours.time_entries IS 'Number of time entries.';
