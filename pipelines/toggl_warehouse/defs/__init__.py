"""This repository's code location as `dg` sees it: one folder per component (`toggl/defs.yaml`)."""
