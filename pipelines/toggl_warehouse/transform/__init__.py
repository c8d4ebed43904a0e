"""Pure transformations from Toggl responses and export files to DataFrames. No I/O here."""
