-- Each time entry once across the detailed reports, and its daily facts, as tables kept in step by the load.
--
-- toggl.time_entries holds one row per time entry, taken from the report rows of toggl.report_time_entries:
-- a row that shows money (billable_amount_in_cents not NULL) wins over one that does not, so a report saved
-- with "hide amounts" never blanks money another report shows; among those, the latest version of the entry.
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

CREATE TABLE IF NOT EXISTS toggl.time_entries (
    time_entry_id            bigint      PRIMARY KEY,
    report_key               text        NOT NULL,
    entry_date               date        NOT NULL,
    user_id                  bigint,
    project_id               bigint,
    currency                 text,
    seconds                  bigint      NOT NULL,
    billable                 boolean     NOT NULL,
    billable_amount_in_cents bigint,
    loaded_at                timestamptz NOT NULL,
    updated_at               timestamptz
);
-- BRIN: rows arrive about in date order, and it costs the load next to nothing to keep (a btree cost 20 %).
CREATE INDEX IF NOT EXISTS time_entries_date_idx ON toggl.time_entries USING brin (entry_date);
CREATE INDEX IF NOT EXISTS time_entries_user_idx ON toggl.time_entries (user_id, entry_date);
COMMENT ON TABLE toggl.time_entries IS 'One row per time entry across all shared detailed reports: which report row shows it (report_key; the rest of the row is read from toggl.report_time_entries) and what the facts sum. Kept in step with toggl.report_time_entries by its triggers, in the load''s transaction: the row of a report that shows the entry''s money wins over one that hides it, then the latest version (Toggl''s last edit, else the latest load); among equals the row already chosen stays, then report_key.';
COMMENT ON COLUMN toggl.time_entries.time_entry_id IS 'Toggl time entry id (unique here).';
COMMENT ON COLUMN toggl.time_entries.report_key IS 'The shared report whose row shows this entry: (report_key, time_entry_id) is that row of toggl.report_time_entries.';
COMMENT ON COLUMN toggl.time_entries.entry_date IS 'Local date of the entry start, as written in Toggl''s start string.';
COMMENT ON COLUMN toggl.time_entries.user_id IS 'Toggl user id.';
COMMENT ON COLUMN toggl.time_entries.project_id IS 'Toggl project id; NULL without project.';
COMMENT ON COLUMN toggl.time_entries.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN toggl.time_entries.seconds IS 'Duration in seconds.';
COMMENT ON COLUMN toggl.time_entries.billable IS 'Whether the entry is billable.';
COMMENT ON COLUMN toggl.time_entries.billable_amount_in_cents IS 'The entry''s billable amount in 1/100 of the currency unit; NULL when no report shows it (hidden amounts, or no rate).';
COMMENT ON COLUMN toggl.time_entries.loaded_at IS 'loaded_at of the chosen report row (the choice compares it).';
COMMENT ON COLUMN toggl.time_entries.updated_at IS 'Toggl''s last edit of the chosen report row (the choice compares it).';

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
-- One row per day x user x project x currency by construction (a day is deleted and summed again as a whole,
-- under the lock below). BRIN: the rows are written in date order; a btree key cost the load 2 s per million.
CREATE INDEX daily_entry_facts_date_idx ON toggl.daily_entry_facts USING brin (entry_date);
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

-- The rows a statement changed, as toggl.keep_time_entry_rollups() hands them to toggl.refresh_time_entry_rollups()
-- (a transition table is only visible to its own trigger function).
CREATE OR REPLACE FUNCTION toggl.rollup_candidates() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.rollup_candidates') IS NULL THEN
        CREATE TEMP TABLE rollup_candidates (
            time_entry_id bigint, report_key text, entry_date date, user_id bigint, project_id bigint, currency text,
            seconds bigint, billable boolean, billable_amount_in_cents bigint, loaded_at timestamptz,
            updated_at timestamptz, deleted boolean
        ) ON COMMIT DROP;
    ELSE
        TRUNCATE pg_temp.rollup_candidates;
    END IF;
END $$;
COMMENT ON FUNCTION toggl.rollup_candidates() IS 'Creates (or empties) the transaction''s temporary table pg_temp.rollup_candidates: the toggl.report_time_entries rows a statement inserted, updated or deleted.';

-- Bring toggl.time_entries and toggl.daily_entry_facts in step with the rows in pg_temp.rollup_candidates.
-- toggl.time_entries always holds, for each entry, a best report row: money shown first, then the latest
-- version (Toggl's last edit, `at`; the latest load when Toggl gives none); among equals the row already
-- chosen stays (a second report over the same entries changes nothing), then report_key. So a changed row of
-- another report than the chosen one only needs comparing with the chosen row; only when the chosen report's own row changed or went (or a
-- statement touched an entry in several reports) are all the entry's report rows read again.
CREATE OR REPLACE FUNCTION toggl.refresh_time_entry_rollups() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    days date[];
BEGIN
    -- Two loads of different reports take turns here; each query below sees what the other committed.
    PERFORM pg_advisory_xact_lock(hashtextextended('toggl-warehouse time entry rollups', 0));
    ANALYZE pg_temp.rollup_candidates;
    WITH several AS (  -- entries a statement touched in more than one report (rare): read again whole
        SELECT time_entry_id FROM pg_temp.rollup_candidates GROUP BY time_entry_id HAVING count(*) > 1
    ), candidate AS (
        SELECT c.*, s.time_entry_id IS NOT NULL AS in_several, o.time_entry_id IS NOT NULL AS has_current,
               o.report_key AS current_report_key, o.entry_date AS current_date,
               ROW(c.billable_amount_in_cents IS NOT NULL, coalesce(c.updated_at, c.loaded_at))
             > ROW(o.billable_amount_in_cents IS NOT NULL, coalesce(o.updated_at, o.loaded_at)) AS better
          FROM pg_temp.rollup_candidates c
          LEFT JOIN several s ON s.time_entry_id = c.time_entry_id
          LEFT JOIN toggl.time_entries o ON o.time_entry_id = c.time_entry_id
    ), replacing AS (  -- a new entry, or a better row than the chosen one of another report
        SELECT c.time_entry_id, c.report_key, c.entry_date, c.user_id, c.project_id, upper(c.currency) AS currency,
               c.seconds, c.billable, c.billable_amount_in_cents, c.loaded_at, c.updated_at,
               NOT c.has_current AS new, c.current_date AS old_date
          FROM candidate c
         WHERE NOT c.in_several AND NOT c.deleted
           AND (NOT c.has_current OR (c.current_report_key <> c.report_key AND c.better))
    ), read_again AS (  -- the chosen report's own row changed or went
        SELECT DISTINCT c.time_entry_id FROM candidate c
         WHERE c.in_several OR (c.has_current AND c.current_report_key = c.report_key)
    ), report_keys AS (  -- the few report keys, found by skipping through the primary key (no index on the id alone)
        WITH RECURSIVE k AS (
            SELECT min(report_key) AS report_key FROM toggl.report_time_entries
            UNION ALL
            SELECT (SELECT min(r.report_key) FROM toggl.report_time_entries r WHERE r.report_key > k.report_key)
              FROM k WHERE k.report_key IS NOT NULL
        )
        SELECT report_key FROM k WHERE report_key IS NOT NULL
    ), read_current AS (
        SELECT e.* FROM toggl.time_entries e JOIN read_again a ON a.time_entry_id = e.time_entry_id
    ), best AS (
        SELECT DISTINCT ON (r.time_entry_id)
               r.time_entry_id, r.report_key, r.entry_date, r.user_id, r.project_id, upper(r.currency) AS currency,
               r.seconds, r.billable, r.billable_amount_in_cents, r.loaded_at, r.updated_at
          FROM report_keys k
          CROSS JOIN read_again a
          JOIN toggl.report_time_entries r ON r.report_key = k.report_key AND r.time_entry_id = a.time_entry_id
          LEFT JOIN read_current o ON o.time_entry_id = r.time_entry_id
         ORDER BY r.time_entry_id, (r.billable_amount_in_cents IS NULL), coalesce(r.updated_at, r.loaded_at) DESC,
                  (r.report_key = o.report_key) DESC NULLS LAST, r.report_key
    ), changed AS (  -- (time_entry_id, its new row or NULLs when gone, new?, gone?, old date)
        SELECT n.*, false AS gone FROM replacing n
        UNION ALL
        SELECT coalesce(n.time_entry_id, o.time_entry_id), n.report_key, n.entry_date, n.user_id, n.project_id,
               n.currency, n.seconds, n.billable, n.billable_amount_in_cents, n.loaded_at, n.updated_at,
               o.time_entry_id IS NULL, o.entry_date, n.time_entry_id IS NULL
          FROM best n FULL JOIN read_current o ON o.time_entry_id = n.time_entry_id
         WHERE n.time_entry_id IS NULL OR o.time_entry_id IS NULL OR n IS DISTINCT FROM o
    ), removed AS (
        DELETE FROM toggl.time_entries e USING changed x WHERE x.gone AND e.time_entry_id = x.time_entry_id
    ), inserted AS (  -- no ON CONFLICT: under the lock above nothing else writes these ids
        INSERT INTO toggl.time_entries
        SELECT x.time_entry_id, x.report_key, x.entry_date, x.user_id, x.project_id, x.currency, x.seconds, x.billable,
               x.billable_amount_in_cents, x.loaded_at, x.updated_at
          FROM changed x WHERE x.new AND NOT x.gone
    ), updated AS (
        UPDATE toggl.time_entries e
           SET report_key = x.report_key, entry_date = x.entry_date, user_id = x.user_id, project_id = x.project_id,
               currency = x.currency, seconds = x.seconds, billable = x.billable,
               billable_amount_in_cents = x.billable_amount_in_cents, loaded_at = x.loaded_at, updated_at = x.updated_at
          FROM changed x
         WHERE NOT x.new AND NOT x.gone AND e.time_entry_id = x.time_entry_id
    )
    SELECT array_agg(DISTINCT d) INTO days
      FROM changed x CROSS JOIN LATERAL (VALUES (x.old_date), (x.entry_date)) AS v(d)
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
     GROUP BY e.entry_date, e.user_id, e.project_id, e.currency
     ORDER BY e.entry_date;
END $$;
COMMENT ON FUNCTION toggl.refresh_time_entry_rollups() IS 'Brings toggl.time_entries and toggl.daily_entry_facts in step with the changed toggl.report_time_entries rows in pg_temp.rollup_candidates: chooses each touched entry''s row again, and sums again the days whose entries changed.';

CREATE OR REPLACE FUNCTION toggl.rebuild_time_entry_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE toggl.time_entries, toggl.daily_entry_facts;
    PERFORM toggl.rollup_candidates();
    INSERT INTO pg_temp.rollup_candidates
    SELECT time_entry_id, report_key, entry_date, user_id, project_id, currency, seconds, billable,
           billable_amount_in_cents, loaded_at, updated_at, false
      FROM toggl.report_time_entries;
    PERFORM toggl.refresh_time_entry_rollups();
END $$;
COMMENT ON FUNCTION toggl.rebuild_time_entry_rollups() IS 'Recomputes toggl.time_entries and toggl.daily_entry_facts from toggl.report_time_entries (a repair; the triggers keep them in step).';

CREATE OR REPLACE FUNCTION toggl.keep_time_entry_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Writes toggl.time_entries and toggl.daily_entry_facts (through toggl.refresh_time_entry_rollups).
    IF TG_OP = 'TRUNCATE' THEN  -- DELETE: a TRUNCATE naming these tables too may be what fired this
        DELETE FROM toggl.time_entries;
        DELETE FROM toggl.daily_entry_facts;
        RETURN NULL;
    END IF;
    PERFORM toggl.rollup_candidates();
    IF TG_OP = 'INSERT' THEN
        INSERT INTO pg_temp.rollup_candidates
        SELECT n.time_entry_id, n.report_key, n.entry_date, n.user_id, n.project_id, n.currency, n.seconds, n.billable,
               n.billable_amount_in_cents, n.loaded_at, n.updated_at, false FROM inserted n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO pg_temp.rollup_candidates
        SELECT n.time_entry_id, n.report_key, n.entry_date, n.user_id, n.project_id, n.currency, n.seconds, n.billable,
               n.billable_amount_in_cents, n.loaded_at, n.updated_at, false FROM updated n;
    ELSE
        INSERT INTO pg_temp.rollup_candidates
        SELECT o.time_entry_id, o.report_key, o.entry_date, o.user_id, o.project_id, o.currency, o.seconds, o.billable,
               o.billable_amount_in_cents, o.loaded_at, o.updated_at, true FROM removed o;
    END IF;
    PERFORM toggl.refresh_time_entry_rollups();
    RETURN NULL;
END $$;
COMMENT ON FUNCTION toggl.keep_time_entry_rollups() IS 'Statement trigger of toggl.report_time_entries: refreshes toggl.time_entries and toggl.daily_entry_facts for the rows the statement inserted, updated or deleted (and empties them on TRUNCATE).';

DROP TRIGGER IF EXISTS time_entry_rollups_insert ON toggl.report_time_entries;
DROP TRIGGER IF EXISTS time_entry_rollups_update ON toggl.report_time_entries;
DROP TRIGGER IF EXISTS time_entry_rollups_delete ON toggl.report_time_entries;
DROP TRIGGER IF EXISTS time_entry_rollups_truncate ON toggl.report_time_entries;
CREATE TRIGGER time_entry_rollups_insert AFTER INSERT ON toggl.report_time_entries
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION toggl.keep_time_entry_rollups();
CREATE TRIGGER time_entry_rollups_update AFTER UPDATE ON toggl.report_time_entries
    REFERENCING OLD TABLE AS previous NEW TABLE AS updated FOR EACH STATEMENT EXECUTE FUNCTION toggl.keep_time_entry_rollups();
CREATE TRIGGER time_entry_rollups_delete AFTER DELETE ON toggl.report_time_entries
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION toggl.keep_time_entry_rollups();
CREATE TRIGGER time_entry_rollups_truncate AFTER TRUNCATE ON toggl.report_time_entries
    FOR EACH STATEMENT EXECUTE FUNCTION toggl.keep_time_entry_rollups();

SELECT toggl.rebuild_time_entry_rollups();
