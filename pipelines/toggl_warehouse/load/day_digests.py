"""The digest of each day a load left in its table, recorded per fetch in `toggl_raw.fetch_day_digests`.

After a window replace the table holds, for each day of the window, exactly the rows the fetch gave: their md5
(loaded_at removed, which a replay changes) says what the fetch said about that day. Retention
(`extract.retention`) keeps an older fetch in place of a newer one for a day when both digests agree. Runs in the
load's transaction; a replay of the same fetch writes the same values again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from psycopg import sql


def record_day_digests(
    conn: sa.Connection, fetch_id: int, table: str, equals: Mapping[str, object], date_column: str, start: date, end: date
) -> None:
    """Record, for every day of [start, end], the rows of `table` matching `equals` dated that day."""
    schema, name = table.split(".")
    conditions = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(column)) for column in equals)
    row = sql.SQL("(to_jsonb(t) - 'loaded_at')::text")
    statement = sql.SQL(
        "INSERT INTO toggl_raw.fetch_day_digests (fetch_id, day, rows, digest) "
        "SELECT %s, d::date, coalesce(x.rows, 0), coalesce(x.digest, '') "
        "FROM generate_series(%s::date, %s::date, interval '1 day') AS d "
        "LEFT JOIN (SELECT {day} AS day, count(*) AS rows, md5(string_agg({row}, '|' ORDER BY {row})) AS digest "
        "           FROM {table} t WHERE {conditions} AND {day} BETWEEN %s AND %s GROUP BY {day}) x ON x.day = d::date "
        "ON CONFLICT (fetch_id, day) DO UPDATE SET rows = EXCLUDED.rows, digest = EXCLUDED.digest"
    ).format(day=sql.Identifier(date_column), row=row, table=sql.Identifier(schema, name), conditions=conditions)
    conn.connection.driver_connection.execute(statement, (fetch_id, start, end, *equals.values(), start, end))
