"""Unit tests of toggl_warehouse.transform.amounts.

Covers split_pro_rata: exact largest-remainder results (awkward thirds, zero weights, all-zero weights,
negative weights, ties to the earlier position, negative amounts, huge amounts, single entry), the errors
(empty weights with an amount, floats), and properties over many seeded random cases (shares sum to the
amount, each share within one cent of its exact quota, symmetry for negative amounts, determinism).
Covers to_int: ints, integral floats, numeric strings, missing values, and refused fractions.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from toggl_warehouse.transform.amounts import split_pro_rata, to_int


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        pytest.param(100, [1, 1, 1], [34, 33, 33], id="thirds-first-gets-the-cent"),
        pytest.param(100, [3600, 3600, 3600], [34, 33, 33], id="thirds-in-seconds"),
        pytest.param(-100, [1, 1, 1], [-34, -33, -33], id="negative-thirds"),
        pytest.param(100, [0, 0, 0], [34, 33, 33], id="all-zero-split-equally"),
        pytest.param(2, [0, 0, 0], [1, 1, 0], id="all-zero-ties-to-earlier"),
        pytest.param(2, [1, 1, 1], [1, 1, 0], id="ties-to-earlier"),
        pytest.param(1, [5, 5], [1, 0], id="one-cent-two-equal"),
        pytest.param(10, [3600, 0, 1800], [7, 0, 3], id="zero-second-entry-gets-nothing"),
        pytest.param(1000, [3600, 0, 1800], [667, 0, 333], id="zero-second-entry-1000"),
        pytest.param(10, [-5, 5], [0, 10], id="negative-weight-counts-as-zero"),
        pytest.param(10, [-5, -5], [5, 5], id="all-negative-split-equally"),
        pytest.param(7, [1, 2, 4], [1, 2, 4], id="exact"),
        pytest.param(10, [1, 2, 3, 4], [1, 2, 3, 4], id="exact-four"),
        pytest.param(5, [1, 1, 3], [1, 1, 3], id="exact-uneven"),
        pytest.param(3, [2, 1, 1, 2], [1, 1, 0, 1], id="equal-remainders-earlier-wins"),
        pytest.param(10, [1, 1, 2, 3], [2, 1, 3, 4], id="largest-remainder-first-then-earlier"),
        pytest.param(0, [10, 20], [0, 0], id="zero-amount"),
        pytest.param(123, [0], [123], id="single-zero-weight"),
        pytest.param(123, [-9], [123], id="single-negative-weight"),
        pytest.param(-7, [1, 1], [-4, -3], id="negative-odd"),
        pytest.param(10**15 + 1, [1, 1], [500_000_000_000_001, 500_000_000_000_000], id="huge-amount-exact"),
        pytest.param(0, [], [], id="empty-zero"),
    ],
)
def test_split_pro_rata_exact(amount: int, weights: list[int], expected: list[int]) -> None:
    assert split_pro_rata(amount, weights) == expected


def test_split_pro_rata_accepts_any_sequence() -> None:
    assert split_pro_rata(100, (1, 1, 1)) == [34, 33, 33]
    assert split_pro_rata(100, range(1, 4)) == [17, 33, 50]


@pytest.mark.parametrize("amount", [1, -1, 500])
def test_split_pro_rata_empty_weights_with_amount_raises(amount: int) -> None:
    with pytest.raises(ValueError, match="no entries"):
        split_pro_rata(amount, [])


@pytest.mark.parametrize(("amount", "weights"), [(10.0, [1, 1]), (10, [1.5, 1]), (10, ["1", 1])])
def test_split_pro_rata_refuses_non_integers(amount: object, weights: list[object]) -> None:
    with pytest.raises(TypeError):
        split_pro_rata(amount, weights)  # type: ignore[arg-type]


def test_split_pro_rata_properties_over_random_cases() -> None:
    rng = random.Random(20260301)
    for _ in range(2000):
        amount = rng.randint(-100_000, 100_000)
        weights = [rng.choice([0, 0, -60, rng.randint(1, 36_000)]) for _ in range(rng.randint(1, 8))]
        shares = split_pro_rata(amount, weights)

        assert len(shares) == len(weights)
        assert sum(shares) == amount
        clamped = [max(w, 0) for w in weights]
        if sum(clamped) == 0:
            clamped = [1] * len(weights)
        for share, weight in zip(shares, clamped):
            quota = Fraction(amount * weight, sum(clamped))
            assert abs(share - quota) < 1
            assert share == 0 or (share > 0) == (amount > 0)
        assert split_pro_rata(-amount, weights) == [-s for s in shares]
        assert split_pro_rata(amount, weights) == shares


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 0),
        ("", 0),
        ("  ", 0),
        (7, 7),
        (-3, -3),
        (12.0, 12),
        ("12", 12),
        (" 12 ", 12),
        ("-40", -40),
        ("12.0", 12),
        ("1e3", 1000),
    ],
)
def test_to_int_reads_numbers_and_strings(value: object, expected: int) -> None:
    assert to_int(value) == expected
    assert type(to_int(value)) is int


@pytest.mark.parametrize("value", ["1.5", 1.5, "abc", True, float("nan"), [1]])
def test_to_int_refuses_fractions_and_non_numbers(value: object) -> None:
    with pytest.raises(ValueError):
        to_int(value)
