-- Reporting views, second edition: exact aggregates, the currency's minor unit, one row per time entry
-- across reports, and billable_hours that mean the same everywhere.
--
-- Rules every reporting view follows (README "Which view answers which question"):
-- * Aggregates sum seconds and cents, then convert once: hours = round(sum(seconds) / 3600, 6).
-- * Money: Toggl's *_in_cents values are 1/100 of the currency unit for every currency (Toggl converts an
--   hourly rate of 100 into 10000 "cents", whatever the currency). A view divides by 100 and rounds to the
--   currency's ISO 4217 minor unit from reporting.currencies: JPY 1234.56 shows as 1235, BHD 1.23 as 1.230,
--   a currency not listed keeps 2 decimals.
-- * billable_hours is 0 (never NULL) when nothing is billable; money is NULL only when Toggl hid it
--   (a report saved with hide_amounts) and 0 when Toggl said zero.
-- * Per-report views start with report_key; a time entry appears once per report that contains it.
--   reporting.workspace_* views hold each time entry once (the most recent load wins).
-- Views are dropped and created (not replaced) because their column types and order change; none of them
-- is dropped with CASCADE, so a view someone built on top of them makes this migration fail loudly.

CREATE TABLE IF NOT EXISTS reporting.currencies (
    code       text     PRIMARY KEY CHECK (code = upper(code)),
    minor_unit smallint NOT NULL CHECK (minor_unit BETWEEN 0 AND 4),
    name       text     NOT NULL
);
COMMENT ON TABLE reporting.currencies IS 'ISO 4217 currencies with their minor unit (decimal places), used by the reporting views to round money; a currency missing here is shown with 2 decimals. Filled by migration 021; add rows for more.';
COMMENT ON COLUMN reporting.currencies.code IS 'ISO 4217 code, upper case (e.g. JPY).';
COMMENT ON COLUMN reporting.currencies.minor_unit IS 'ISO 4217 exponent: decimal places of the currency (JPY 0, EUR 2, KWD 3).';
COMMENT ON COLUMN reporting.currencies.name IS 'Currency name.';

INSERT INTO reporting.currencies (code, minor_unit, name) VALUES
    -- no minor unit (exponent 0)
    ('BIF', 0, 'Burundian franc'), ('CLP', 0, 'Chilean peso'), ('DJF', 0, 'Djiboutian franc'),
    ('GNF', 0, 'Guinean franc'), ('ISK', 0, 'Icelandic krona'), ('JPY', 0, 'Japanese yen'),
    ('KMF', 0, 'Comorian franc'), ('KRW', 0, 'South Korean won'), ('PYG', 0, 'Paraguayan guarani'),
    ('RWF', 0, 'Rwandan franc'), ('UGX', 0, 'Ugandan shilling'), ('UYI', 0, 'Uruguay peso en unidades indexadas'),
    ('VND', 0, 'Vietnamese dong'), ('VUV', 0, 'Vanuatu vatu'), ('XAF', 0, 'CFA franc BEAC'),
    ('XOF', 0, 'CFA franc BCEAO'), ('XPF', 0, 'CFP franc'),
    -- three decimals (exponent 3)
    ('BHD', 3, 'Bahraini dinar'), ('IQD', 3, 'Iraqi dinar'), ('JOD', 3, 'Jordanian dinar'),
    ('KWD', 3, 'Kuwaiti dinar'), ('LYD', 3, 'Libyan dinar'), ('OMR', 3, 'Omani rial'),
    ('TND', 3, 'Tunisian dinar'),
    -- four decimals (exponent 4)
    ('CLF', 4, 'Unidad de Fomento'), ('UYW', 4, 'Unidad previsional'),
    -- two decimals: the currencies Toggl users bill in most (any other currency also gets 2)
    ('AUD', 2, 'Australian dollar'), ('BRL', 2, 'Brazilian real'), ('CAD', 2, 'Canadian dollar'),
    ('CHF', 2, 'Swiss franc'), ('CNY', 2, 'Chinese yuan'), ('CZK', 2, 'Czech koruna'),
    ('DKK', 2, 'Danish krone'), ('EUR', 2, 'Euro'), ('GBP', 2, 'Pound sterling'),
    ('HKD', 2, 'Hong Kong dollar'), ('HUF', 2, 'Hungarian forint'), ('INR', 2, 'Indian rupee'),
    ('MXN', 2, 'Mexican peso'), ('NOK', 2, 'Norwegian krone'), ('NZD', 2, 'New Zealand dollar'),
    ('PLN', 2, 'Polish zloty'), ('RUB', 2, 'Russian ruble'), ('SEK', 2, 'Swedish krona'),
    ('SGD', 2, 'Singapore dollar'), ('TRY', 2, 'Turkish lira'), ('UAH', 2, 'Ukrainian hryvnia'),
    ('USD', 2, 'US dollar'), ('ZAR', 2, 'South African rand')
ON CONFLICT (code) DO NOTHING;

-- The one conversion from Toggl's 1/100 units to currency units (inlined by the planner: IMMUTABLE SQL).
CREATE OR REPLACE FUNCTION toggl.in_currency_units(amount_in_cents numeric, minor_unit integer)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT round(amount_in_cents / 100, coalesce(minor_unit, 2)) $$;
COMMENT ON FUNCTION toggl.in_currency_units(numeric, integer) IS 'Toggl amount in 1/100 of the currency unit -> currency units rounded to minor_unit decimals (2 when NULL); NULL stays NULL.';

-- The one conversion from seconds to hours shown by the views.
CREATE OR REPLACE FUNCTION toggl.in_hours(seconds numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT round(seconds / 3600, 6) $$;
COMMENT ON FUNCTION toggl.in_hours(numeric) IS 'Seconds -> hours rounded to 6 decimals (about 2 ms); apply it to a sum of seconds, never sum its results.';

DROP VIEW IF EXISTS reporting.daily_project_hours;
DROP VIEW IF EXISTS reporting.time_entries;
DROP VIEW IF EXISTS reporting.weekly_hours;
DROP VIEW IF EXISTS reporting.project_profitability;

-- Building block (not for BI): time entries per report with names resolved, seconds and cents kept exact.
CREATE VIEW toggl.report_time_entries_resolved AS
SELECT e.report_key,
       e.time_entry_id,
       e.entry_date,
       e.start_at,
       e.stop_at,
       e.seconds,
       e.is_running,
       e.user_id,
       coalesce(e.username, u.name)                     AS user_name,
       e.project_id,
       coalesce(e.project_name, p.name, '(no project)') AS project_name,
       coalesce(e.client_name, c.name)                  AS client_name,
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
COMMENT ON VIEW toggl.report_time_entries_resolved IS 'Building block of the reporting views: toggl.report_time_entries with user, project and client names resolved and the currency''s minor unit, seconds and cents exact. One row per time entry per report.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.time_entry_id IS 'Toggl time entry id.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.entry_date IS 'Local date of the entry start.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.start_at IS 'Start of the entry.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.stop_at IS 'End of the entry; NULL while running.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.seconds IS 'Duration in seconds.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.user_id IS 'Toggl user id.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.user_name IS 'User name: the report''s, else toggl.users''.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN toggl.report_time_entries_resolved.project_name IS 'Project name: the report''s, else toggl.projects'', else (no project).';
COMMENT ON COLUMN toggl.report_time_entries_resolved.client_name IS 'Client name: the report''s, else the project''s client in toggl.clients.';
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

-- Building block (not for BI): each time entry once, from the report whose load changed it last.
CREATE VIEW toggl.time_entries_latest AS
SELECT DISTINCT ON (r.time_entry_id) r.*
  FROM toggl.report_time_entries_resolved r
 ORDER BY r.time_entry_id, r.loaded_at DESC, r.updated_at DESC NULLS LAST, r.report_key;
COMMENT ON VIEW toggl.time_entries_latest IS 'Building block of the workspace views: one row per time entry across all detailed reports, taken from the report whose load inserted or changed it last (then the latest Toggl edit, then report_key).';
COMMENT ON COLUMN toggl.time_entries_latest.report_key IS 'The report this row was taken from.';
COMMENT ON COLUMN toggl.time_entries_latest.time_entry_id IS 'Toggl time entry id (unique in this view).';
COMMENT ON COLUMN toggl.time_entries_latest.entry_date IS 'Local date of the entry start.';
COMMENT ON COLUMN toggl.time_entries_latest.start_at IS 'Start of the entry.';
COMMENT ON COLUMN toggl.time_entries_latest.stop_at IS 'End of the entry; NULL while running.';
COMMENT ON COLUMN toggl.time_entries_latest.seconds IS 'Duration in seconds.';
COMMENT ON COLUMN toggl.time_entries_latest.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN toggl.time_entries_latest.user_id IS 'Toggl user id.';
COMMENT ON COLUMN toggl.time_entries_latest.user_name IS 'User name.';
COMMENT ON COLUMN toggl.time_entries_latest.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN toggl.time_entries_latest.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN toggl.time_entries_latest.client_name IS 'Client name.';
COMMENT ON COLUMN toggl.time_entries_latest.task_id IS 'Toggl task id; NULL without task.';
COMMENT ON COLUMN toggl.time_entries_latest.task_name IS 'Task name.';
COMMENT ON COLUMN toggl.time_entries_latest.description IS 'Entry description.';
COMMENT ON COLUMN toggl.time_entries_latest.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN toggl.time_entries_latest.tag_names IS 'Tag names.';
COMMENT ON COLUMN toggl.time_entries_latest.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN toggl.time_entries_latest.minor_unit IS 'Decimal places of the currency; NULL when not listed (2 are used).';
COMMENT ON COLUMN toggl.time_entries_latest.hourly_rate_in_cents IS 'Hourly rate in 1/100 of the currency unit.';
COMMENT ON COLUMN toggl.time_entries_latest.billable_amount_in_cents IS 'Billable amount in 1/100 of the currency unit; NULL when the report it was taken from hides amounts.';
COMMENT ON COLUMN toggl.time_entries_latest.updated_at IS 'Last modification in Toggl.';
COMMENT ON COLUMN toggl.time_entries_latest.loaded_at IS 'When a load last inserted or changed this row.';

CREATE VIEW reporting.time_entries AS
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
       r.client_name,
       r.task_id,
       r.task_name,
       r.description,
       r.billable,
       r.tag_names,
       r.currency,
       toggl.in_currency_units(r.hourly_rate_in_cents, r.minor_unit)       AS hourly_rate,
       toggl.in_currency_units(r.billable_amount_in_cents, r.minor_unit)   AS billable_amount,
       r.updated_at,
       r.loaded_at
  FROM toggl.report_time_entries_resolved r;
COMMENT ON VIEW reporting.time_entries IS 'One row per time entry PER SHARED REPORT: an entry in two reports appears twice, so filter on report_key (or use reporting.workspace_time_entries). Sum seconds, not hours.';
COMMENT ON COLUMN reporting.time_entries.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN reporting.time_entries.time_entry_id IS 'Toggl time entry id.';
COMMENT ON COLUMN reporting.time_entries.entry_date IS 'Local date of the entry start.';
COMMENT ON COLUMN reporting.time_entries.start_at IS 'Start of the entry.';
COMMENT ON COLUMN reporting.time_entries.stop_at IS 'End of the entry; NULL while running.';
COMMENT ON COLUMN reporting.time_entries.seconds IS 'Duration in seconds (exact: sum this, not hours).';
COMMENT ON COLUMN reporting.time_entries.hours IS 'Duration in hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.time_entries.billable_hours IS 'Billable hours, rounded to 6 decimals; 0 when not billable.';
COMMENT ON COLUMN reporting.time_entries.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN reporting.time_entries.user_id IS 'Toggl user id.';
COMMENT ON COLUMN reporting.time_entries.user_name IS 'User name.';
COMMENT ON COLUMN reporting.time_entries.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.time_entries.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.time_entries.client_name IS 'Client name; NULL without client.';
COMMENT ON COLUMN reporting.time_entries.task_id IS 'Toggl task id; NULL without task.';
COMMENT ON COLUMN reporting.time_entries.task_name IS 'Task name.';
COMMENT ON COLUMN reporting.time_entries.description IS 'Entry description.';
COMMENT ON COLUMN reporting.time_entries.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN reporting.time_entries.tag_names IS 'Tag names.';
COMMENT ON COLUMN reporting.time_entries.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.time_entries.hourly_rate IS 'Hourly rate in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.time_entries.billable_amount IS 'This entry''s share of its report row''s billable amount, in currency units rounded to the currency''s minor unit; NULL when the report hides amounts (hide_amounts), 0 when Toggl says zero.';
COMMENT ON COLUMN reporting.time_entries.updated_at IS 'Last modification in Toggl.';
COMMENT ON COLUMN reporting.time_entries.loaded_at IS 'When a load last inserted or changed this row.';

CREATE VIEW reporting.workspace_time_entries AS
SELECT l.time_entry_id,
       l.report_key,
       l.entry_date,
       l.start_at,
       l.stop_at,
       l.seconds,
       toggl.in_hours(l.seconds)                                           AS hours,
       toggl.in_hours(CASE WHEN l.billable THEN l.seconds ELSE 0 END)      AS billable_hours,
       l.is_running,
       l.user_id,
       l.user_name,
       l.project_id,
       l.project_name,
       l.client_name,
       l.task_id,
       l.task_name,
       l.description,
       l.billable,
       l.tag_names,
       l.currency,
       toggl.in_currency_units(l.hourly_rate_in_cents, l.minor_unit)       AS hourly_rate,
       toggl.in_currency_units(l.billable_amount_in_cents, l.minor_unit)   AS billable_amount,
       l.updated_at,
       l.loaded_at
  FROM toggl.time_entries_latest l;
COMMENT ON VIEW reporting.workspace_time_entries IS 'One row per time entry across all shared detailed reports (never double-counted): when several reports contain an entry, the report whose load inserted or changed it last wins. Sum seconds, not hours.';
COMMENT ON COLUMN reporting.workspace_time_entries.time_entry_id IS 'Toggl time entry id (unique in this view).';
COMMENT ON COLUMN reporting.workspace_time_entries.report_key IS 'The shared report this row was taken from (the one whose load inserted or changed it last).';
COMMENT ON COLUMN reporting.workspace_time_entries.entry_date IS 'Local date of the entry start.';
COMMENT ON COLUMN reporting.workspace_time_entries.start_at IS 'Start of the entry.';
COMMENT ON COLUMN reporting.workspace_time_entries.stop_at IS 'End of the entry; NULL while running.';
COMMENT ON COLUMN reporting.workspace_time_entries.seconds IS 'Duration in seconds (exact: sum this, not hours).';
COMMENT ON COLUMN reporting.workspace_time_entries.hours IS 'Duration in hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.workspace_time_entries.billable_hours IS 'Billable hours, rounded to 6 decimals; 0 when not billable.';
COMMENT ON COLUMN reporting.workspace_time_entries.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN reporting.workspace_time_entries.user_id IS 'Toggl user id.';
COMMENT ON COLUMN reporting.workspace_time_entries.user_name IS 'User name.';
COMMENT ON COLUMN reporting.workspace_time_entries.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.workspace_time_entries.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.workspace_time_entries.client_name IS 'Client name; NULL without client.';
COMMENT ON COLUMN reporting.workspace_time_entries.task_id IS 'Toggl task id; NULL without task.';
COMMENT ON COLUMN reporting.workspace_time_entries.task_name IS 'Task name.';
COMMENT ON COLUMN reporting.workspace_time_entries.description IS 'Entry description.';
COMMENT ON COLUMN reporting.workspace_time_entries.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN reporting.workspace_time_entries.tag_names IS 'Tag names.';
COMMENT ON COLUMN reporting.workspace_time_entries.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.workspace_time_entries.hourly_rate IS 'Hourly rate in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.workspace_time_entries.billable_amount IS 'Billable amount in currency units, rounded to the currency''s minor unit; NULL when the report hides amounts (hide_amounts), 0 when Toggl says zero.';
COMMENT ON COLUMN reporting.workspace_time_entries.updated_at IS 'Last modification in Toggl.';
COMMENT ON COLUMN reporting.workspace_time_entries.loaded_at IS 'When a load last inserted or changed this row.';

CREATE VIEW reporting.daily_project_hours AS
SELECT r.report_key,
       r.entry_date,
       r.project_id,
       r.project_name,
       r.client_name,
       r.currency,
       toggl.in_hours(sum(r.seconds))                                                AS hours,
       toggl.in_hours(coalesce(sum(r.seconds) FILTER (WHERE r.billable), 0))         AS billable_hours,
       toggl.in_currency_units(sum(r.billable_amount_in_cents), r.minor_unit)        AS billable_amount,
       count(*)                                                                      AS time_entries
  FROM toggl.report_time_entries_resolved r
 GROUP BY r.report_key, r.entry_date, r.project_id, r.project_name, r.client_name, r.currency, r.minor_unit;
COMMENT ON VIEW reporting.daily_project_hours IS 'Hours and billable amount PER SHARED REPORT, day, project and currency (seconds and cents summed, then converted). Filter on report_key, or use reporting.workspace_daily_project_hours.';
COMMENT ON COLUMN reporting.daily_project_hours.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN reporting.daily_project_hours.entry_date IS 'Local date of the entries.';
COMMENT ON COLUMN reporting.daily_project_hours.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.daily_project_hours.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.daily_project_hours.client_name IS 'Client name; NULL without client.';
COMMENT ON COLUMN reporting.daily_project_hours.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.daily_project_hours.hours IS 'Tracked hours: sum of seconds / 3600, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.daily_project_hours.billable_hours IS 'Billable hours: sum of billable seconds / 3600, rounded to 6 decimals; 0 when none.';
COMMENT ON COLUMN reporting.daily_project_hours.billable_amount IS 'Billable amount: sum of cents converted once, in currency units rounded to the currency''s minor unit; NULL when the report hides amounts.';
COMMENT ON COLUMN reporting.daily_project_hours.time_entries IS 'Number of time entries.';

CREATE VIEW reporting.workspace_daily_project_hours AS
SELECT l.entry_date,
       l.project_id,
       l.project_name,
       l.client_name,
       l.currency,
       toggl.in_hours(sum(l.seconds))                                                AS hours,
       toggl.in_hours(coalesce(sum(l.seconds) FILTER (WHERE l.billable), 0))         AS billable_hours,
       toggl.in_currency_units(sum(l.billable_amount_in_cents), l.minor_unit)        AS billable_amount,
       count(*)                                                                      AS time_entries
  FROM toggl.time_entries_latest l
 GROUP BY l.entry_date, l.project_id, l.project_name, l.client_name, l.currency, l.minor_unit;
COMMENT ON VIEW reporting.workspace_daily_project_hours IS 'Hours and billable amount per day, project and currency across all shared detailed reports, each time entry counted once (as in reporting.workspace_time_entries); seconds and cents summed, then converted.';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.entry_date IS 'Local date of the entries.';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.client_name IS 'Client name; NULL without client.';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.hours IS 'Tracked hours: sum of seconds / 3600, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.billable_hours IS 'Billable hours: sum of billable seconds / 3600, rounded to 6 decimals; 0 when none.';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.billable_amount IS 'Billable amount: sum of cents converted once, in currency units rounded to the currency''s minor unit; NULL when the reports the entries were taken from hide amounts.';
COMMENT ON COLUMN reporting.workspace_daily_project_hours.time_entries IS 'Number of time entries.';

CREATE VIEW reporting.weekly_hours AS
SELECT w.report_key,
       w.day,
       w.user_id,
       w.user_name,
       w.project_id,
       coalesce(w.project_name, '(no project)')                           AS project_name,
       w.client_name,
       upper(w.currency)                                                  AS currency,
       toggl.in_currency_units(w.hourly_rate_in_cents, cur.minor_unit)    AS hourly_rate,
       w.seconds,
       toggl.in_hours(w.seconds)                                          AS hours,
       toggl.in_hours(w.billable_seconds)                                 AS billable_hours,
       toggl.in_currency_units(w.billable_amount_in_cents, cur.minor_unit) AS billable_amount
  FROM toggl.report_weekly w
  LEFT JOIN reporting.currencies cur ON cur.code = upper(w.currency);
COMMENT ON VIEW reporting.weekly_hours IS 'Hours and billable amount PER SHARED WEEKLY REPORT, day, user, project and rate, money in currency units. Sum seconds, not hours.';
COMMENT ON COLUMN reporting.weekly_hours.report_key IS 'Name of the shared report (the name in TOGGL_SHARED_REPORTS).';
COMMENT ON COLUMN reporting.weekly_hours.day IS 'The day.';
COMMENT ON COLUMN reporting.weekly_hours.user_id IS 'Toggl user id; NULL when the row is not per user.';
COMMENT ON COLUMN reporting.weekly_hours.user_name IS 'User name.';
COMMENT ON COLUMN reporting.weekly_hours.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN reporting.weekly_hours.project_name IS 'Project name, or (no project).';
COMMENT ON COLUMN reporting.weekly_hours.client_name IS 'Client name; NULL without client.';
COMMENT ON COLUMN reporting.weekly_hours.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.weekly_hours.hourly_rate IS 'Hourly rate in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.weekly_hours.seconds IS 'Tracked seconds of the row on this day (exact: sum this, not hours).';
COMMENT ON COLUMN reporting.weekly_hours.hours IS 'Tracked hours, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.weekly_hours.billable_hours IS 'Billable hours, rounded to 6 decimals; 0 when none.';
COMMENT ON COLUMN reporting.weekly_hours.billable_amount IS 'Billable amount of the row on this day in currency units, rounded to the currency''s minor unit; NULL when the report hides amounts.';

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
       nullif(p.client_name, '')                                          AS client_name,
       toggl.in_hours(p.total_seconds)                                    AS hours,
       toggl.in_hours(p.billable_seconds)                                 AS billable_hours,
       toggl.in_currency_units(p.earnings_in_cents, cur.minor_unit)       AS earnings,
       toggl.in_currency_units(p.labour_cost_in_cents, cur.minor_unit)    AS labour_cost,
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
COMMENT ON VIEW reporting.project_profitability IS 'Project profitability per period from the profitability export: hours, earnings, labour cost, profit and margin, money in currency units rounded to the currency''s minor unit. Filter on resolution and currency: the same time appears once per resolution and currency loaded.';
COMMENT ON COLUMN reporting.project_profitability.workspace_id IS 'Toggl workspace id.';
COMMENT ON COLUMN reporting.project_profitability.resolution IS 'Period size: day, week (Monday to Sunday) or month.';
COMMENT ON COLUMN reporting.project_profitability.period_start IS 'First date of the period.';
COMMENT ON COLUMN reporting.project_profitability.period_end IS 'Last date of the period (the current period holds only the days loaded so far).';
COMMENT ON COLUMN reporting.project_profitability.currency IS 'Currency of the money columns, upper case (what the export was requested in).';
COMMENT ON COLUMN reporting.project_profitability.project_id IS 'Toggl project id: from the export, else the only project with this name and client in toggl.projects; NULL when unknown.';
COMMENT ON COLUMN reporting.project_profitability.project_name IS 'Project name, or (no project) for time without project.';
COMMENT ON COLUMN reporting.project_profitability.client_name IS 'Client name; NULL for projects without client.';
COMMENT ON COLUMN reporting.project_profitability.hours IS 'Tracked hours in the period, rounded to 6 decimals.';
COMMENT ON COLUMN reporting.project_profitability.billable_hours IS 'Billable hours in the period, rounded to 6 decimals; 0 when none.';
COMMENT ON COLUMN reporting.project_profitability.earnings IS 'Earnings (billable amount) in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.project_profitability.labour_cost IS 'Labour cost in currency units, rounded to the currency''s minor unit.';
COMMENT ON COLUMN reporting.project_profitability.profit IS 'Profit in currency units, rounded to the currency''s minor unit (earnings minus labour cost unless the export states it).';
COMMENT ON COLUMN reporting.project_profitability.margin IS 'Profit as a fraction of earnings (0.25 = 25 %); NULL when earnings are 0.';
COMMENT ON COLUMN reporting.project_profitability.extra IS 'Export columns the parser did not recognise, by their header, as received.';
COMMENT ON COLUMN reporting.project_profitability.loaded_at IS 'When this row was last inserted or changed by a load.';
