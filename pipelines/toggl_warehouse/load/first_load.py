"""Which dates a load of a shared report sees for the first time, named for the change log's trigger.

A date is loaded once a window of the report covering it is stored in `toggl.report_totals` (every load stores
one row set per fetched window, so its windows are exactly the dates loaded so far; a failed load leaves none).
The dates of [start, end] outside those windows go into the transaction-local setting
`toggl_warehouse.first_load_dates`: the insert trigger of `toggl.report_time_entries` (migration 040) records no
"insert" for rows dated there, since a first sight of a day is not a change in Toggl.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa


def name_first_loaded_dates(conn: sa.Connection, report_key: str, start: date, end: date) -> str:
    """Set `toggl_warehouse.first_load_dates` (for this transaction) to the dates of [start, end] that no stored
    window of `report_key` covers; return them as Postgres writes a datemultirange ('{}' when none)."""
    return conn.connection.driver_connection.execute(
        "SELECT set_config('toggl_warehouse.first_load_dates', "
        "  (datemultirange(daterange(%(start)s, %(end)s, '[]')) "
        "   - coalesce(range_agg(daterange(window_start, window_end, '[]')), '{}'::datemultirange))::text, true) "
        "FROM toggl.report_totals WHERE report_key = %(key)s AND window_start <= %(end)s AND window_end >= %(start)s",
        {"start": start, "end": end, "key": report_key},
    ).fetchone()[0]
