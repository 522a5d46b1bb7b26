"""Split-half reliability of the hiring score through the profile's arithmetic, worked out by hand."""

from __future__ import annotations

import math

import pytest

from exam.hiring.reliability import halves, hiring_reliability
from exam.hiring.sections import GradedItem

PROFILE = {
    "criteria": [
        {"id": "k", "label": "K", "input": "knowledge.percent", "weight": 1},
        {"id": "fit", "label": "Fit", "input": "knowledge.topic.rare", "weight": 1},
    ],
    "bands": [{"min": 0, "label": "all"}],
}
PAPER = {"sections": [{"id": "knowledge", "title": "K"}]}


def _items(marks: list[int], rare_at: int | None = None) -> list[GradedItem]:
    return [
        GradedItem(p, "knowledge", "single_choice", ("rare",) if p == rare_at else ("common",), float(m), 1.0)
        for p, m in enumerate(marks)
    ]


def test_halves_are_odd_and_even_places_per_section() -> None:
    items = [GradedItem(p, s, "x", (), 1.0, 1.0) for p, s in enumerate("aaabb")]
    first, second = halves(items)
    assert [i.position for i in first] == [0, 2, 3] and [i.position for i in second] == [1, 4]


def test_split_half_alpha_and_sem() -> None:
    rows = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]
    scores = [100.0, 75.0, 50.0, 50.0, 25.0, 25.0]
    attempts = [(PAPER, _items(r), s) for r, s in zip(rows, scores)]
    result = hiring_reliability(attempts, {"criteria": PROFILE["criteria"][:1], "bands": PROFILE["bands"]})
    # halves (items 1+3, 2+4) in percent: 100 100 100 50 50 50 and 100 50 0 50 0 0; sample variances
    # 750 and 5000/3, of the sums 10250/3 → alpha = 2·(1 - (750 + 5000/3)/(10250/3)) = 24/41
    assert result.value == pytest.approx(24 / 41)
    assert result.sem == pytest.approx(math.sqrt(10250 / 12) * math.sqrt(17 / 41))
    assert result.n == 6 and result.criteria == ("k",)


def test_a_criterion_one_half_cannot_score_is_left_out() -> None:
    # the topic "rare" sits on item 0 only: the second half never has it, so only "k" is used
    rows = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]
    attempts = [(PAPER, _items(r, rare_at=0), 50.0 + i) for i, r in enumerate(rows)]
    result = hiring_reliability(attempts, PROFILE)
    assert result.criteria == ("k",) and result.value == pytest.approx(24 / 41)


def test_undefined_cases_give_a_reason() -> None:
    assert hiring_reliability([], PROFILE).reason == "needs at least 3 scored attempts"
    same = [(PAPER, _items([1, 1, 1, 1]), 100.0)] * 4
    assert hiring_reliability(same, PROFILE).value is None
