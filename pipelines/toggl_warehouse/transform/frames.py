"""A flattener's column as a pandas Series of the dtype the warehouse declaration gives it.

`TableSpec.dtypes` (``toggl_warehouse.warehouse.tables``) says each loaded column's dtype, derived from its
Postgres type and nullability; the flatteners build their frames through :func:`column` and :func:`frame`
instead of restating which column is an integer, a nullable integer, a boolean or a timestamp.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd

from toggl_warehouse.warehouse.tables import TableSpec

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
_NAT = np.iinfo(np.int64).min  # NaT as datetime64


def column(values: Sequence[Any], dtype: str) -> pd.Series:
    """`values` as a Series of `dtype` (one of `Column.pandas_dtype`'s); None is NA/NaT where the dtype has one."""
    count = len(values)
    if dtype == "int64":
        return pd.Series(np.fromiter(values, dtype=np.int64, count=count))
    if dtype == "bool":
        return pd.Series(np.fromiter(values, dtype=bool, count=count))
    if dtype in ("Int64", "boolean"):
        return pd.Series(pd.array(values, dtype=dtype))
    if dtype == "datetime64[us, UTC]":
        return pd.Series(utc_timestamps(values))
    # text, dates, lists and dicts as objects (lists stay elements; pandas 3 would make text str, None NaN)
    return pd.Series(np.fromiter(values, dtype=object, count=count), dtype=object)


def frame(spec: TableSpec, values: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """The frame of `spec`'s loaded columns, in table order, each of its declared dtype (`values[name]` as given
    when it is already a Series)."""
    return pd.DataFrame({
        name: values[name] if isinstance(values[name], pd.Series) else column(values[name], dtype)
        for name, dtype in spec.dtypes.items()
    })


def utc_timestamps(values: Sequence[datetime | None]) -> pd.DatetimeIndex:
    """Aware datetimes (None -> NaT) as ``datetime64[us, UTC]``, exact to the microsecond."""
    epoch, microsecond, missing = _EPOCH, _MICROSECOND, _NAT
    micros = np.fromiter(
        [missing if value is None else (value - epoch) // microsecond for value in values],
        dtype=np.int64,
        count=len(values),
    )
    return pd.DatetimeIndex(micros.view("datetime64[us]")).tz_localize(timezone.utc)
