-- Reporting views, third edition: the analyst's dataset (CHANGELOG.md, README "Which view answers which question").
--
-- * The plain names hold each time entry once: reporting.time_entries and reporting.daily_project_hours read
--   toggl.time_entries / toggl.daily_entry_facts (migration 030). The per-report views are report_*:
--   report_time_entries, report_daily_project_hours, report_summary_hours, report_weekly_hours.
-- * Facts carry ids (user, project, client, task, tag) and exact seconds and *_cents (Toggl's 1/100 of the
--   currency unit) beside hours and amounts; names come from the report dictionaries (toggl.users, ...) and
--   "(no project)" / "(no client)" stand for none.
-- * Dimensions: reporting.calendar, users, projects, clients, tags, tasks; reporting.time_entry_tags bridges
--   entries and tags.
-- Views are dropped and created (not replaced): names, columns and order change. None is dropped with CASCADE.

DROP VIEW IF EXISTS reporting.workspace_daily_project_hours;
DROP VIEW IF EXISTS reporting.workspace_time_entries;
DROP VIEW IF EXISTS toggl.time_entries_latest;
DROP VIEW IF EXISTS reporting.daily_project_hours;
DROP VIEW IF EXISTS reporting.time_entries;
DROP VIEW IF EXISTS reporting.weekly_hours;
DROP VIEW IF EXISTS reporting.summary_hours;
DROP VIEW IF EXISTS reporting.time_entry_changes;
DROP VIEW IF EXISTS reporting.project_profitability;
DROP VIEW IF EXISTS toggl.report_time_entries_resolved;

-- The one rendering of a UTC offset in seconds as Toggl writes it (+02:00, -09:30).
CREATE OR REPLACE FUNCTION toggl.utc_offset_text(offset_seconds integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN offset_seconds < 0 THEN '-' ELSE '+' END
             || to_char(make_interval(secs => abs(offset_seconds)), 'HH24:MI') $$;
COMMENT ON FUNCTION toggl.utc_offset_text(integer) IS 'UTC offset in seconds -> +HH:MI as in Toggl''s timestamps; NULL stays NULL.';

-- The one wall clock: an instant shown in the offset Toggl wrote beside it.
CREATE OR REPLACE FUNCTION toggl.wall_clock(instant timestamptz, offset_seconds integer)
RETURNS timestamp LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (instant AT TIME ZONE 'UTC') + make_interval(secs => offset_seconds) $$;
COMMENT ON FUNCTION toggl.wall_clock(timestamptz, integer) IS 'The local time Toggl shows for an instant written with this UTC offset (seconds); NULL when either is NULL.';

-- ---- dimensions ------------------------------------------------------------------------------------------

CREATE VIEW reporting.calendar AS
WITH bounds AS (
    SELECT date_trunc('year', least(
               (SELECT min(entry_date) FROM toggl.time_entries),
               (SELECT min(period_start) FROM toggl.profitability_projects),
               current_date))::date AS first_day,
           (date_trunc('year', greatest(
               (SELECT max(entry_date) FROM toggl.time_entries),
               (SELECT max(period_start) FROM toggl.profitability_projects),
               current_date)) + interval '1 year - 1 day')::date AS last_day
)
SELECT d::date                                   AS date,
       date_trunc('week', d)::date               AS week_start,
       extract(isoyear FROM d)::integer          AS iso_year,
       extract(week FROM d)::integer             AS iso_week,
       date_trunc('month', d)::date              AS month_start,
       extract(month FROM d)::integer            AS month,
       extract(quarter FROM d)::integer          AS quarter,
       extract(year FROM d)::integer             AS year,
       extract(isodow FROM d)::integer           AS weekday,
       extract(isodow FROM d) >= 6               AS is_weekend
  FROM bounds, generate_series(bounds.first_day, bounds.last_day, interval '1 day') AS d;
COMMENT ON VIEW reporting.calendar IS 'Date dimension: one row per date from January 1st of the first loaded year through December 31st of the current (or last loaded) year, with no gaps. Join facts on date = entry_date.';
COMMENT ON COLUMN reporting.calendar.date IS 'The date (unique).';
COMMENT ON COLUMN reporting.calendar.week_start IS 'Monday of the ISO week of the date.';
COMMENT ON COLUMN reporting.calendar.iso_year IS 'ISO 8601 week-numbering year.';
COMMENT ON COLUMN reporting.calendar.iso_week IS 'ISO 8601 week number (1-53).';
COMMENT ON COLUMN reporting.calendar.month_start IS 'First day of the month.';
COMMENT ON COLUMN reporting.calendar.month IS 'Month number (1-12).';
COMMENT ON COLUMN reporting.calendar.quarter IS 'Quarter (1-4).';
COMMENT ON COLUMN reporting.calendar.year IS 'Calendar year.';
COMMENT ON COLUMN reporting.calendar.weekday IS 'ISO day of the week: 1 = Monday ... 7 = Sunday.';
COMMENT ON COLUMN reporting.calendar.is_weekend IS 'True on Saturday and Sunday.';

CREATE VIEW reporting.users AS
SELECT u.user_id, u.name AS user_name
  FROM toggl.users u;
COMMENT ON VIEW reporting.users IS 'User dimension: one row per Toggl user seen in a report dictionary (no emails).';
COMMENT ON COLUMN reporting.users.user_id IS 'Toggl user id (unique).';
COMMENT ON COLUMN reporting.users.user_name IS 'User name.';

CREATE VIEW reporting.clients AS
SELECT c.client_id, c.name AS client_name
  FROM toggl.clients c;
COMMENT ON VIEW reporting.clients IS 'Client dimension: one row per Toggl client seen in a report dictionary. Facts of projects without client say (no client).';
COMMENT ON COLUMN reporting.clients.client_id IS 'Toggl client id (unique).';
COMMENT ON COLUMN reporting.clients.client_name IS 'Client name.';

CREATE VIEW reporting.projects AS
SELECT p.project_id,
       p.name                                              AS project_name,
       p.client_id,
       CASE WHEN p.client_id IS NULL THEN '(no client)' ELSE c.name END AS client_name,
       nullif(p.attributes ->> 'workspace_id', '')::bigint AS workspace_id,
       p.billable,
       p.active,
       upper(p.currency)                                   AS currency,
       p.color
  FROM toggl.projects p
  LEFT JOIN toggl.clients c ON c.client_id = p.client_id;
COMMENT ON VIEW reporting.projects IS 'Project dimension: one row per Toggl project seen in a report dictionary, with its client. Facts without project say (no project).';
COMMENT ON COLUMN reporting.projects.project_id IS 'Toggl project id (unique).';
COMMENT ON COLUMN reporting.projects.project_name IS 'Project name.';
COMMENT ON COLUMN reporting.projects.client_id IS 'Toggl client id; NULL without client.';
COMMENT ON COLUMN reporting.projects.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.projects.workspace_id IS 'Toggl workspace id, when the dictionary gives it.';
COMMENT ON COLUMN reporting.projects.billable IS 'Whether the project is billable by default, when the dictionary gives it.';
COMMENT ON COLUMN reporting.projects.active IS 'Whether the project is active, when the dictionary gives it.';
COMMENT ON COLUMN reporting.projects.currency IS 'Currency of the project rates, upper case.';
COMMENT ON COLUMN reporting.projects.color IS 'Project colour.';

CREATE VIEW reporting.tags AS
SELECT t.tag_id, t.name AS tag_name
  FROM toggl.tags t;
COMMENT ON VIEW reporting.tags IS 'Tag dimension: one row per Toggl tag seen in a report dictionary. Entries relate to tags through reporting.time_entry_tags.';
COMMENT ON COLUMN reporting.tags.tag_id IS 'Toggl tag id (unique).';
COMMENT ON COLUMN reporting.tags.tag_name IS 'Tag name.';

CREATE VIEW reporting.tasks AS
SELECT t.task_id, t.name AS task_name, t.project_id
  FROM toggl.tasks t;
COMMENT ON VIEW reporting.tasks IS 'Task dimension: one row per Toggl task seen in a report dictionary.';
COMMENT ON COLUMN reporting.tasks.task_id IS 'Toggl task id (unique).';
COMMENT ON COLUMN reporting.tasks.task_name IS 'Task name.';
COMMENT ON COLUMN reporting.tasks.project_id IS 'Project of the task.';

-- ---- each time entry once --------------------------------------------------------------------------------

CREATE VIEW reporting.time_entries AS
SELECT t.time_entry_id,
       t.entry_date,
       e.start_at,
       e.stop_at,
       toggl.wall_clock(e.start_at, e.utc_offset_seconds)                  AS start_local,
       toggl.wall_clock(e.stop_at, e.stop_utc_offset_seconds)              AS stop_local,
       toggl.utc_offset_text(e.utc_offset_seconds)                         AS utc_offset,
       t.seconds,
       toggl.in_hours(t.seconds)                                           AS hours,
       e.is_running,
       t.billable,
       CASE WHEN t.billable THEN t.seconds ELSE 0 END                      AS billable_seconds,
       toggl.in_hours(CASE WHEN t.billable THEN t.seconds ELSE 0 END)      AS billable_hours,
       t.billable_amount_in_cents                                          AS billable_amount_cents,
       toggl.in_currency_units(t.billable_amount_in_cents, cur.minor_unit) AS billable_amount,
       e.hourly_rate_in_cents                                              AS hourly_rate_cents,
       toggl.in_currency_units(e.hourly_rate_in_cents, cur.minor_unit)     AS hourly_rate,
       t.currency,
       t.user_id,
       coalesce(u.name, e.username)                                        AS user_name,
       t.project_id,
       CASE WHEN t.project_id IS NULL THEN '(no project)' ELSE coalesce(p.name, e.project_name) END AS project_name,
       p.client_id,
       coalesce(c.name, e.client_name, '(no client)')                      AS client_name,
       e.task_id,
       coalesce(tk.name, e.task_name)                                      AS task_name,
       e.description,
       e.tag_ids,
       ARRAY(SELECT coalesce(tg.name, e.tag_names[i.n])
               FROM unnest(e.tag_ids) WITH ORDINALITY AS i(tag_id, n)
               LEFT JOIN toggl.tags tg ON tg.tag_id = i.tag_id
              ORDER BY i.n)                                                AS tag_names,
       t.report_key,
       e.updated_at,
       e.loaded_at
  FROM toggl.time_entries t
  JOIN toggl.report_time_entries e   ON e.report_key = t.report_key AND e.time_entry_id = t.time_entry_id
  LEFT JOIN toggl.users u            ON u.user_id = t.user_id
  LEFT JOIN toggl.projects p         ON p.project_id = t.project_id
  LEFT JOIN toggl.clients c          ON c.client_id = p.client_id
  LEFT JOIN toggl.tasks tk           ON tk.task_id = e.task_id
  LEFT JOIN reporting.currencies cur ON cur.code = t.currency;
COMMENT ON VIEW reporting.time_entries IS 'One row per time entry across all shared detailed reports, never double counted: money from a report that shows it (a report that hides amounts never blanks another''s), then the latest version of the entry. Sum seconds and billable_amount_cents, not hours and amounts.';
COMMENT ON COLUMN reporting.time_entries.time_entry_id IS 'Toggl time entry id (unique in this view).';
COMMENT ON COLUMN reporting.time_entries.entry_date IS 'Local date of the entry start, as Toggl shows it.';
COMMENT ON COLUMN reporting.time_entries.start_at IS 'Start of the entry (an instant; shown in the session time zone).';
COMMENT ON COLUMN reporting.time_entries.stop_at IS 'End of the entry; NULL while running.';
COMMENT ON COLUMN reporting.time_entries.start_local IS 'Start as the wall clock Toggl shows (in the user''s own UTC offset): use it for hour-of-day charts. NULL when the offset is unknown (rows loaded before migration 030: load or replay them again).';
COMMENT ON COLUMN reporting.time_entries.stop_local IS 'End as the wall clock Toggl shows; NULL while running or when the offset is unknown.';
COMMENT ON COLUMN reporting.time_entries.utc_offset IS 'UTC offset of the start as Toggl wrote it, e.g. +02:00.';
COMMENT ON COLUMN reporting.time_entries.seconds IS 'Duration in seconds (exact: sum this, not hours).';
COMMENT ON COLUMN reporting.time_entries.hours IS 'Duration in hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.time_entries.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN reporting.time_entries.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN reporting.time_entries.billable_seconds IS 'seconds when billable, else 0.';
COMMENT ON COLUMN reporting.time_entries.billable_hours IS 'Billable hours, rounded to 6 decimals; 0 when not billable.';
COMMENT ON COLUMN reporting.time_entries.billable_amount_cents IS 'Billable amount in 1/100 of the currency unit (Toggl''s cents, for every currency; exact: sum this); NULL when unknown (every report hides it, or no rate), 0 when Toggl says zero.';
COMMENT ON COLUMN reporting.time_entries.billable_amount IS 'Billable amount in currency units, rounded to the currency''s minor unit; NULL when unknown.';
COMMENT ON COLUMN reporting.time_entries.hourly_rate_cents IS 'Hourly rate in 1/100 of the currency unit; NULL when unknown.';
COMMENT ON COLUMN reporting.time_entries.hourly_rate IS 'Hourly rate in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.time_entries.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.time_entries.user_id IS 'Toggl user id (reporting.users).';
COMMENT ON COLUMN reporting.time_entries.user_name IS 'User name.';
COMMENT ON COLUMN reporting.time_entries.project_id IS 'Toggl project id (reporting.projects); NULL without project.';
COMMENT ON COLUMN reporting.time_entries.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.time_entries.client_id IS 'Toggl client id of the project (reporting.clients); NULL without client.';
COMMENT ON COLUMN reporting.time_entries.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.time_entries.task_id IS 'Toggl task id (reporting.tasks); NULL without task.';
COMMENT ON COLUMN reporting.time_entries.task_name IS 'Task name.';
COMMENT ON COLUMN reporting.time_entries.description IS 'Entry description.';
COMMENT ON COLUMN reporting.time_entries.tag_ids IS 'Tag ids; to count per tag use reporting.time_entry_tags.';
COMMENT ON COLUMN reporting.time_entries.tag_names IS 'Tag names, in the order of tag_ids.';
COMMENT ON COLUMN reporting.time_entries.report_key IS 'The shared report this row was taken from.';
COMMENT ON COLUMN reporting.time_entries.updated_at IS 'Last modification in Toggl.';
COMMENT ON COLUMN reporting.time_entries.loaded_at IS 'When a load last inserted or changed the report row this row was taken from.';

CREATE VIEW reporting.time_entry_tags AS
SELECT t.time_entry_id,
       i.tag_id,
       coalesce(tg.name, e.tag_names[i.n]) AS tag_name,
       t.entry_date,
       t.seconds
  FROM toggl.time_entries t
  JOIN toggl.report_time_entries e ON e.report_key = t.report_key AND e.time_entry_id = t.time_entry_id
 CROSS JOIN LATERAL unnest(e.tag_ids) WITH ORDINALITY AS i(tag_id, n)
  LEFT JOIN toggl.tags tg ON tg.tag_id = i.tag_id;
COMMENT ON VIEW reporting.time_entry_tags IS 'Bridge between time entries and tags: one row per time entry x tag (an entry without tags has none). Sum seconds here per tag; across tags an entry with two tags counts twice.';
COMMENT ON COLUMN reporting.time_entry_tags.time_entry_id IS 'Toggl time entry id (reporting.time_entries).';
COMMENT ON COLUMN reporting.time_entry_tags.tag_id IS 'Toggl tag id (reporting.tags).';
COMMENT ON COLUMN reporting.time_entry_tags.tag_name IS 'Tag name.';
COMMENT ON COLUMN reporting.time_entry_tags.entry_date IS 'Local date of the entry.';
COMMENT ON COLUMN reporting.time_entry_tags.seconds IS 'Duration of the entry in seconds.';

-- ---- facts -----------------------------------------------------------------------------------------------

CREATE VIEW reporting.daily_facts AS
SELECT f.entry_date,
       f.user_id,
       u.name                                                              AS user_name,
       f.project_id,
       CASE WHEN f.project_id IS NULL THEN '(no project)' ELSE p.name END  AS project_name,
       p.client_id,
       CASE WHEN p.client_id IS NULL THEN '(no client)' ELSE c.name END    AS client_name,
       f.currency,
       f.time_entries,
       f.seconds,
       toggl.in_hours(f.seconds)                                           AS hours,
       f.billable_seconds,
       toggl.in_hours(f.billable_seconds)                                  AS billable_hours,
       f.billable_amount_in_cents                                          AS billable_amount_cents,
       toggl.in_currency_units(f.billable_amount_in_cents, cur.minor_unit) AS billable_amount,
       f.unpriced_billable_seconds
  FROM toggl.daily_entry_facts f
  LEFT JOIN toggl.users u            ON u.user_id = f.user_id
  LEFT JOIN toggl.projects p         ON p.project_id = f.project_id
  LEFT JOIN toggl.clients c          ON c.client_id = p.client_id
  LEFT JOIN reporting.currencies cur ON cur.code = f.currency;
COMMENT ON VIEW reporting.daily_facts IS 'The fact table: hours and money per day x user x project x currency, each time entry counted once (as in reporting.time_entries). Sum seconds and billable_amount_cents, then convert.';
COMMENT ON COLUMN reporting.daily_facts.entry_date IS 'Local date of the entries (reporting.calendar.date).';
COMMENT ON COLUMN reporting.daily_facts.user_id IS 'Toggl user id (reporting.users).';
COMMENT ON COLUMN reporting.daily_facts.user_name IS 'User name.';
COMMENT ON COLUMN reporting.daily_facts.project_id IS 'Toggl project id (reporting.projects); NULL without project.';
COMMENT ON COLUMN reporting.daily_facts.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.daily_facts.client_id IS 'Toggl client id (reporting.clients); NULL without client.';
COMMENT ON COLUMN reporting.daily_facts.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.daily_facts.currency IS 'Currency code, upper case; NULL for entries without one.';
COMMENT ON COLUMN reporting.daily_facts.time_entries IS 'Number of time entries.';
COMMENT ON COLUMN reporting.daily_facts.seconds IS 'Tracked seconds (exact).';
COMMENT ON COLUMN reporting.daily_facts.hours IS 'Tracked hours: seconds / 3600, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.daily_facts.billable_seconds IS 'Billable seconds (exact); 0 when none.';
COMMENT ON COLUMN reporting.daily_facts.billable_hours IS 'Billable hours: billable_seconds / 3600, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.daily_facts.billable_amount_cents IS 'Known billable amount in 1/100 of the currency unit (exact); NULL when no entry of the row has a known amount.';
COMMENT ON COLUMN reporting.daily_facts.billable_amount IS 'billable_amount_cents in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.daily_facts.unpriced_billable_seconds IS 'Billable seconds whose amount is unknown (hidden by every report, or no rate): not in billable_amount_cents, never counted as 0.';

CREATE VIEW reporting.daily_project_hours AS
SELECT f.entry_date,
       f.project_id,
       CASE WHEN f.project_id IS NULL THEN '(no project)' ELSE p.name END  AS project_name,
       p.client_id,
       CASE WHEN p.client_id IS NULL THEN '(no client)' ELSE c.name END    AS client_name,
       f.currency,
       f.time_entries,
       f.seconds,
       toggl.in_hours(f.seconds)                                           AS hours,
       f.billable_seconds,
       toggl.in_hours(f.billable_seconds)                                  AS billable_hours,
       f.billable_amount_cents,
       toggl.in_currency_units(f.billable_amount_cents, cur.minor_unit)    AS billable_amount,
       f.unpriced_billable_seconds
  FROM (SELECT d.entry_date, d.project_id, d.currency,
               sum(d.time_entries)::bigint          AS time_entries,
               sum(d.seconds)::bigint               AS seconds,
               sum(d.billable_seconds)::bigint      AS billable_seconds,
               sum(d.billable_amount_in_cents)::bigint AS billable_amount_cents,
               sum(d.unpriced_billable_seconds)::bigint AS unpriced_billable_seconds
          FROM toggl.daily_entry_facts d
         GROUP BY d.entry_date, d.project_id, d.currency) f
  LEFT JOIN toggl.projects p         ON p.project_id = f.project_id
  LEFT JOIN toggl.clients c          ON c.client_id = p.client_id
  LEFT JOIN reporting.currencies cur ON cur.code = f.currency;
COMMENT ON VIEW reporting.daily_project_hours IS 'Hours and money per day x project x currency across all shared detailed reports, each time entry counted once; seconds and cents summed, then converted.';
COMMENT ON COLUMN reporting.daily_project_hours.entry_date IS 'Local date of the entries.';
COMMENT ON COLUMN reporting.daily_project_hours.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.daily_project_hours.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.daily_project_hours.client_id IS 'Toggl client id; NULL without client.';
COMMENT ON COLUMN reporting.daily_project_hours.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.daily_project_hours.currency IS 'Currency code, upper case; NULL for entries without one.';
COMMENT ON COLUMN reporting.daily_project_hours.time_entries IS 'Number of time entries.';
COMMENT ON COLUMN reporting.daily_project_hours.seconds IS 'Tracked seconds (exact).';
COMMENT ON COLUMN reporting.daily_project_hours.hours IS 'Tracked hours: seconds / 3600, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.daily_project_hours.billable_seconds IS 'Billable seconds (exact); 0 when none.';
COMMENT ON COLUMN reporting.daily_project_hours.billable_hours IS 'Billable hours, rounded to 6 decimals; 0 when none.';
COMMENT ON COLUMN reporting.daily_project_hours.billable_amount_cents IS 'Known billable amount in 1/100 of the currency unit (exact); NULL when none is known.';
COMMENT ON COLUMN reporting.daily_project_hours.billable_amount IS 'Billable amount in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.daily_project_hours.unpriced_billable_seconds IS 'Billable seconds whose amount is unknown (hidden or no rate).';

CREATE VIEW reporting.user_utilisation AS
SELECT s.period,
       s.period_start,
       s.user_id,
       u.name                                                            AS user_name,
       s.time_entries,
       s.seconds,
       toggl.in_hours(s.seconds)                                         AS hours,
       s.billable_seconds,
       toggl.in_hours(s.billable_seconds)                                AS billable_hours,
       round(s.billable_seconds::numeric / nullif(s.seconds, 0), 4)      AS utilisation
  FROM (SELECT 'week'::text AS period, date_trunc('week', f.entry_date)::date AS period_start, f.user_id,
               sum(f.time_entries)::bigint AS time_entries, sum(f.seconds)::bigint AS seconds,
               sum(f.billable_seconds)::bigint AS billable_seconds
          FROM toggl.daily_entry_facts f
         GROUP BY 2, 3
        UNION ALL
        SELECT 'month'::text, date_trunc('month', f.entry_date)::date, f.user_id,
               sum(f.time_entries)::bigint, sum(f.seconds)::bigint, sum(f.billable_seconds)::bigint
          FROM toggl.daily_entry_facts f
         GROUP BY 2, 3) s
  LEFT JOIN toggl.users u ON u.user_id = s.user_id;
COMMENT ON VIEW reporting.user_utilisation IS 'Utilisation per user per week (Monday) and per month: billable seconds / tracked seconds, each time entry counted once. Filter on period (week or month).';
COMMENT ON COLUMN reporting.user_utilisation.period IS 'week (Monday to Sunday) or month.';
COMMENT ON COLUMN reporting.user_utilisation.period_start IS 'First date of the period.';
COMMENT ON COLUMN reporting.user_utilisation.user_id IS 'Toggl user id (reporting.users).';
COMMENT ON COLUMN reporting.user_utilisation.user_name IS 'User name.';
COMMENT ON COLUMN reporting.user_utilisation.time_entries IS 'Number of time entries.';
COMMENT ON COLUMN reporting.user_utilisation.seconds IS 'Tracked seconds (exact).';
COMMENT ON COLUMN reporting.user_utilisation.hours IS 'Tracked hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.user_utilisation.billable_seconds IS 'Billable seconds (exact).';
COMMENT ON COLUMN reporting.user_utilisation.billable_hours IS 'Billable hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.user_utilisation.utilisation IS 'billable_seconds / seconds, rounded to 4 decimals (0.7500 = 75 %); NULL when nothing was tracked. Recompute it from summed seconds when rolling up, never average it.';

-- ---- per report (filter on report_key) -------------------------------------------------------------------

CREATE VIEW toggl.report_time_entries_resolved AS
SELECT e.report_key,
       e.time_entry_id,
       e.entry_date,
       e.start_at,
       e.stop_at,
       e.seconds,
       e.is_running,
       e.user_id,
       coalesce(u.name, e.username)                     AS user_name,
       e.project_id,
       CASE WHEN e.project_id IS NULL THEN '(no project)' ELSE coalesce(p.name, e.project_name) END AS project_name,
       p.client_id,
       coalesce(c.name, e.client_name, '(no client)')   AS client_name,
       e.task_id,
       e.task_name,
       e.description,
       e.billable,
       e.tag_names,
       upper(e.currency)                                AS currency,
       cur.minor_unit,
       e.hourly_rate_in_cents,
       e.billable_amount_in_cents,
       e.updated_at,
       e.loaded_at
  FROM toggl.report_time_entries e
  LEFT JOIN toggl.users u       ON u.user_id = e.user_id
  LEFT JOIN toggl.projects p    ON p.project_id = e.project_id
  LEFT JOIN toggl.clients c     ON c.client_id = p.client_id
  LEFT JOIN reporting.currencies cur ON cur.code = upper(e.currency);
COMMENT ON VIEW toggl.report_time_entries_resolved IS 'Building block of the per-report views: toggl.report_time_entries with user, project and client names resolved and the currency''s minor unit, seconds and cents exact. One row per time entry per report.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.time_entry_id IS 'Toggl time entry id.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.entry_date IS 'Local date of the entry start.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.start_at IS 'Start of the entry.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.stop_at IS 'End of the entry; NULL while running.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.seconds IS 'Duration in seconds.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.user_id IS 'Toggl user id.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.user_name IS 'User name: toggl.users'', else the report''s.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.project_name IS 'Project name: toggl.projects'', else the report''s; (no project) without project.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.client_id IS 'Toggl client id of the project; NULL without client.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.client_name IS 'Client name: the project''s client in toggl.clients, else the report''s, else (no client).';
COMMENT ON COLUMN toggl.report_time_entries_resolved.task_id IS 'Toggl task id; NULL without task.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.task_name IS 'Task name.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.description IS 'Entry description.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.tag_names IS 'Tag names.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.minor_unit IS 'Decimal places of the currency (reporting.currencies); NULL when not listed (2 are used).';
COMMENT ON COLUMN toggl.report_time_entries_resolved.hourly_rate_in_cents IS 'Hourly rate in 1/100 of the currency unit.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.billable_amount_in_cents IS 'This entry''s billable amount in 1/100 of the currency unit; NULL when the report hides amounts.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.updated_at IS 'Last modification in Toggl.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.loaded_at IS 'When a load last inserted or changed this row.';

CREATE VIEW reporting.report_time_entries AS
SELECT r.report_key,
       r.time_entry_id,
       r.entry_date,
       r.start_at,
       r.stop_at,
       r.seconds,
       toggl.in_hours(r.seconds)                                           AS hours,
       toggl.in_hours(CASE WHEN r.billable THEN r.seconds ELSE 0 END)      AS billable_hours,
       r.is_running,
       r.user_id,
       r.user_name,
       r.project_id,
       r.project_name,
       r.client_id,
       r.client_name,
       r.task_id,
       r.task_name,
       r.description,
       r.billable,
       r.tag_names,
       r.currency,
       toggl.in_currency_units(r.hourly_rate_in_cents, r.minor_unit)       AS hourly_rate,
       r.billable_amount_in_cents                                          AS billable_amount_cents,
       toggl.in_currency_units(r.billable_amount_in_cents, r.minor_unit)   AS billable_amount,
       r.updated_at
  FROM toggl.report_time_entries_resolved r;
COMMENT ON VIEW reporting.report_time_entries IS 'One row PER SHARED REPORT per time entry: an entry in two reports appears twice. Filter on report_key, or use reporting.time_entries (each entry once).';
COMMENT ON COLUMN reporting.report_time_entries.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN reporting.report_time_entries.time_entry_id IS 'Toggl time entry id (unique within a report).';
COMMENT ON COLUMN reporting.report_time_entries.entry_date IS 'Local date of the entry start.';
COMMENT ON COLUMN reporting.report_time_entries.start_at IS 'Start of the entry.';
COMMENT ON COLUMN reporting.report_time_entries.stop_at IS 'End of the entry; NULL while running.';
COMMENT ON COLUMN reporting.report_time_entries.seconds IS 'Duration in seconds (exact: sum this, not hours).';
COMMENT ON COLUMN reporting.report_time_entries.hours IS 'Duration in hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.report_time_entries.billable_hours IS 'Billable hours, rounded to 6 decimals; 0 when not billable.';
COMMENT ON COLUMN reporting.report_time_entries.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN reporting.report_time_entries.user_id IS 'Toggl user id.';
COMMENT ON COLUMN reporting.report_time_entries.user_name IS 'User name.';
COMMENT ON COLUMN reporting.report_time_entries.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.report_time_entries.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.report_time_entries.client_id IS 'Toggl client id; NULL without client.';
COMMENT ON COLUMN reporting.report_time_entries.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.report_time_entries.task_id IS 'Toggl task id; NULL without task.';
COMMENT ON COLUMN reporting.report_time_entries.task_name IS 'Task name.';
COMMENT ON COLUMN reporting.report_time_entries.description IS 'Entry description.';
COMMENT ON COLUMN reporting.report_time_entries.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN reporting.report_time_entries.tag_names IS 'Tag names.';
COMMENT ON COLUMN reporting.report_time_entries.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.report_time_entries.hourly_rate IS 'Hourly rate in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.report_time_entries.billable_amount_cents IS 'Billable amount in 1/100 of the currency unit (exact); NULL when the report hides amounts.';
COMMENT ON COLUMN reporting.report_time_entries.billable_amount IS 'Billable amount in currency units, rounded to the currency''s minor unit; NULL when the report hides amounts (hide_amounts), 0 when Toggl says zero.';
COMMENT ON COLUMN reporting.report_time_entries.updated_at IS 'Last modification in Toggl.';

CREATE VIEW reporting.report_daily_project_hours AS
SELECT r.report_key,
       r.entry_date,
       r.project_id,
       r.project_name,
       r.client_id,
       r.client_name,
       r.currency,
       count(*)                                                                      AS time_entries,
       sum(r.seconds)::bigint                                                        AS seconds,
       toggl.in_hours(sum(r.seconds))                                                AS hours,
       coalesce(sum(r.seconds) FILTER (WHERE r.billable), 0)::bigint                 AS billable_seconds,
       toggl.in_hours(coalesce(sum(r.seconds) FILTER (WHERE r.billable), 0))         AS billable_hours,
       sum(r.billable_amount_in_cents)::bigint                                       AS billable_amount_cents,
       toggl.in_currency_units(sum(r.billable_amount_in_cents), r.minor_unit)        AS billable_amount
  FROM toggl.report_time_entries_resolved r
 GROUP BY r.report_key, r.entry_date, r.project_id, r.project_name, r.client_id, r.client_name, r.currency, r.minor_unit;
COMMENT ON VIEW reporting.report_daily_project_hours IS 'Hours and billable amount PER SHARED REPORT, day, project and currency (seconds and cents summed, then converted). Filter on report_key, or use reporting.daily_project_hours (each entry once).';
COMMENT ON COLUMN reporting.report_daily_project_hours.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN reporting.report_daily_project_hours.entry_date IS 'Local date of the entries.';
COMMENT ON COLUMN reporting.report_daily_project_hours.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.report_daily_project_hours.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.report_daily_project_hours.client_id IS 'Toggl client id; NULL without client.';
COMMENT ON COLUMN reporting.report_daily_project_hours.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.report_daily_project_hours.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.report_daily_project_hours.time_entries IS 'Number of time entries.';
COMMENT ON COLUMN reporting.report_daily_project_hours.seconds IS 'Tracked seconds (exact).';
COMMENT ON COLUMN reporting.report_daily_project_hours.hours IS 'Tracked hours: sum of seconds / 3600, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.report_daily_project_hours.billable_seconds IS 'Billable seconds (exact); 0 when none.';
COMMENT ON COLUMN reporting.report_daily_project_hours.billable_hours IS 'Billable hours: sum of billable seconds / 3600, rounded to 6 decimals; 0 when none.';
COMMENT ON COLUMN reporting.report_daily_project_hours.billable_amount_cents IS 'Billable amount in 1/100 of the currency unit (exact); NULL when the report hides amounts.';
COMMENT ON COLUMN reporting.report_daily_project_hours.billable_amount IS 'Billable amount: sum of cents converted once, in currency units rounded to the currency''s minor unit; NULL when the report hides amounts.';

CREATE VIEW reporting.report_weekly_hours AS
SELECT w.report_key,
       w.day,
       w.user_id,
       w.user_name,
       w.project_id,
       coalesce(w.project_name, '(no project)')                           AS project_name,
       coalesce(w.client_name, '(no client)')                             AS client_name,
       upper(w.currency)                                                  AS currency,
       toggl.in_currency_units(w.hourly_rate_in_cents, cur.minor_unit)    AS hourly_rate,
       w.seconds,
       toggl.in_hours(w.seconds)                                          AS hours,
       w.billable_seconds,
       toggl.in_hours(w.billable_seconds)                                 AS billable_hours,
       w.billable_amount_in_cents                                         AS billable_amount_cents,
       toggl.in_currency_units(w.billable_amount_in_cents, cur.minor_unit) AS billable_amount
  FROM toggl.report_weekly w
  LEFT JOIN reporting.currencies cur ON cur.code = upper(w.currency);
COMMENT ON VIEW reporting.report_weekly_hours IS 'Hours and billable amount PER SHARED WEEKLY REPORT, day, user, project and rate, money in currency units. Filter on report_key; sum seconds, not hours.';
COMMENT ON COLUMN reporting.report_weekly_hours.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN reporting.report_weekly_hours.day IS 'The day.';
COMMENT ON COLUMN reporting.report_weekly_hours.user_id IS 'Toggl user id; NULL when the row is not per user.';
COMMENT ON COLUMN reporting.report_weekly_hours.user_name IS 'User name.';
COMMENT ON COLUMN reporting.report_weekly_hours.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.report_weekly_hours.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.report_weekly_hours.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.report_weekly_hours.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.report_weekly_hours.hourly_rate IS 'Hourly rate in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.report_weekly_hours.seconds IS 'Tracked seconds of the row on this day (exact: sum this, not hours).';
COMMENT ON COLUMN reporting.report_weekly_hours.hours IS 'Tracked hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.report_weekly_hours.billable_seconds IS 'Billable seconds of the row on this day (exact).';
COMMENT ON COLUMN reporting.report_weekly_hours.billable_hours IS 'Billable hours, rounded to 6 decimals; 0 when none.';
COMMENT ON COLUMN reporting.report_weekly_hours.billable_amount_cents IS 'Billable amount of the row on this day in 1/100 of the currency unit (exact); NULL when the report hides amounts.';
COMMENT ON COLUMN reporting.report_weekly_hours.billable_amount IS 'Billable amount of the row on this day in currency units, rounded to the currency''s minor unit; NULL when the report hides amounts.';

CREATE VIEW reporting.report_summary_hours AS
SELECT s.report_key,
       s.window_start,
       s.window_end,
       s.grouping,
       s.sub_grouping,
       nullif(s.group_id, 0)                       AS group_id,
       s.group_name,
       nullif(s.sub_group_id, 0)                   AS sub_group_id,
       s.sub_group_title,
       s.seconds,
       toggl.in_hours(s.seconds)                   AS hours
  FROM toggl.report_summary s;
COMMENT ON VIEW reporting.report_summary_hours IS 'Hours PER SHARED SUMMARY REPORT, fetched window, group and sub-group. Pick one report and one window: do not sum across them.';
COMMENT ON COLUMN reporting.report_summary_hours.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN reporting.report_summary_hours.window_start IS 'First date of the fetched window.';
COMMENT ON COLUMN reporting.report_summary_hours.window_end IS 'Last date of the fetched window.';
COMMENT ON COLUMN reporting.report_summary_hours.grouping IS 'What the groups are (e.g. projects, users, clients).';
COMMENT ON COLUMN reporting.report_summary_hours.sub_grouping IS 'What the sub-groups are (e.g. time_entries, users).';
COMMENT ON COLUMN reporting.report_summary_hours.group_id IS 'Toggl id of the group; NULL for time without one (no project, no client).';
COMMENT ON COLUMN reporting.report_summary_hours.group_name IS 'Name of the group, from the report''s dictionaries when it carries them.';
COMMENT ON COLUMN reporting.report_summary_hours.sub_group_id IS 'Toggl id of the sub-group; NULL when it has none.';
COMMENT ON COLUMN reporting.report_summary_hours.sub_group_title IS 'Title of the sub-group (e.g. the time entry description).';
COMMENT ON COLUMN reporting.report_summary_hours.seconds IS 'Tracked seconds (exact).';
COMMENT ON COLUMN reporting.report_summary_hours.hours IS 'Tracked hours, rounded to 6 decimals.';

-- ---- profitability and reconciliation --------------------------------------------------------------------

CREATE VIEW reporting.project_profitability AS
SELECT p.workspace_id,
       p.resolution,
       p.period_start,
       CASE p.resolution
            WHEN 'week'  THEN p.period_start + 6
            WHEN 'month' THEN (p.period_start + interval '1 month' - interval '1 day')::date
            ELSE p.period_start
       END                                                                AS period_end,
       upper(p.currency)                                                  AS currency,
       coalesce(p.project_id, named.project_id)                           AS project_id,
       CASE WHEN p.project_name = '' THEN '(no project)' ELSE p.project_name END AS project_name,
       CASE WHEN p.client_name = '' THEN '(no client)' ELSE p.client_name END    AS client_name,
       p.total_seconds                                                    AS seconds,
       toggl.in_hours(p.total_seconds)                                    AS hours,
       p.billable_seconds,
       toggl.in_hours(p.billable_seconds)                                 AS billable_hours,
       p.earnings_in_cents                                                AS earnings_cents,
       toggl.in_currency_units(p.earnings_in_cents, cur.minor_unit)       AS earnings,
       p.labour_cost_in_cents                                             AS labour_cost_cents,
       toggl.in_currency_units(p.labour_cost_in_cents, cur.minor_unit)    AS labour_cost,
       p.profit_in_cents                                                  AS profit_cents,
       toggl.in_currency_units(p.profit_in_cents, cur.minor_unit)         AS profit,
       CASE WHEN p.earnings_in_cents <> 0
            THEN round(p.profit_in_cents::numeric / p.earnings_in_cents, 4)
       END                                                                AS margin,
       p.extra,
       p.loaded_at
  FROM toggl.profitability_projects p
  LEFT JOIN reporting.currencies cur ON cur.code = upper(p.currency)
  LEFT JOIN LATERAL (
        -- The export may not carry project ids: take the id of the one known project with that name and client.
        SELECT min(pr.project_id) AS project_id
          FROM toggl.projects pr
          LEFT JOIN toggl.clients c ON c.client_id = pr.client_id
         WHERE p.project_id IS NULL
           AND p.project_name <> ''
           AND pr.name = p.project_name
           AND coalesce(c.name, '') = p.client_name
        HAVING count(*) = 1
       ) named ON true;
COMMENT ON VIEW reporting.project_profitability IS 'Project profitability per period from the profitability export, at the resolution it was loaded: hours, earnings, labour cost, profit and margin. Filter on resolution and currency: the same time appears once per resolution and currency loaded. For months use reporting.monthly_profitability.';
COMMENT ON COLUMN reporting.project_profitability.workspace_id IS 'Toggl workspace id.';
COMMENT ON COLUMN reporting.project_profitability.resolution IS 'Period size: day, week (Monday to Sunday) or month.';
COMMENT ON COLUMN reporting.project_profitability.period_start IS 'First date of the period.';
COMMENT ON COLUMN reporting.project_profitability.period_end IS 'Last date of the period (the current period holds only the days loaded so far).';
COMMENT ON COLUMN reporting.project_profitability.currency IS 'Currency of the money columns, upper case (what the export was requested in).';
COMMENT ON COLUMN reporting.project_profitability.project_id IS 'Toggl project id: from the export, else the only project with this name and client in toggl.projects; NULL when unknown.';
COMMENT ON COLUMN reporting.project_profitability.project_name IS 'Project name, or (no project) for time without project.';
COMMENT ON COLUMN reporting.project_profitability.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.project_profitability.seconds IS 'Tracked seconds in the period (exact).';
COMMENT ON COLUMN reporting.project_profitability.hours IS 'Tracked hours in the period, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.project_profitability.billable_seconds IS 'Billable seconds in the period (exact).';
COMMENT ON COLUMN reporting.project_profitability.billable_hours IS 'Billable hours in the period, rounded to 6 decimals; 0 when none.';
COMMENT ON COLUMN reporting.project_profitability.earnings_cents IS 'Earnings in 1/100 of the currency unit (exact).';
COMMENT ON COLUMN reporting.project_profitability.earnings IS 'Earnings (billable amount) in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.project_profitability.labour_cost_cents IS 'Labour cost in 1/100 of the currency unit (exact).';
COMMENT ON COLUMN reporting.project_profitability.labour_cost IS 'Labour cost in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.project_profitability.profit_cents IS 'Profit in 1/100 of the currency unit (exact).';
COMMENT ON COLUMN reporting.project_profitability.profit IS 'Profit in currency units, rounded to the currency''s minor unit (earnings minus labour cost unless the export states it).';
COMMENT ON COLUMN reporting.project_profitability.margin IS 'Profit as a fraction of earnings (0.25 = 25 %); NULL when earnings are 0. Not additive: recompute from profit_cents and earnings_cents.';
COMMENT ON COLUMN reporting.project_profitability.extra IS 'Export columns the parser did not recognise, by their header, as received.';
COMMENT ON COLUMN reporting.project_profitability.loaded_at IS 'When this row was last inserted or changed by a load.';

CREATE VIEW reporting.monthly_profitability AS
WITH periods AS (
    -- A month comes from the day rows when any are loaded for it (workspace x currency), else from its month row.
    SELECT p.*, date_trunc('month', p.period_start)::date AS month_start
      FROM reporting.project_profitability p
     WHERE p.resolution = 'day'
        OR (p.resolution = 'month' AND NOT EXISTS (
                SELECT 1 FROM toggl.profitability_projects d
                 WHERE d.resolution = 'day' AND d.workspace_id = p.workspace_id AND upper(d.currency) = p.currency
                   AND d.period_start >= p.period_start AND d.period_start <= p.period_end))
)
SELECT s.workspace_id,
       s.month_start,
       s.currency,
       s.project_id,
       s.project_name,
       s.client_name,
       s.resolution                                                      AS source_resolution,
       s.seconds,
       toggl.in_hours(s.seconds)                                         AS hours,
       s.billable_seconds,
       toggl.in_hours(s.billable_seconds)                                AS billable_hours,
       s.earnings_cents,
       toggl.in_currency_units(s.earnings_cents, cur.minor_unit)         AS earnings,
       s.labour_cost_cents,
       toggl.in_currency_units(s.labour_cost_cents, cur.minor_unit)      AS labour_cost,
       s.profit_cents,
       toggl.in_currency_units(s.profit_cents, cur.minor_unit)           AS profit,
       CASE WHEN s.earnings_cents <> 0 THEN round(s.profit_cents::numeric / s.earnings_cents, 4) END AS margin
  FROM (SELECT workspace_id, month_start, currency, project_id, project_name, client_name, resolution,
               sum(seconds)::bigint AS seconds, sum(billable_seconds)::bigint AS billable_seconds,
               sum(earnings_cents)::bigint AS earnings_cents, sum(labour_cost_cents)::bigint AS labour_cost_cents,
               sum(profit_cents)::bigint AS profit_cents
          FROM periods
         GROUP BY workspace_id, month_start, currency, project_id, project_name, client_name, resolution) s
  LEFT JOIN reporting.currencies cur ON cur.code = s.currency;
COMMENT ON VIEW reporting.monthly_profitability IS 'Project profitability per calendar month from the profitability export: day rows summed per month (else the month row), margin recomputed from the summed profit and earnings. Filter on currency: the same time appears once per currency loaded.';
COMMENT ON COLUMN reporting.monthly_profitability.workspace_id IS 'Toggl workspace id.';
COMMENT ON COLUMN reporting.monthly_profitability.month_start IS 'First day of the month.';
COMMENT ON COLUMN reporting.monthly_profitability.currency IS 'Currency of the money columns, upper case.';
COMMENT ON COLUMN reporting.monthly_profitability.project_id IS 'Toggl project id; NULL when unknown.';
COMMENT ON COLUMN reporting.monthly_profitability.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.monthly_profitability.client_name IS 'Client name, or (no client).';
COMMENT ON COLUMN reporting.monthly_profitability.source_resolution IS 'The export rows summed: day, or month when no day rows are loaded for the month.';
COMMENT ON COLUMN reporting.monthly_profitability.seconds IS 'Tracked seconds in the month (exact).';
COMMENT ON COLUMN reporting.monthly_profitability.hours IS 'Tracked hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.monthly_profitability.billable_seconds IS 'Billable seconds in the month (exact).';
COMMENT ON COLUMN reporting.monthly_profitability.billable_hours IS 'Billable hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.monthly_profitability.earnings_cents IS 'Earnings in 1/100 of the currency unit (exact).';
COMMENT ON COLUMN reporting.monthly_profitability.earnings IS 'Earnings in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.monthly_profitability.labour_cost_cents IS 'Labour cost in 1/100 of the currency unit (exact).';
COMMENT ON COLUMN reporting.monthly_profitability.labour_cost IS 'Labour cost in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.monthly_profitability.profit_cents IS 'Profit in 1/100 of the currency unit (exact).';
COMMENT ON COLUMN reporting.monthly_profitability.profit IS 'Profit in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.monthly_profitability.margin IS 'profit_cents / earnings_cents of the month, rounded to 4 decimals (0.25 = 25 %); NULL when earnings are 0. Recompute it from sums when rolling up.';

CREATE VIEW reporting.report_vs_export AS
WITH entries AS (
    SELECT date_trunc('month', f.entry_date)::date AS month_start, f.project_id, f.currency,
           sum(f.seconds)::bigint AS seconds, sum(f.billable_seconds)::bigint AS billable_seconds,
           sum(f.billable_amount_in_cents)::bigint AS billable_amount_cents,
           sum(f.unpriced_billable_seconds)::bigint AS unpriced_billable_seconds
      FROM toggl.daily_entry_facts f
     GROUP BY 1, 2, 3
), by_project AS (
    SELECT month_start, project_id, sum(seconds)::bigint AS seconds, sum(billable_seconds)::bigint AS billable_seconds
      FROM entries GROUP BY 1, 2
), export AS (
    SELECT workspace_id, month_start, currency, project_id, min(project_name) AS project_name,
           sum(seconds)::bigint AS seconds, sum(billable_seconds)::bigint AS billable_seconds,
           sum(earnings_cents)::bigint AS earnings_cents
      FROM reporting.monthly_profitability
     GROUP BY workspace_id, month_start, currency, project_id
)
SELECT x.workspace_id,
       coalesce(x.month_start, b.month_start)                                AS month_start,
       coalesce(x.project_id, b.project_id)                                  AS project_id,
       CASE WHEN coalesce(x.project_id, b.project_id) IS NULL THEN '(no project)'
            ELSE coalesce(p.name, x.project_name) END                        AS project_name,
       x.currency                                                            AS export_currency,
       b.seconds                                                             AS report_seconds,
       x.seconds                                                             AS export_seconds,
       coalesce(b.seconds, 0) - coalesce(x.seconds, 0)                       AS seconds_difference,
       toggl.in_hours(b.seconds)                                             AS report_hours,
       toggl.in_hours(x.seconds)                                             AS export_hours,
       toggl.in_hours(coalesce(b.seconds, 0) - coalesce(x.seconds, 0))       AS hours_difference,
       m.billable_amount_cents                                               AS report_billable_amount_cents,
       x.earnings_cents                                                      AS export_earnings_cents,
       CASE WHEN coalesce(m.billable_seconds, 0) = coalesce(b.billable_seconds, 0)
             AND coalesce(m.unpriced_billable_seconds, 0) = 0
            THEN coalesce(m.billable_amount_cents, 0) - coalesce(x.earnings_cents, 0)
       END                                                                   AS earnings_difference_cents
  FROM export x
  FULL JOIN by_project b ON b.month_start = x.month_start AND b.project_id IS NOT DISTINCT FROM x.project_id
  LEFT JOIN entries m ON m.month_start = b.month_start AND m.project_id IS NOT DISTINCT FROM b.project_id
                     AND m.currency = x.currency
  LEFT JOIN toggl.projects p ON p.project_id = coalesce(x.project_id, b.project_id);
COMMENT ON VIEW reporting.report_vs_export IS 'The detailed reports (each time entry once) against the profitability export, per month x project (x export currency): seconds always; money only where every billable entry of the project-month is priced in the export''s currency (else earnings_difference_cents is NULL). A row with NULL export columns is time the export does not have, and the other way round.';
COMMENT ON COLUMN reporting.report_vs_export.workspace_id IS 'Toggl workspace id of the export; NULL when only the reports have the project-month.';
COMMENT ON COLUMN reporting.report_vs_export.month_start IS 'First day of the month.';
COMMENT ON COLUMN reporting.report_vs_export.project_id IS 'Toggl project id; NULL without project (or not resolved in the export).';
COMMENT ON COLUMN reporting.report_vs_export.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.report_vs_export.export_currency IS 'Currency the export was requested in, upper case; NULL when only the reports have the project-month.';
COMMENT ON COLUMN reporting.report_vs_export.report_seconds IS 'Tracked seconds in the detailed reports (each entry once).';
COMMENT ON COLUMN reporting.report_vs_export.export_seconds IS 'Tracked seconds in the export.';
COMMENT ON COLUMN reporting.report_vs_export.seconds_difference IS 'report_seconds - export_seconds (a missing side counts 0); 0 when they agree.';
COMMENT ON COLUMN reporting.report_vs_export.report_hours IS 'report_seconds in hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.report_vs_export.export_hours IS 'export_seconds in hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.report_vs_export.hours_difference IS 'seconds_difference in hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.report_vs_export.report_billable_amount_cents IS 'Billable amount of the reports'' entries in the export''s currency, in 1/100 of the unit.';
COMMENT ON COLUMN reporting.report_vs_export.export_earnings_cents IS 'Earnings in the export, in 1/100 of the unit.';
COMMENT ON COLUMN reporting.report_vs_export.earnings_difference_cents IS 'report_billable_amount_cents - export_earnings_cents; NULL when the money cannot be compared (billable time in another currency, or without a known amount).';

-- ---- change log ------------------------------------------------------------------------------------------

CREATE VIEW reporting.time_entry_changes AS
SELECT c.change_id,
       c.changed_at,
       c.report_key,
       c.time_entry_id,
       c.change,
       f.dagster_run_id,
       c.fetch_id,
       c.entry_date_before,
       c.entry_date_after,
       c.seconds_before,
       c.seconds_after,
       toggl.in_hours(c.seconds_before)                                      AS hours_before,
       toggl.in_hours(c.seconds_after)                                       AS hours_after,
       toggl.in_hours(coalesce(c.seconds_after, 0) - coalesce(c.seconds_before, 0)) AS hours_delta,
       c.billable_amount_in_cents_before                                     AS billable_amount_cents_before,
       c.billable_amount_in_cents_after                                      AS billable_amount_cents_after,
       toggl.in_currency_units(c.billable_amount_in_cents_before, cb.minor_unit) AS billable_amount_before,
       toggl.in_currency_units(c.billable_amount_in_cents_after, ca.minor_unit)  AS billable_amount_after,
       upper(coalesce(c.currency_after, c.currency_before))                  AS currency,
       c.project_name_before,
       c.project_name_after,
       c.user_id_before,
       c.user_id_after,
       c.description_before,
       c.description_after
  FROM toggl.time_entry_changes c
  LEFT JOIN toggl_raw.fetches f ON f.fetch_id = c.fetch_id
  LEFT JOIN reporting.currencies cb ON cb.code = upper(c.currency_before)
  LEFT JOIN reporting.currencies ca ON ca.code = upper(c.currency_after);
COMMENT ON VIEW reporting.time_entry_changes IS 'What changed in Toggl after it was loaded: one row per insert, update or delete a load applied to a time entry, newest last, with the Dagster run that applied it. For "what changed after invoicing": filter entry_date_before/after to the invoiced period and changed_at after the invoice date, change <> ''insert''.';
COMMENT ON COLUMN reporting.time_entry_changes.change_id IS 'Key of the change in toggl.time_entry_changes, in the order changes were applied.';
COMMENT ON COLUMN reporting.time_entry_changes.changed_at IS 'When the load applied the change.';
COMMENT ON COLUMN reporting.time_entry_changes.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN reporting.time_entry_changes.time_entry_id IS 'Toggl time entry id.';
COMMENT ON COLUMN reporting.time_entry_changes.change IS 'insert, update or delete.';
COMMENT ON COLUMN reporting.time_entry_changes.dagster_run_id IS 'The Dagster run that fetched the data the change came from.';
COMMENT ON COLUMN reporting.time_entry_changes.fetch_id IS 'The fetch (toggl_raw.fetches) the change came from.';
COMMENT ON COLUMN reporting.time_entry_changes.entry_date_before IS 'Local date of the entry before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.entry_date_after IS 'Local date of the entry after the change.';
COMMENT ON COLUMN reporting.time_entry_changes.seconds_before IS 'Seconds before the change (exact).';
COMMENT ON COLUMN reporting.time_entry_changes.seconds_after IS 'Seconds after the change (exact).';
COMMENT ON COLUMN reporting.time_entry_changes.hours_before IS 'Hours before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.hours_after IS 'Hours after the change.';
COMMENT ON COLUMN reporting.time_entry_changes.hours_delta IS 'Hours after minus hours before (a delete is negative, an insert positive).';
COMMENT ON COLUMN reporting.time_entry_changes.billable_amount_cents_before IS 'Billable amount before the change in 1/100 of the currency unit (exact); NULL when hidden or unknown.';
COMMENT ON COLUMN reporting.time_entry_changes.billable_amount_cents_after IS 'Billable amount after the change in 1/100 of the currency unit (exact); NULL when hidden or unknown.';
COMMENT ON COLUMN reporting.time_entry_changes.billable_amount_before IS 'Billable amount before the change, in currency units rounded to the currency''s minor unit (NULL when hidden or unknown).';
COMMENT ON COLUMN reporting.time_entry_changes.billable_amount_after IS 'Billable amount after the change, in currency units rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.time_entry_changes.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.time_entry_changes.project_name_before IS 'Project name before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.project_name_after IS 'Project name after the change.';
COMMENT ON COLUMN reporting.time_entry_changes.user_id_before IS 'Toggl user id before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.user_id_after IS 'Toggl user id after the change.';
COMMENT ON COLUMN reporting.time_entry_changes.description_before IS 'Description before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.description_after IS 'Description after the change.';
