"""Choice grading and section/topic aggregation."""

from __future__ import annotations

import pytest

from exam.grading.choice import ItemScore, aggregate, grade_multiple, grade_single, grade_true_false


def test_single_choice_full_or_nothing() -> None:
    assert grade_single("d", "d") == 1.0
    assert grade_single("d", "a") == 0.0
    assert grade_single("d", None) == 0.0
    assert grade_single("d", "d", points=2) == 2.0


def test_true_false() -> None:
    assert grade_true_false(False, False) == 1.0
    assert grade_true_false(True, False) == 0.0
    assert grade_true_false(True, None) == 0.0


def test_multiple_all_or_nothing() -> None:
    assert grade_multiple({"a", "b"}, {"a", "b"}) == 1.0
    assert grade_multiple({"a", "b"}, {"a"}) == 0.0
    assert grade_multiple({"a", "b"}, {"a", "b", "c"}) == 0.0
    assert grade_multiple({"a", "b"}, None) == 0.0


def test_multiple_partial_credit() -> None:
    right = {"a", "b", "c"}
    assert grade_multiple(right, {"a", "b", "c"}, "partial") == 1.0
    assert grade_multiple(right, {"a", "b"}, "partial") == pytest.approx(2 / 3)
    assert grade_multiple(right, {"a", "b", "d"}, "partial") == pytest.approx(1 / 3)
    assert grade_multiple(right, {"a", "d", "e"}, "partial") == 0.0  # never negative
    assert grade_multiple(right, {"a", "b"}, "partial", points=3) == pytest.approx(2.0)


def test_multiple_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        grade_multiple(set(), {"a"})
    with pytest.raises(ValueError):
        grade_multiple({"a"}, {"a"}, "bogus")  # type: ignore[arg-type]


def test_aggregate_section_and_topics() -> None:
    section = aggregate(
        [
            ItemScore(1, 1, ("principles",)),
            ItemScore(0, 1, ("principles", "language")),
            (2, 2, ["language"]),
            ItemScore(0.5, 1, ()),
        ]
    )
    assert section.points == 3.5 and section.max == 5
    assert section.percent == pytest.approx(70.0)
    assert section.topics == {"language": pytest.approx(200 / 3), "principles": pytest.approx(50.0)}


def test_aggregate_empty_and_duplicate_topics() -> None:
    assert aggregate([]).percent == 0.0
    section = aggregate([ItemScore(1, 2, ("kpi", "kpi"))])
    assert section.topics == {"kpi": 50.0}


def test_aggregate_rejects_impossible_scores() -> None:
    with pytest.raises(ValueError):
        aggregate([ItemScore(3, 2, ())])
