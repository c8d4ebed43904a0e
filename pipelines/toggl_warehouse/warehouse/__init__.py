"""The Postgres infrastructure: finding or starting the database, migrations, table declarations, roles."""
