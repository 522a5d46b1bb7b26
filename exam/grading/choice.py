"""Choice-question grading and section/topic aggregation (pure functions)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ItemScore",
    "SectionScore",
    "aggregate",
    "grade_multiple",
    "grade_single",
    "grade_true_false",
]

MultipleScoring = Literal["all_or_nothing", "partial"]


def grade_single(correct: str, picked: str | None, points: float = 1.0) -> float:
    """Full ``points`` when the one picked option is the correct one, else 0."""
    return float(points) if picked is not None and picked == correct else 0.0


def grade_true_false(answer: bool, picked: bool | None, points: float = 1.0) -> float:
    """Full ``points`` when the picked truth value equals ``answer``, else 0 (also when unanswered)."""
    return float(points) if picked is not None and bool(picked) is bool(answer) else 0.0


def grade_multiple(
    correct: Collection[str],
    picked: Collection[str] | None,
    scoring: MultipleScoring = "all_or_nothing",
    points: float = 1.0,
) -> float:
    """Score a multiple-choice answer: all-or-nothing or ``max(0, (right - wrong) / correct)``."""
    right_set = set(correct)
    if not right_set:
        raise ValueError("a multiple-choice question needs at least one correct option")
    chosen = set(picked or ())
    if scoring == "all_or_nothing":
        return float(points) if chosen == right_set else 0.0
    if scoring == "partial":
        right = len(chosen & right_set)
        wrong = len(chosen - right_set)
        return float(points) * max(0.0, (right - wrong) / len(right_set))
    raise ValueError(f"unknown multiple-choice scoring: {scoring!r}")


@dataclass(frozen=True)
class ItemScore:
    """One graded item: points earned, points possible, and its topics."""

    score: float
    max: float
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionScore:
    """Section totals: points, percent and per-topic percent (0-100, unrounded)."""

    points: float
    max: float
    percent: float
    topics: dict[str, float] = field(default_factory=dict)


def _percent(score: float, maximum: float) -> float:
    """Return ``score / maximum`` as a percentage, 0 when nothing was possible."""
    return 100.0 * score / maximum if maximum > 0 else 0.0


def aggregate(items: Iterable[ItemScore | tuple[float, float, Iterable[str]]]) -> SectionScore:
    """Section percent and per-topic percent of items (an item counts fully towards each of its topics)."""
    total = possible = 0.0
    by_topic: dict[str, list[float]] = {}
    for item in items:
        if not isinstance(item, ItemScore):
            score, maximum, topics = item
            item = ItemScore(float(score), float(maximum), tuple(topics))
        if item.max < 0 or item.score < 0 or item.score > item.max + 1e-9:
            raise ValueError(f"invalid item score {item.score} of {item.max}")
        total += item.score
        possible += item.max
        for topic in dict.fromkeys(item.topics):
            acc = by_topic.setdefault(topic, [0.0, 0.0])
            acc[0] += item.score
            acc[1] += item.max
    return SectionScore(
        points=total,
        max=possible,
        percent=_percent(total, possible),
        topics={t: _percent(s, m) for t, (s, m) in sorted(by_topic.items())},
    )
