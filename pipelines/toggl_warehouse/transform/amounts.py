"""Integer money and counts: this module owns reading integer amounts (cents, seconds) from JSON values
that may arrive as numbers or strings, whether a report response hides its amounts (``amounts_hidden``),
and the largest-remainder split that gives each time entry of a
grouped report row its share of the row's billable amount in integer cents, so that the shares always add
up to the row amount exactly. Integer arithmetic only; a fraction is refused, never silently rounded.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

AMOUNT_DTYPE = "Int64"
"""Dtype of every money column a flattener returns: nullable, so a hidden amount is ``pd.NA``, never 0."""


def amounts_hidden(body: Mapping[str, Any] | None) -> bool:
    """Whether a shared report response hides its money (the report was saved with ``hide_amounts: true``).

    Toggl then serves its amounts as 0, null or not at all (which one is undocumented); the flatteners,
    given ``amounts_hidden=True``, return ``pd.NA`` for every amount instead of reading them, and a check
    that compares loaded cents with Toggl's totals must skip the cents of such a response.

    Args:
        body: A decoded shared report response (any page of it); ``None`` is read as empty.

    Returns:
        True only when the response's ``hide_amounts`` is JSON ``true`` (or the text ``"true"``).
    """
    flag = (body or {}).get("hide_amounts")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def amount_array(values: Sequence[int | None], hidden: bool) -> pd.arrays.IntegerArray:
    """Integer cents as a nullable ``Int64`` array (None -> ``pd.NA``: unpriced); every element ``pd.NA`` when the
    amounts are hidden."""
    if hidden:
        return pd.array([pd.NA] * len(values), dtype=AMOUNT_DTYPE)
    if any(value is None for value in values):
        return pd.array([pd.NA if value is None else value for value in values], dtype=AMOUNT_DTYPE)
    return pd.array(np.asarray(values, dtype=np.int64), dtype=AMOUNT_DTYPE)


def to_int(value: object) -> int:
    """Read an integer amount from a JSON value: a number, a numeric string, or nothing.

    Args:
        value: An int, an integral float (``12.0``), a numeric string (``"12"``, ``" 12.0 "``),
            or ``None`` / ``""`` for a missing value.

    Returns:
        The integer; 0 for a missing value.

    Raises:
        ValueError: The value is not a number or has a fractional part (money is never rounded here).
    """
    if type(value) is int:  # the common case, first
        return value
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got a boolean: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0
        try:
            return int(text)
        except ValueError:
            try:
                value = Decimal(text)
            except InvalidOperation:
                raise ValueError(f"expected an integer, got {value!r}") from None
    try:
        integral = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"expected an integer, got {value!r}") from None
    if integral != value:
        raise ValueError(f"expected an integer, got a fraction: {value!r}")
    return integral


def split_pro_rata(amount: int, weights: Sequence[int]) -> list[int]:
    """Split an integer amount among positions pro rata by weight, with largest-remainder rounding.

    Each position first gets ``floor(|amount| * weight / total)``; the cents left over go one each to the
    positions with the largest remainders, ties going to the earlier position. Negative weights count as 0;
    when every weight is 0 the amount is split equally (same rounding). A negative amount is split as its
    absolute value and every share negated, so ``split(-a, w) == [-s for s in split(a, w)]``.

    Args:
        amount: The amount to split, in integer cents (may be negative).
        weights: One integer weight per position (seconds of each time entry).

    Returns:
        One integer share per position, in the order of ``weights``; the shares sum to ``amount``.

    Raises:
        ValueError: ``weights`` is empty while ``amount`` is not 0.
        TypeError: ``amount`` or a weight is not an integer (floats are refused, not truncated).
    """
    amount = operator.index(amount)
    clamped = [weight if weight > 0 else 0 for weight in map(operator.index, weights)]
    if not clamped:
        if amount != 0:
            raise ValueError(f"cannot split a non-zero amount ({amount}) among no entries")
        return []
    if len(clamped) == 1:
        return [amount]
    total = sum(clamped)
    if total == 0:
        clamped = [1] * len(clamped)
        total = len(clamped)
    magnitude = abs(amount)
    shares = [magnitude * weight // total for weight in clamped]
    leftover = magnitude - sum(shares)  # always < len(shares): the remainders sum to leftover * total
    if leftover:
        remainders = [magnitude * weight % total for weight in clamped]
        # sorted() is stable even with reverse=True, so equal remainders keep the earlier position first
        for position in sorted(range(len(shares)), key=remainders.__getitem__, reverse=True)[:leftover]:
            shares[position] += 1
    if amount < 0:
        return [-share for share in shares]
    return shares
