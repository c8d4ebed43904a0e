-- Late-edit audit: every insert, update and delete a load applies to toggl.report_time_entries.
-- Written by statement-level triggers with transition tables (set-based: one INSERT per load statement,
-- not one per row). The load names its fetch in the transaction-local setting toggl_warehouse.fetch_id.

CREATE TABLE IF NOT EXISTS toggl.time_entry_changes (
    change_id                       bigserial   PRIMARY KEY,
    changed_at                      timestamptz NOT NULL DEFAULT now(),
    fetch_id                        bigint,
    report_key                      text        NOT NULL,
    time_entry_id                   bigint      NOT NULL,
    change                          text        NOT NULL,
    entry_date_before               date,
    entry_date_after                date,
    seconds_before                  bigint,
    seconds_after                   bigint,
    billable_amount_in_cents_before bigint,
    billable_amount_in_cents_after  bigint,
    currency_before                 text,
    currency_after                  text,
    project_id_before               bigint,
    project_id_after                bigint,
    project_name_before             text,
    project_name_after              text,
    user_id_before                  bigint,
    user_id_after                   bigint,
    description_before              text,
    description_after               text,
    CONSTRAINT time_entry_changes_kind CHECK (change IN ('insert', 'update', 'delete'))
);
CREATE INDEX IF NOT EXISTS time_entry_changes_entry_idx ON toggl.time_entry_changes (report_key, time_entry_id, changed_at);
CREATE INDEX IF NOT EXISTS time_entry_changes_fetch_idx ON toggl.time_entry_changes (fetch_id);

COMMENT ON TABLE toggl.time_entry_changes IS 'Every insert, update and delete a load applied to toggl.report_time_entries, with before and after values: what changed in Toggl after it was first loaded (late edits, moves, deletions). Append-only; an unchanged re-load adds nothing.';
COMMENT ON COLUMN toggl.time_entry_changes.change_id IS 'Surrogate key, in the order changes were applied.';
COMMENT ON COLUMN toggl.time_entry_changes.changed_at IS 'When the load that applied the change committed its transaction (its start time).';
COMMENT ON COLUMN toggl.time_entry_changes.fetch_id IS 'The fetch (toggl_raw.fetches) the load came from; its dagster_run_id names the run. NULL for a change made outside toggl-warehouse.';
COMMENT ON COLUMN toggl.time_entry_changes.report_key IS 'Name of the shared report.';
COMMENT ON COLUMN toggl.time_entry_changes.time_entry_id IS 'Toggl time entry id.';
COMMENT ON COLUMN toggl.time_entry_changes.change IS 'insert (first seen), update (a value changed in Toggl, e.g. edited or moved to another day) or delete (gone from its day in Toggl).';
COMMENT ON COLUMN toggl.time_entry_changes.entry_date_before IS 'Local date of the entry before the change; NULL for an insert.';
COMMENT ON COLUMN toggl.time_entry_changes.entry_date_after IS 'Local date of the entry after the change; NULL for a delete.';
COMMENT ON COLUMN toggl.time_entry_changes.seconds_before IS 'Tracked seconds before the change.';
COMMENT ON COLUMN toggl.time_entry_changes.seconds_after IS 'Tracked seconds after the change.';
COMMENT ON COLUMN toggl.time_entry_changes.billable_amount_in_cents_before IS 'The entry''s billable amount in cents before the change (NULL when hidden or not billable).';
COMMENT ON COLUMN toggl.time_entry_changes.billable_amount_in_cents_after IS 'The entry''s billable amount in cents after the change.';
COMMENT ON COLUMN toggl.time_entry_changes.currency_before IS 'Currency of the amount before the change.';
COMMENT ON COLUMN toggl.time_entry_changes.currency_after IS 'Currency of the amount after the change.';
COMMENT ON COLUMN toggl.time_entry_changes.project_id_before IS 'Toggl project id before the change.';
COMMENT ON COLUMN toggl.time_entry_changes.project_id_after IS 'Toggl project id after the change.';
COMMENT ON COLUMN toggl.time_entry_changes.project_name_before IS 'Project name before the change.';
COMMENT ON COLUMN toggl.time_entry_changes.project_name_after IS 'Project name after the change.';
COMMENT ON COLUMN toggl.time_entry_changes.user_id_before IS 'Toggl user id before the change.';
COMMENT ON COLUMN toggl.time_entry_changes.user_id_after IS 'Toggl user id after the change.';
COMMENT ON COLUMN toggl.time_entry_changes.description_before IS 'Description before the change.';
COMMENT ON COLUMN toggl.time_entry_changes.description_after IS 'Description after the change.';

CREATE OR REPLACE FUNCTION toggl.log_time_entry_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    from_fetch bigint := nullif(current_setting('toggl_warehouse.fetch_id', true), '')::bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO toggl.time_entry_changes (fetch_id, report_key, time_entry_id, change, entry_date_after,
               seconds_after, billable_amount_in_cents_after, currency_after, project_id_after, project_name_after,
               user_id_after, description_after)
        SELECT from_fetch, n.report_key, n.time_entry_id, 'insert', n.entry_date, n.seconds, n.billable_amount_in_cents,
               n.currency, n.project_id, n.project_name, n.user_id, n.description
          FROM inserted n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO toggl.time_entry_changes (fetch_id, report_key, time_entry_id, change,
               entry_date_before, entry_date_after, seconds_before, seconds_after,
               billable_amount_in_cents_before, billable_amount_in_cents_after, currency_before, currency_after,
               project_id_before, project_id_after, project_name_before, project_name_after,
               user_id_before, user_id_after, description_before, description_after)
        SELECT from_fetch, n.report_key, n.time_entry_id, 'update', o.entry_date, n.entry_date, o.seconds, n.seconds,
               o.billable_amount_in_cents, n.billable_amount_in_cents, o.currency, n.currency,
               o.project_id, n.project_id, o.project_name, n.project_name, o.user_id, n.user_id,
               o.description, n.description
          FROM updated n JOIN previous o USING (report_key, time_entry_id);
    ELSE
        INSERT INTO toggl.time_entry_changes (fetch_id, report_key, time_entry_id, change, entry_date_before,
               seconds_before, billable_amount_in_cents_before, currency_before, project_id_before, project_name_before,
               user_id_before, description_before)
        SELECT from_fetch, o.report_key, o.time_entry_id, 'delete', o.entry_date, o.seconds, o.billable_amount_in_cents,
               o.currency, o.project_id, o.project_name, o.user_id, o.description
          FROM removed o;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION toggl.log_time_entry_changes() IS 'Statement trigger of toggl.report_time_entries: appends the statement''s inserted, updated or deleted rows to toggl.time_entry_changes.';

DROP TRIGGER IF EXISTS time_entry_changes_insert ON toggl.report_time_entries;
DROP TRIGGER IF EXISTS time_entry_changes_update ON toggl.report_time_entries;
DROP TRIGGER IF EXISTS time_entry_changes_delete ON toggl.report_time_entries;
CREATE TRIGGER time_entry_changes_insert AFTER INSERT ON toggl.report_time_entries
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION toggl.log_time_entry_changes();
CREATE TRIGGER time_entry_changes_update AFTER UPDATE ON toggl.report_time_entries
    REFERENCING OLD TABLE AS previous NEW TABLE AS updated FOR EACH STATEMENT EXECUTE FUNCTION toggl.log_time_entry_changes();
CREATE TRIGGER time_entry_changes_delete AFTER DELETE ON toggl.report_time_entries
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION toggl.log_time_entry_changes();

CREATE OR REPLACE VIEW reporting.time_entry_changes AS
SELECT c.change_id,
       c.changed_at,
       c.report_key,
       c.time_entry_id,
       c.change,
       f.dagster_run_id,
       c.fetch_id,
       c.entry_date_before,
       c.entry_date_after,
       round(c.seconds_before::numeric / 3600, 6)                           AS hours_before,
       round(c.seconds_after::numeric / 3600, 6)                            AS hours_after,
       round(coalesce(c.seconds_after, 0)::numeric / 3600 - coalesce(c.seconds_before, 0)::numeric / 3600, 6) AS hours_delta,
       (c.billable_amount_in_cents_before::numeric / 100)                   AS billable_amount_before,
       (c.billable_amount_in_cents_after::numeric / 100)                    AS billable_amount_after,
       upper(coalesce(c.currency_after, c.currency_before))                AS currency,
       c.project_name_before,
       c.project_name_after,
       c.user_id_before,
       c.user_id_after,
       c.description_before,
       c.description_after
  FROM toggl.time_entry_changes c
  LEFT JOIN toggl_raw.fetches f ON f.fetch_id = c.fetch_id;
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
COMMENT ON COLUMN reporting.time_entry_changes.hours_before IS 'Hours before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.hours_after IS 'Hours after the change.';
COMMENT ON COLUMN reporting.time_entry_changes.hours_delta IS 'Hours after minus hours before (a delete is negative, an insert positive).';
COMMENT ON COLUMN reporting.time_entry_changes.billable_amount_before IS 'Billable amount before the change, in currency units (NULL when hidden or not billable).';
COMMENT ON COLUMN reporting.time_entry_changes.billable_amount_after IS 'Billable amount after the change, in currency units.';
COMMENT ON COLUMN reporting.time_entry_changes.currency IS 'Currency code, upper case.';
COMMENT ON COLUMN reporting.time_entry_changes.project_name_before IS 'Project name before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.project_name_after IS 'Project name after the change.';
COMMENT ON COLUMN reporting.time_entry_changes.user_id_before IS 'Toggl user id before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.user_id_after IS 'Toggl user id after the change.';
COMMENT ON COLUMN reporting.time_entry_changes.description_before IS 'Description before the change.';
COMMENT ON COLUMN reporting.time_entry_changes.description_after IS 'Description after the change.';
