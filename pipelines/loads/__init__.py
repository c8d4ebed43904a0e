"""Source loads without Dagster: fetch from Toggl, land raw, flatten and replace a window in one transaction."""
