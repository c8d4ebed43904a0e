-- Hidden amounts: a shared report saved with hide_amounts: true has its money stored as NULL, not 0.
-- NULL in a money column means "Toggl hid it"; 0 means "Toggl said zero".

ALTER TABLE toggl.report_time_entries
    ALTER COLUMN row_billable_amount_in_cents DROP NOT NULL,
    ALTER COLUMN row_billable_amount_in_cents DROP DEFAULT,
    ALTER COLUMN billable_amount_in_cents DROP NOT NULL,
    ALTER COLUMN billable_amount_in_cents DROP DEFAULT;
ALTER TABLE toggl.report_totals
    ALTER COLUMN billable_amount_in_cents DROP NOT NULL,
    ALTER COLUMN billable_amount_in_cents DROP DEFAULT,
    ALTER COLUMN labour_cost_in_cents DROP NOT NULL,
    ALTER COLUMN labour_cost_in_cents DROP DEFAULT;
ALTER TABLE toggl.report_totals_graph
    ALTER COLUMN billable_amount_in_cents DROP NOT NULL,
    ALTER COLUMN billable_amount_in_cents DROP DEFAULT,
    ALTER COLUMN labour_cost_in_cents DROP NOT NULL,
    ALTER COLUMN labour_cost_in_cents DROP DEFAULT;
ALTER TABLE toggl.report_weekly
    ALTER COLUMN billable_amount_in_cents DROP NOT NULL,
    ALTER COLUMN billable_amount_in_cents DROP DEFAULT;

COMMENT ON COLUMN toggl.report_time_entries.row_billable_amount_in_cents IS 'Billable amount of the whole report row this entry was grouped in, in 1/100 of the currency unit; NULL when the report hides amounts (hide_amounts).';
COMMENT ON COLUMN toggl.report_time_entries.billable_amount_in_cents IS 'This entry''s share of its row''s billable amount, pro rata by seconds with largest-remainder rounding: shares sum to the row amount to the cent. In 1/100 of the currency unit; NULL when the report hides amounts.';
COMMENT ON COLUMN toggl.report_totals.billable_amount_in_cents IS 'Total billable amount in 1/100 of the currency unit; NULL when the report hides amounts.';
COMMENT ON COLUMN toggl.report_totals.labour_cost_in_cents IS 'Total labour cost in 1/100 of the currency unit; NULL when the report hides amounts.';
COMMENT ON COLUMN toggl.report_totals_graph.billable_amount_in_cents IS 'Billable amount in the bucket, in 1/100 of the currency unit; NULL when the report hides amounts.';
COMMENT ON COLUMN toggl.report_totals_graph.labour_cost_in_cents IS 'Labour cost in the bucket, in 1/100 of the currency unit; NULL when the report hides amounts.';
COMMENT ON COLUMN toggl.report_totals_graph.by_rate IS 'Toggl''s by_rate object for the bucket, as received; {} when the report hides amounts.';
COMMENT ON COLUMN toggl.report_weekly.billable_amount_in_cents IS 'Billable amount of the row on this day, in 1/100 of the currency unit; NULL when the report hides amounts.';
COMMENT ON COLUMN toggl.report_summary.rates IS 'Toggl''s per-rate list of the sub-group ([{hourly_rate_in_cents, currency, billable_seconds}]) as received; [] when the response carries none; money inside it is null when the report hides amounts.';
