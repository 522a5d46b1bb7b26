"""Reliability and SEM on the fixed dataset (see dataset.py), worked out by hand."""

from __future__ import annotations

import math

import pytest

from exam.analysis.items import ItemResponse
from exam.analysis.reliability import (
    composite_sem,
    cronbach_alpha,
    kr20,
    reliability,
    score_band,
    score_matrix,
    standard_error,
)
from tests.unit.analysis import dataset

approx = pytest.approx


def test_alpha_by_hand() -> None:
    # Sample item variances (Σx² - (Σx)²/8) / 7:
    #   Q1 (6 - 36/8)/7 = 3/14, Q2 (4 - 2)/7 = 2/7, Q3 2/7, Q4 (3 - 9/8)/7 = 15/56, Q5 points (12 - 8)/7 = 4/7
    #   sum = (12 + 16 + 16 + 15 + 32)/56 = 91/56 = 13/8
    # Totals 5 5 4 3 3 2 2 1: Σ 25, Σ² 93 → variance (93 - 625/8)/7 = 17/8, mean 25/8
    # alpha = 5/4 · (1 - (13/8)/(17/8)) = 5/4 · 4/17 = 5/17
    # SEM = √(17/8) · √(1 - 5/17) = √(17/8 · 12/17) = √1.5
    r = reliability(dataset.matrix(), max_scores=dataset.MAX)
    assert r.method == "alpha"  # Q5 scores 1 of 2: not right/wrong
    assert r.value == approx(5 / 17)
    assert r.sd_total == approx(math.sqrt(17 / 8)) and r.mean_total == approx(25 / 8)
    assert r.sem == approx(math.sqrt(1.5))
    assert r.sem_percent == approx(100 * math.sqrt(1.5) / 6)  # the paper is worth 6 points
    assert (r.items, r.n, r.dropped, r.reason) == (5, 8, 0, None)


def test_alpha_cross_check_covariance_matrix() -> None:
    # Independent method: alpha = k/(k-1) · (1 - trace(C) / sum of all entries of C), C the covariance matrix.
    rows = dataset.matrix()
    n, k = len(rows), len(rows[0])
    means = [sum(row[i] for row in rows) / n for i in range(k)]
    cov = [
        [sum((row[i] - means[i]) * (row[j] - means[j]) for row in rows) / (n - 1) for j in range(k)] for i in range(k)
    ]
    trace, total = sum(cov[i][i] for i in range(k)), sum(map(sum, cov))
    assert cronbach_alpha(rows) == approx(k / (k - 1) * (1 - trace / total))


def test_kr20_by_hand() -> None:
    # Right/wrong items Q1, Q2, Q4. Totals 3 3 2 2 1 1 1 0: Σ 13, Σ² 29.
    # Population variance 29/8 - (13/8)² = 63/64; sample variance (29 - 169/8)/7 = 9/8.
    # p·q: Q1 6/8·2/8 = 12/64, Q2 16/64, Q4 3/8·5/8 = 15/64 → 43/64.
    # KR-20 = 3/2 · (1 - 43/63) = 10/21; SEM = √(9/8) · √(11/21).
    rows = dataset.matrix((0, 1, 3))
    r = reliability(rows)
    assert r.method == "kr20"
    assert r.value == approx(10 / 21)
    assert r.sem == approx(math.sqrt(9 / 8 * 11 / 21))
    assert r.sem_percent is None  # no maxima given
    # Cross-check: on right/wrong items KR-20 and alpha are the same figure.
    assert kr20(rows) == approx(cronbach_alpha(rows)) == approx(10 / 21)
    assert r.as_dict()["kr20"] == round(10 / 21, 4) and "alpha" not in r.as_dict()


def test_negative_kr20_gives_sem_equal_to_sd() -> None:
    # Q1-Q4 (with the bad Q3). Totals 3 3 3 2 2 1 2 1: Σ 17, Σ² 41; population variance 41/8 - 289/64 = 39/64.
    # Σpq = (12 + 16 + 16 + 15)/64 = 59/64 → KR-20 = 4/3 · (1 - 59/39) = -80/117.
    r = reliability(dataset.matrix((0, 1, 2, 3)))
    assert r.value == approx(-80 / 117)
    assert r.sem == approx(r.sd_total) == approx(math.sqrt(39 / 8 / 7))
    assert standard_error(2.0, 1.3) == 0.0 and standard_error(2.0, 0.75) == approx(1.0)


def test_missing_rows_are_dropped() -> None:
    # p4 lacks the third item → dropped. Left: 1 1 1 / 1 0 1 / 0 1 0, totals 3 2 1.
    # p = 2/3 for each item → Σpq = 3 · 2/9 = 2/3; population total variance 2/3 → KR-20 = 3/2 · (1 - 1) = 0.
    # Sample SD of 3 2 1 = 1 → SEM = 1 · √(1 - 0) = 1.
    r = reliability([[1, 1, 1], [1, 0, 1], [0, 1, 0], [0, 0, None]])
    assert (r.method, r.n, r.dropped) == ("kr20", 3, 1)
    assert r.value == approx(0.0, abs=1e-12) and r.sem == approx(1.0)


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([[1], [0], [1]], "needs at least 2 items"),
        ([[1, 0, 1]], "needs at least 2 attempts"),
        ([[1, 0], [0, 1], [1, 0]], "total scores do not vary"),
        ([[1, 1], [1, 1]], "total scores do not vary"),  # all right
        ([[0, 0], [0, 0]], "total scores do not vary"),  # all wrong
        ([], "needs at least 2 items"),
    ],
)
def test_degenerate_cases(rows: list, reason: str) -> None:
    r = reliability(rows)
    assert r.value is None and r.sem is None and reason in (r.reason or "")
    assert r.as_dict()[r.method] is None


def test_score_matrix_from_responses() -> None:
    m = score_matrix(dataset.responses())
    assert m.items == list(dataset.ITEMS) and m.attempts == list(dataset.CANDIDATES)
    assert m.rows == dataset.matrix() and m.max_scores == [1, 1, 1, 1, 2]
    assert reliability(m.rows, m.max_scores).value == approx(5 / 17)
    # Random papers: key columns by slot (here a slot name carried in the item id's prefix).
    rows = [ItemResponse(1, "s1:qa", 1), ItemResponse(1, "s2:qb", 0), ItemResponse(2, "s1:qc", 0)]
    by_slot = score_matrix(rows, column=lambda r: r.item_id.split(":")[0])
    assert by_slot.items == ["s1", "s2"] and by_slot.rows == [[1, 0], [0, None]]


def test_bands() -> None:
    assert score_band(70, 5) == (65, 75)
    assert score_band(98, 5) == (93, 100) and score_band(2, 5) == (0, 7)
    # Weighted mean of three criteria (weights 50, 30, 20; SEMs 6, 8, 0 on 0-100):
    # independent errors √((50·6)² + (30·8)²) / 100 = √147600 / 100; fully correlated (300 + 240) / 100.
    assert composite_sem([(50, 6), (30, 8), (20, 0)]) == approx(math.sqrt(147600) / 100)
    assert composite_sem([(50, 6), (30, 8), (20, 0)], correlated=True) == approx(5.4)
    assert composite_sem([]) == 0.0
