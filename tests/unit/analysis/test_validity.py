"""Criterion validity on eight hires, worked out by hand."""

from __future__ import annotations

import math

import pytest

from exam.analysis.validity import correlate, fisher_interval, suggest_weights, validity_table

approx = pytest.approx

SCORE = [80, 75, 70, 65, 60, 55, 50, 45]  # hiring score; deviations from 62.5 are 2.5 × (7 5 3 1 -1 -3 -5 -7)
PASSED = [1, 1, 0, 1, 1, 0, 0, 0]  # probation passed
CONVERSION = [30, 28, 25, 27, 22, 20, 21, 15]  # 咨询转化率, percent


def test_point_biserial_by_hand() -> None:
    # r_pb = (M1 - M0) / s_n · √(p·q): M1 = (80+75+65+60)/4 = 70, M0 = (70+55+50+45)/4 = 55,
    # s_n = √(Σ dev² / 8) = √(2·(17.5² + 12.5² + 7.5² + 2.5²) / 8) = √(1050/8) = √131.25, p = q = 1/2.
    v = correlate(SCORE, PASSED, predictor_name="score", outcome_name="probation")
    expected = (70 - 55) / math.sqrt(131.25) * 0.5
    assert v.kind == "point_biserial" and v.n == 8 and v.r == approx(expected) == approx(0.654654)
    # Fisher: z = atanh(r) = 0.78340, half-width 1.96/√(8-3) = 0.87652 → tanh(-0.09312), tanh(1.65992).
    assert (v.ci_low, v.ci_high) == approx((-0.092855, 0.930207), abs=1e-6)
    # Spearman: score ranks 8..1; outcome ranks 6.5 for the four 1s, 2.5 for the four 0s → same as r here.
    assert v.spearman == approx(expected)
    assert v.small_sample is True


def test_pearson_and_spearman_kpi() -> None:
    # u = 7 5 3 1 -1 -3 -5 -7 (Σu² = 168); y mean 188/8 = 23.5, Σy² = 4588 → Syy = 4588 - 8·23.5² = 170.
    # Σu·y = 210 + 140 + 75 + 27 - 22 - 60 - 105 - 105 = 160 → r = 160 / √(168·170).
    v = correlate(SCORE, CONVERSION)
    assert v.kind == "pearson" and v.r == approx(160 / math.sqrt(168 * 170))
    # Ranks of y: 8 7 5 6 4 2 3 1 against 8 7 6 5 4 3 2 1: d² sum 4 → rho = 1 - 6·4/(8·63) = 20/21.
    assert v.spearman == approx(20 / 21)


def test_missing_outcomes_and_small_n() -> None:
    # Hires without an outcome yet are left out pairwise.
    v = correlate([80, 70, None, 60, 50], [1, None, 1, 0, 0])
    assert v.n == 3 and v.ci_low is None  # n < 4: no interval
    assert correlate([], []).r is None and correlate([1], [1]).spearman is None
    assert correlate([1, 2, 3], [5, 5, 5]).r is None  # constant outcome
    # Exactly 30 hires is no longer small.
    assert correlate(list(range(30)), [i % 2 for i in range(30)]).small_sample is False


def test_fisher_interval_edges() -> None:
    assert fisher_interval(0.5, 3) is None and fisher_interval(None, 50) is None
    assert fisher_interval(1.0, 10) == (1.0, 1.0)
    lo, hi = fisher_interval(0.0, 28)  # half-width 1.96/5 = 0.392 → ±tanh(0.392)
    assert hi == approx(-lo) == approx(math.tanh(1.959964 / 5), abs=1e-6)


def test_validity_table() -> None:
    table = validity_table({"score": SCORE}, {"probation": PASSED, "conversion": CONVERSION})
    assert [(v.predictor, v.outcome, v.kind) for v in table] == [
        ("score", "probation", "point_biserial"),
        ("score", "conversion", "pearson"),
    ]
    assert table[0].as_dict()["ci95"] == [-0.0929, 0.9302]


def test_suggested_weights() -> None:
    knowledge = SCORE  # r_pb = 0.654654 (above)
    reply = [60, 70, 50, 80, 90, 40, 60, 50]
    typing = [40, 50, 60, 45, 55, 70, 65, 50]
    # reply: M1 = (60+70+80+90)/4 = 75, M0 = (50+40+60+50)/4 = 50; mean 62.5, Σdev² = 1950 → s_n = √243.75
    r_reply = (75 - 50) / math.sqrt(243.75) * 0.5
    # typing: M1 = (40+50+45+55)/4 = 47.5 < M0 = 61.25 → negative r, clipped to weight 0.
    r_know = 15 / math.sqrt(131.25) * 0.5
    s = suggest_weights(
        {"knowledge": knowledge, "reply": reply, "typing": typing},
        PASSED,
        {"knowledge": 50, "reply": 30, "typing": 20},
        outcome_name="probation",
    )
    assert s.weights == approx(
        {"knowledge": 100 * r_know / (r_know + r_reply), "reply": 100 * r_reply / (r_know + r_reply), "typing": 0.0}
    )
    assert sum(s.weights.values()) == approx(100)  # the profile's total weight
    assert s.validities["typing"].r < 0 and s.small_sample and s.reason is None
    assert [c["suggested"] for c in s.as_dict()["criteria"]] == [44.98, 55.02, 0.0]


def test_suggested_weights_lower_is_better_and_none() -> None:
    response_time = [30, 35, 60, 40, 45, 70, 80, 90]  # seconds: lower is better
    s = suggest_weights(
        {"knowledge": SCORE, "typing": [1] * 8}, response_time, {"knowledge": 60, "typing": 40}, higher_is_better=False
    )
    assert s.weights == {"knowledge": 100.0, "typing": 0.0}  # typing is constant: no r
    bad = suggest_weights({"knowledge": SCORE}, response_time, {"knowledge": 60})
    assert bad.weights is None and "no criterion" in bad.reason
