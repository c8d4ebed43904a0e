"""The Toggl side: API client, errors, Dagster resource and the local API emulator."""
