"""Machine vs trainer agreement on six replies (0-10 scale), worked out by hand."""

from __future__ import annotations

import math

import pytest

from exam.analysis import agreement as ag
from exam.grading import calibration

approx = pytest.approx

IDS = ["r1", "r2", "r3", "r4", "r5", "r6"]
MACHINE = [8, 6, 7, 3, 5, 9]
TRAINER = [7, 6, 9, 2, 6, 8]  # two sixes: a tie for the ranks
# machine - trainer: 1 0 -2 1 -1 1


def test_reuses_the_grading_implementation() -> None:
    assert ag.quadratic_weighted_kappa is calibration.quadratic_weighted_kappa
    assert ag.spearman is calibration.spearman


def test_agreement_by_hand() -> None:
    a = ag.agreement(MACHINE, TRAINER)
    assert a.n == 6
    # Mean difference (1 + 0 - 2 + 1 - 1 + 1) / 6 = 0; MAE (1 + 0 + 2 + 1 + 1 + 1) / 6 = 1.
    assert a.mean_difference == 0 and a.mae == 1
    # Pearson: Σm = Σt = 38, Σm² = 264, Σt² = 270, Σmt = 56+36+63+6+30+72 = 263.
    # Smt = 263 - 38²/6 = 67/3, Smm = 264 - 1444/6 = 70/3, Stt = 270 - 1444/6 = 88/3 → r = 67/√(70·88)
    assert a.pearson == approx(67 / math.sqrt(70 * 88))
    # Spearman with ties: ranks machine 5 3 4 1 2 6; trainer 4 2.5 6 1 2.5 5 (the sixes share 2 and 3).
    # Deviations from 3.5: m 1.5 -.5 .5 -2.5 -1.5 2.5; t .5 -1 2.5 -2.5 -1 1.5
    # Σ products = .75 + .5 + 1.25 + 6.25 + 1.5 + 3.75 = 14; Σm² = 17.5, Σt² = 17 → rho = 14/√297.5
    assert a.spearman == approx(14 / math.sqrt(297.5))
    # QWK with weights (i-j)²/(k-1)²: 1 - Σ(m-t)² / ((1/n) Σ_a Σ_b (m_a - t_b)²), the (k-1)² cancelling.
    # Σ(m-t)² = 1 + 0 + 4 + 1 + 1 + 1 = 8.
    # Σ_a Σ_b (m_a - t_b)² = n·Σm² + n·Σt² - 2·Σm·Σt = 6·264 + 6·270 - 2·38·38 = 316 → /6
    # QWK = 1 - 8·6/316 = 67/79
    assert a.qwk == approx(67 / 79)


def test_qwk_cross_check_expected_matrix() -> None:
    # Independent method: kappa = 1 - Σ w·O / Σ w·E from the full 11×11 observed and expected matrices.
    k, n = 11, len(MACHINE)
    obs = [[0.0] * k for _ in range(k)]
    for m, t in zip(MACHINE, TRAINER):
        obs[m][t] += 1
    rows = [sum(r) for r in obs]
    cols = [sum(obs[i][j] for i in range(k)) for j in range(k)]
    w = [[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    num = sum(w[i][j] * obs[i][j] for i in range(k) for j in range(k))
    den = sum(w[i][j] * rows[i] * cols[j] / n for i in range(k) for j in range(k))
    assert ag.agreement(MACHINE, TRAINER).qwk == approx(1 - num / den)


def test_largest_differences() -> None:
    top = ag.largest_differences(IDS, MACHINE, TRAINER, top=3)
    # |d| = 1 0 2 1 1 1: r3 first, then the ties in input order.
    assert [(d.reply_id, d.difference) for d in top] == [("r3", -2), ("r1", 1), ("r4", 1)]
    assert all(d.difference for d in ag.largest_differences(IDS, MACHINE, TRAINER, top=10))
    assert len(ag.largest_differences(IDS, MACHINE, TRAINER, top=10)) == 5  # r2 agrees


def test_dry_run_change() -> None:
    before = ag.agreement(MACHINE, TRAINER)
    after = ag.agreement(TRAINER, TRAINER)  # a rubric edit that matches the trainer exactly
    change = ag.agreement_change(before, after)
    assert change["qwk"] == approx(1 - 67 / 79) and change["mae"] == approx(-1)
    assert after.spearman == approx(1.0) and after.mean_difference == 0


def test_edge_cases() -> None:
    empty = ag.agreement([], [])
    assert empty.n == 0 and empty.as_dict() == {
        "n": 0,
        "qwk": None,
        "spearman": None,
        "pearson": None,
        "mean_difference": None,
        "mae": None,
    }
    one = ag.agreement([5], [7])
    assert one.mean_difference == -2 and one.mae == 2 and one.spearman is None and one.pearson is None
    flat = ag.agreement([5, 5, 5], [4, 6, 8])  # machine constant: no correlation
    assert flat.pearson is None and flat.spearman is None and flat.mean_difference == approx(-1)
    with pytest.raises(ValueError):
        ag.agreement([1, 2], [1])
    assert ag.to_scale10(85) == 9  # 0-100 grader scores map half up
