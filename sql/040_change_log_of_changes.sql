-- The change log records changes, not first loads.
--
-- A load names, in the transaction-local setting toggl_warehouse.first_load_dates (a datemultirange), the dates
-- of its range that no earlier load of the report covered (no stored window of toggl.report_totals). Rows it
-- inserts dated there are the first sight of those days, not a change in Toggl: the insert trigger leaves them
-- out, so a backfill of a year writes no row here (it wrote one "insert" per entry before). An entry added to a
-- day already loaded, an edit, a move and a delete are recorded as before; an update that changes none of the
-- logged values (say a tag, or a column a migration added being filled by the next load) is not. Rows already in
-- the log are kept.
-- No table is rewritten: this replaces one trigger function and two comments.

CREATE OR REPLACE FUNCTION toggl.log_time_entry_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    from_fetch bigint := nullif(current_setting('toggl_warehouse.fetch_id', true), '')::bigint;
    first_seen datemultirange := coalesce(nullif(current_setting('toggl_warehouse.first_load_dates', true), '')::datemultirange,
                                          '{}'::datemultirange);
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO toggl.time_entry_changes (fetch_id, report_key, time_entry_id, change, entry_date_after,
               seconds_after, billable_amount_in_cents_after, currency_after, project_id_after, project_name_after,
               user_id_after, description_after)
        SELECT from_fetch, n.report_key, n.time_entry_id, 'insert', n.entry_date, n.seconds, n.billable_amount_in_cents,
               n.currency, n.project_id, n.project_name, n.user_id, n.description
          FROM inserted n
         WHERE NOT (n.entry_date <@ first_seen);
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
          FROM updated n JOIN previous o USING (report_key, time_entry_id)
         WHERE (o.entry_date, o.seconds, o.billable_amount_in_cents, o.currency, o.project_id, o.project_name, o.user_id,
                o.description)
               IS DISTINCT FROM (n.entry_date, n.seconds, n.billable_amount_in_cents, n.currency, n.project_id,
                                 n.project_name, n.user_id, n.description);
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
COMMENT ON FUNCTION toggl.log_time_entry_changes() IS 'Statement trigger of toggl.report_time_entries: appends the statement''s deleted rows, its updated rows whose logged values changed, and its inserted rows dated outside the load''s first-loaded dates (toggl_warehouse.first_load_dates), to toggl.time_entry_changes.';

COMMENT ON TABLE toggl.time_entry_changes IS 'What changed in Toggl after it was first loaded: every update and delete a load applied to toggl.report_time_entries, and every entry that appeared on a day already loaded, with before and after values (late edits, moves, additions, deletions). The first load of a day records nothing. Append-only; an unchanged re-load adds nothing.';
