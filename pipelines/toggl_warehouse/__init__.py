"""toggl-warehouse: a Dagster code location that lands Toggl Track data in a Postgres warehouse."""
