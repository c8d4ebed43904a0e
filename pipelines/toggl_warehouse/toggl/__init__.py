"""The Toggl side: the HTTP client (auth, pacing, retries, quota), its errors, and the local API emulator. No Dagster."""
