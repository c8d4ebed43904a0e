"""Check of a profitability export file: its rows are whole periods of the requested resolution inside the range.

Otherwise the file is not what was asked for (e.g. weeks starting on Sunday) and must not be merged.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from toggl_warehouse.dates import period_start
from toggl_warehouse.toggl import errors


def check_periods(frame: pd.DataFrame, start: date, end: date, resolution: str, source_name: str) -> None:
    """Every row's period must start a period of the requested resolution inside the requested range;
    otherwise the file is not what was asked for (e.g. weeks starting on Sunday) and must not be merged."""
    for value in sorted(set(frame["period_start"])):
        if not (start <= value <= end):
            raise errors.TogglResponseError(
                f"{source_name}: a row has period {value}, outside the requested range {start}..{end}"
            )
        if period_start(value, resolution) != value:
            expected = "a Monday" if resolution == "week" else "the 1st of a month"
            raise errors.TogglResponseError(
                f"{source_name}: a row has period {value}, which is not {expected}; "
                f"toggl-warehouse expects {resolution} periods to start on {expected}"
            )
