-- Each time entry once across the detailed reports, and its daily facts, as tables kept in step by the load.
--
-- toggl.time_entries holds one row per time entry, taken from the report rows of toggl.report_time_entries:
-- a row that shows money (billable_amount_in_cents not NULL) wins over one that does not, so a report saved
-- with "hide amounts" never blanks money another report shows; among those, the most recent load wins.
-- toggl.daily_entry_facts sums it per day x user x project x currency. Both are written only by the statement
-- triggers below, inside the transaction of the statement that changed toggl.report_time_entries (the load's
-- window replace): they are never behind the entries, and a failed load rolls them back with it. Only the
-- entries a statement touched are chosen again, and only the days whose entries changed are summed again.
-- toggl.rebuild_time_entry_rollups() recomputes both from scratch (run by this migration for loaded data).

-- The user's UTC offset as written in Toggl's start and stop strings (a timestamptz keeps the instant only).
ALTER TABLE toggl.report_time_entries
    ADD COLUMN IF NOT EXISTS utc_offset_seconds integer,
    ADD COLUMN IF NOT EXISTS stop_utc_offset_seconds integer;
COMMENT ON COLUMN toggl.report_time_entries.utc_offset_seconds IS 'UTC offset written in Toggl''s start string, in seconds (+02:00 = 7200): start_at plus this is the wall clock Toggl shows. NULL for a start without offset, and for rows loaded before migration 030 until their window is loaded again.';
COMMENT ON COLUMN toggl.report_time_entries.stop_utc_offset_seconds IS 'UTC offset written in Toggl''s stop string, in seconds; NULL without stop or offset.';

-- Finding every report's row of one entry (the rollups choose among them).
CREATE INDEX IF NOT EXISTS report_time_entries_entry_idx ON toggl.report_time_entries (time_entry_id);

CREATE TABLE IF NOT EXISTS toggl.time_entries (
    time_entry_id            bigint      PRIMARY KEY,
    report_key               text        NOT NULL,
    entry_date               date        NOT NULL,
    start_at                 timestamptz NOT NULL,
    stop_at                  timestamptz,
    utc_offset_seconds       integer,
    stop_utc_offset_seconds  integer,
    seconds                  bigint      NOT NULL,
    is_running               boolean     NOT NULL,
    updated_at               timestamptz,
    user_id                  bigint,
    username                 text,
    project_id               bigint,
    project_name             text,
    client_name              text,
    task_id                  bigint,
    task_name                text,
    description              text,
    billable                 boolean     NOT NULL,
    tag_ids                  bigint[]    NOT NULL,
    tag_names                text[]      NOT NULL,
    hourly_rate_in_cents     bigint,
    currency                 text,
    billable_amount_in_cents bigint,
    loaded_at                timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS time_entries_date_idx ON toggl.time_entries (entry_date);
CREATE INDEX IF NOT EXISTS time_entries_user_idx ON toggl.time_entries (user_id, entry_date);
CREATE INDEX IF NOT EXISTS time_entries_project_idx ON toggl.time_entries (project_id, entry_date);
COMMENT ON TABLE toggl.time_entries IS 'One row per time entry across all shared detailed reports, kept in step with toggl.report_time_entries by its triggers (in the load''s transaction): the row of a report that shows the entry''s money wins over one that hides it, then the most recent load, then the latest Toggl edit, then report_key.';
COMMENT ON COLUMN toggl.time_entries.time_entry_id IS 'Toggl time entry id (unique here).';
COMMENT ON COLUMN toggl.time_entries.report_key IS 'The shared report this row was taken from.';
COMMENT ON COLUMN toggl.time_entries.entry_date IS 'Local date of the entry start, as written in Toggl''s start string.';
COMMENT ON COLUMN toggl.time_entries.start_at IS 'Start of the entry (an instant).';
COMMENT ON COLUMN toggl.time_entries.stop_at IS 'End of the entry; NULL while the timer is running.';
COMMENT ON COLUMN toggl.time_entries.utc_offset_seconds IS 'UTC offset of Toggl''s start string, in seconds; NULL when unknown.';
COMMENT ON COLUMN toggl.time_entries.stop_utc_offset_seconds IS 'UTC offset of Toggl''s stop string, in seconds; NULL when unknown.';
COMMENT ON COLUMN toggl.time_entries.seconds IS 'Duration in seconds.';
COMMENT ON COLUMN toggl.time_entries.is_running IS 'True for a timer still running when fetched.';
COMMENT ON COLUMN toggl.time_entries.updated_at IS 'Toggl''s last modification time of the entry.';
COMMENT ON COLUMN toggl.time_entries.user_id IS 'Toggl user id.';
COMMENT ON COLUMN toggl.time_entries.username IS 'User name shown in the report (may be NULL: names come from the dictionaries).';
COMMENT ON COLUMN toggl.time_entries.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN toggl.time_entries.project_name IS 'Project name shown in the report, if any.';
COMMENT ON COLUMN toggl.time_entries.client_name IS 'Client name shown in the report, if any.';
COMMENT ON COLUMN toggl.time_entries.task_id IS 'Toggl task id; NULL without task.';
COMMENT ON COLUMN toggl.time_entries.task_name IS 'Task name shown in the report, if any.';
COMMENT ON COLUMN toggl.time_entries.description IS 'Entry description, verbatim.';
COMMENT ON COLUMN toggl.time_entries.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN toggl.time_entries.tag_ids IS 'Tag ids of the entry.';
COMMENT ON COLUMN toggl.time_entries.tag_names IS 'Tag names shown in the report, in the order of tag_ids (may be empty: names come from the dictionaries).';
COMMENT ON COLUMN toggl.time_entries.hourly_rate_in_cents IS 'Hourly rate in 1/100 of the currency unit; NULL when hidden or without rate.';
COMMENT ON COLUMN toggl.time_entries.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN toggl.time_entries.billable_amount_in_cents IS 'The entry''s billable amount in 1/100 of the currency unit; NULL when no report shows it (hidden amounts, or no rate).';
COMMENT ON COLUMN toggl.time_entries.loaded_at IS 'When the load that wrote the chosen report row inserted or changed it.';

CREATE TABLE toggl.daily_entry_facts (
    entry_date                date        NOT NULL,
    user_id                   bigint,
    project_id                bigint,
    currency                  text,
    time_entries              integer     NOT NULL,
    seconds                   bigint      NOT NULL,
    billable_seconds          bigint      NOT NULL,
    billable_amount_in_cents  bigint,
    unpriced_billable_seconds bigint      NOT NULL
);
CREATE UNIQUE INDEX daily_entry_facts_key ON toggl.daily_entry_facts (entry_date, user_id, project_id, currency) NULLS NOT DISTINCT;
CREATE INDEX daily_entry_facts_user_idx ON toggl.daily_entry_facts (user_id, entry_date);
COMMENT ON TABLE toggl.daily_entry_facts IS 'toggl.time_entries summed per day x user x project x currency, kept in step by the triggers of toggl.report_time_entries: exact seconds and cents.';
COMMENT ON COLUMN toggl.daily_entry_facts.entry_date IS 'Local date of the entries.';
COMMENT ON COLUMN toggl.daily_entry_facts.user_id IS 'Toggl user id.';
COMMENT ON COLUMN toggl.daily_entry_facts.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN toggl.daily_entry_facts.currency IS 'Currency code, upper case; NULL for entries without one.';
COMMENT ON COLUMN toggl.daily_entry_facts.time_entries IS 'Number of time entries.';
COMMENT ON COLUMN toggl.daily_entry_facts.seconds IS 'Tracked seconds.';
COMMENT ON COLUMN toggl.daily_entry_facts.billable_seconds IS 'Seconds of billable entries.';
COMMENT ON COLUMN toggl.daily_entry_facts.billable_amount_in_cents IS 'Sum of the known billable amounts, in 1/100 of the currency unit; NULL when no entry of the group has a known amount.';
COMMENT ON COLUMN toggl.daily_entry_facts.unpriced_billable_seconds IS 'Seconds of billable entries whose amount is unknown (hidden by every report, or no rate): not in billable_amount_in_cents.';

-- Choose the rows of the given entries again, and sum again the days whose entries changed.
CREATE OR REPLACE FUNCTION toggl.refresh_time_entry_rollups(entry_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    days date[];
BEGIN
    -- Two loads of different reports take turns here; each query below sees what the other committed.
    PERFORM pg_advisory_xact_lock(hashtextextended('toggl-warehouse time entry rollups', 0));
    WITH touched AS (
        SELECT DISTINCT id FROM unnest(entry_ids) AS i(id)
    ), chosen AS (
        SELECT DISTINCT ON (r.time_entry_id)
               r.time_entry_id, r.report_key, r.entry_date, r.start_at, r.stop_at, r.utc_offset_seconds,
               r.stop_utc_offset_seconds, r.seconds, r.is_running, r.updated_at, r.user_id, r.username, r.project_id,
               r.project_name, r.client_name, r.task_id, r.task_name, r.description, r.billable, r.tag_ids, r.tag_names,
               r.hourly_rate_in_cents, upper(r.currency) AS currency, r.billable_amount_in_cents, r.loaded_at
          FROM toggl.report_time_entries r JOIN touched t ON t.id = r.time_entry_id
         ORDER BY r.time_entry_id, (r.billable_amount_in_cents IS NULL), r.loaded_at DESC,
                  r.updated_at DESC NULLS LAST, r.report_key
    ), current AS (
        SELECT e.* FROM toggl.time_entries e JOIN touched t ON t.id = e.time_entry_id
    ), changed AS (
        SELECT coalesce(c.time_entry_id, o.time_entry_id) AS time_entry_id, c.time_entry_id IS NULL AS gone,
               o.entry_date AS old_date, c.entry_date AS new_date
          FROM chosen c FULL JOIN current o ON o.time_entry_id = c.time_entry_id
         WHERE c.time_entry_id IS NULL OR o.time_entry_id IS NULL OR c IS DISTINCT FROM o
    ), removed AS (
        DELETE FROM toggl.time_entries e USING changed x WHERE x.gone AND e.time_entry_id = x.time_entry_id
    ), written AS (
        INSERT INTO toggl.time_entries AS e
        SELECT c.* FROM chosen c JOIN changed x ON x.time_entry_id = c.time_entry_id
        ON CONFLICT (time_entry_id) DO UPDATE SET
            report_key = excluded.report_key, entry_date = excluded.entry_date, start_at = excluded.start_at,
            stop_at = excluded.stop_at, utc_offset_seconds = excluded.utc_offset_seconds,
            stop_utc_offset_seconds = excluded.stop_utc_offset_seconds, seconds = excluded.seconds,
            is_running = excluded.is_running, updated_at = excluded.updated_at, user_id = excluded.user_id,
            username = excluded.username, project_id = excluded.project_id, project_name = excluded.project_name,
            client_name = excluded.client_name, task_id = excluded.task_id, task_name = excluded.task_name,
            description = excluded.description, billable = excluded.billable, tag_ids = excluded.tag_ids,
            tag_names = excluded.tag_names, hourly_rate_in_cents = excluded.hourly_rate_in_cents,
            currency = excluded.currency, billable_amount_in_cents = excluded.billable_amount_in_cents,
            loaded_at = excluded.loaded_at
    )
    SELECT array_agg(DISTINCT d) INTO days
      FROM changed x CROSS JOIN LATERAL (VALUES (x.old_date), (x.new_date)) AS v(d)
     WHERE d IS NOT NULL;
    IF days IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM toggl.daily_entry_facts WHERE entry_date = ANY (days);
    INSERT INTO toggl.daily_entry_facts (entry_date, user_id, project_id, currency, time_entries, seconds,
                                         billable_seconds, billable_amount_in_cents, unpriced_billable_seconds)
    SELECT e.entry_date, e.user_id, e.project_id, e.currency, count(*), sum(e.seconds),
           coalesce(sum(e.seconds) FILTER (WHERE e.billable), 0),
           sum(e.billable_amount_in_cents),
           coalesce(sum(e.seconds) FILTER (WHERE e.billable AND e.billable_amount_in_cents IS NULL), 0)
      FROM toggl.time_entries e
     WHERE e.entry_date = ANY (days)
     GROUP BY e.entry_date, e.user_id, e.project_id, e.currency;
END $$;
COMMENT ON FUNCTION toggl.refresh_time_entry_rollups(bigint[]) IS 'Chooses again the toggl.time_entries rows of the given entry ids from toggl.report_time_entries, and sums again the toggl.daily_entry_facts of every day whose entries changed.';

CREATE OR REPLACE FUNCTION toggl.rebuild_time_entry_rollups() RETURNS void LANGUAGE sql AS $$
    SELECT toggl.refresh_time_entry_rollups(array_agg(id))
      FROM (SELECT time_entry_id FROM toggl.report_time_entries
            UNION SELECT time_entry_id FROM toggl.time_entries) AS every(id);
    DELETE FROM toggl.daily_entry_facts f
     WHERE NOT EXISTS (SELECT 1 FROM toggl.time_entries e WHERE e.entry_date = f.entry_date);
$$;
COMMENT ON FUNCTION toggl.rebuild_time_entry_rollups() IS 'Recomputes toggl.time_entries and toggl.daily_entry_facts from toggl.report_time_entries (a repair; the triggers keep them in step).';

CREATE OR REPLACE FUNCTION toggl.keep_time_entry_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry_ids bigint[];
BEGIN
    -- Writes toggl.time_entries and toggl.daily_entry_facts (through toggl.refresh_time_entry_rollups).
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(n.time_entry_id) INTO entry_ids FROM inserted n;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.time_entry_id) INTO entry_ids FROM updated n;
    ELSE
        SELECT array_agg(o.time_entry_id) INTO entry_ids FROM removed o;
    END IF;
    IF entry_ids IS NOT NULL THEN
        PERFORM toggl.refresh_time_entry_rollups(entry_ids);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION toggl.keep_time_entry_rollups() IS 'Statement trigger of toggl.report_time_entries: refreshes toggl.time_entries and toggl.daily_entry_facts for the entries the statement inserted, updated or deleted.';

DROP TRIGGER IF EXISTS time_entry_rollups_insert ON toggl.report_time_entries;
DROP TRIGGER IF EXISTS time_entry_rollups_update ON toggl.report_time_entries;
DROP TRIGGER IF EXISTS time_entry_rollups_delete ON toggl.report_time_entries;
CREATE TRIGGER time_entry_rollups_insert AFTER INSERT ON toggl.report_time_entries
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION toggl.keep_time_entry_rollups();
CREATE TRIGGER time_entry_rollups_update AFTER UPDATE ON toggl.report_time_entries
    REFERENCING OLD TABLE AS previous NEW TABLE AS updated FOR EACH STATEMENT EXECUTE FUNCTION toggl.keep_time_entry_rollups();
CREATE TRIGGER time_entry_rollups_delete AFTER DELETE ON toggl.report_time_entries
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION toggl.keep_time_entry_rollups();

SELECT toggl.rebuild_time_entry_rollups();
