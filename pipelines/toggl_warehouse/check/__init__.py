"""Check stage: a stored fetch is loaded only when it is complete, well-shaped and adds up to Toggl's totals."""
