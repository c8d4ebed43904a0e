"""Extract stage: fetch Toggl pages and commit each to toggl_raw as it arrives, under a fetch record."""
