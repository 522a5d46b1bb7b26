"""Exposure counts and the exposure-aware pool order."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from exam.analysis.exposure import (
    exposure_counts,
    exposure_order,
    exposure_orders,
    exposure_rates,
    exposure_weight,
)
from exam.banks.blueprint import assign

approx = pytest.approx
DRAWS = 20_000


def test_counts_and_rates() -> None:
    counts = exposure_counts([["a", "b"], ["a", "c", "a"], ["b"]])  # "a" twice on one paper counts once
    assert counts == {"a": 2, "b": 2, "c": 1}
    assert exposure_rates(counts, 3) == approx({"a": 2 / 3, "b": 2 / 3, "c": 1 / 3})
    assert exposure_rates(counts, 0) == {"a": 0.0, "b": 0.0, "c": 0.0}


def test_weights() -> None:
    assert exposure_weight(0) == 1.0 and exposure_weight(3) == 0.25
    assert exposure_weight(3, strength=0) == 1.0 and exposure_weight(3, strength=2) == 1 / 16


def test_deterministic_for_a_seed() -> None:
    pool = [f"q{i}" for i in range(20)]
    counts = {q: i for i, q in enumerate(pool)}
    first = exposure_order(pool, counts, random.Random(42))
    assert first == exposure_order(pool, counts, random.Random(42))
    assert sorted(first) == sorted(pool)
    assert any(exposure_order(pool, counts, random.Random(s)) != first for s in range(1, 5))


def test_less_exposed_come_first_in_proportion_to_weight() -> None:
    # Weights 1, 1/2, 1/4 (exposure 0, 1, 3), sum 7/4 → P(first) = 4/7, 2/7, 1/7.
    # P(a among the first two) = 4/7 + 2/7 · 1/(1 + 1/4) + 1/7 · 1/(1 + 1/2) = 4/7 + 16/70 + 2/21 = 0.8952.
    pool, counts = ["a", "b", "c"], {"a": 0, "b": 1, "c": 3}
    rng = random.Random(7)
    orders = [exposure_order(pool, counts, rng) for _ in range(DRAWS)]
    first = Counter(o[0] for o in orders)
    assert first["a"] / DRAWS == approx(4 / 7, abs=0.015)
    assert first["b"] / DRAWS == approx(2 / 7, abs=0.015)
    assert first["c"] / DRAWS == approx(1 / 7, abs=0.015)
    assert sum("a" in o[:2] for o in orders) / DRAWS == approx(4 / 7 + 16 / 70 + 2 / 21, abs=0.015)


def test_strength_zero_is_a_plain_shuffle() -> None:
    rng = random.Random(3)
    first = Counter(
        exposure_order(["a", "b", "c"], {"a": 0, "b": 5, "c": 50}, rng, strength=0)[0] for _ in range(DRAWS)
    )
    assert all(first[q] / DRAWS == approx(1 / 3, abs=0.015) for q in "abc")


def test_unknown_questions_count_as_unseen() -> None:
    rng = random.Random(11)
    first = Counter(exposure_order(["new", "old"], {"old": 9}, rng)[0] for _ in range(DRAWS))
    assert first["new"] / DRAWS == approx(10 / 11, abs=0.015)  # weights 1 and 1/10


def test_feeds_the_blueprint_assignment() -> None:
    pools = [["q1", "q2", "q3", "q4"], ["q3", "q4", "q5", "q6"]]
    counts = {"q1": 100, "q2": 100, "q3": 0, "q4": 0, "q5": 100, "q6": 100}
    picked = assign(exposure_orders(pools, counts, random.Random(5)), [2, 2])
    flat = [q for ids in picked for q in ids]
    assert len(flat) == len(set(flat)) == 4
    assert all(q in pool for ids, pool in zip(picked, pools) for q in ids)
    # The unseen q3 and q4 are on the paper in almost every draw.
    hits = sum(
        {"q3", "q4"} <= {q for ids in assign(exposure_orders(pools, counts, random.Random(s)), [2, 2]) for q in ids}
        for s in range(200)
    )
    assert hits >= 180
