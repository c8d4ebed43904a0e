"""Dagster assets, one module per source: fetch -> land raw -> flatten -> load -> metadata."""
