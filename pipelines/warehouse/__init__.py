"""The Postgres side: finding the database, migrations, staged window loads and raw landing."""
