"""The capture kit: record what Toggl answers (secrets removed, names pseudonymised) to replay it as a test."""
