-- No rate means null money (issue 16): Toggl sends billable_amount_in_cents and hourly_rate_in_cents as null on
-- work no rate applies to; they are stored NULL (unpriced is not free), as hidden amounts are. The labour cost a
-- report hiding its amounts still carries is kept. Comments only: the columns are nullable since 020.

COMMENT ON COLUMN toggl.report_time_entries.hourly_rate_in_cents IS 'Hourly rate applied, in 1/100 of the currency unit; NULL when no rate applies (Toggl sends null).';
COMMENT ON COLUMN toggl.report_time_entries.row_billable_amount_in_cents IS 'Billable amount of the whole report row this entry was grouped in, in 1/100 of the currency unit; NULL when no rate applies (Toggl sends null: unpriced, not free) or when the report hides amounts (hide_amounts).';
COMMENT ON COLUMN toggl.report_time_entries.billable_amount_in_cents IS 'This entry''s share of its row''s billable amount, pro rata by seconds with largest-remainder rounding: shares sum to the row amount to the cent. In 1/100 of the currency unit; NULL when no rate applies or the report hides amounts; 0 when Toggl says zero.';
COMMENT ON COLUMN toggl.report_totals.labour_cost_in_cents IS 'Total labour cost in 1/100 of the currency unit, kept when the report hides its billable amounts; NULL when Toggl does not send it.';
COMMENT ON COLUMN toggl.report_totals_graph.labour_cost_in_cents IS 'Labour cost in the bucket, in 1/100 of the currency unit, kept when the report hides its billable amounts; NULL when Toggl does not send it.';
