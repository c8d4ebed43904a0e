"""Dagster assets, one module per source: thin wrappers that call extract -> check -> load and report metadata."""
