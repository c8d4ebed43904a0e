-- Schemas of the warehouse: raw landing, flattened tables, BI views.
CREATE SCHEMA IF NOT EXISTS toggl_raw;
CREATE SCHEMA IF NOT EXISTS toggl;
CREATE SCHEMA IF NOT EXISTS reporting;

COMMENT ON SCHEMA toggl_raw IS 'Every Toggl API response exactly as received (JSON as jsonb, files as bytes), so tables can be rebuilt without the API.';
COMMENT ON SCHEMA toggl IS 'Flattened Toggl tables, replaced window by window by toggl-warehouse.';
COMMENT ON SCHEMA reporting IS 'Views for BI tools: hours as numeric hours, money in currency units, names resolved.';
