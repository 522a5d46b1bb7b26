"""How reliable the hiring score is: a split-half estimate through the profile's own arithmetic (pure).

Every section's items are split by their place in the section (1st, 3rd, 5th ... against 2nd, 4th ...),
and each half is scored like a whole paper (``exam.hiring.sections.build_results``). A half's hiring
score is the weighted mean of the criteria both halves can score (a criterion whose input one half
lacks, e.g. a rubric criterion only one reply has, is left out of both), so the halves measure the
same thing. The reliability of the whole score is Cronbach's alpha of the two halves (Guttman's
split-half coefficient, which does not assume equal halves), and the standard error of measurement
is ``SD × sqrt(1 - r)`` of the hiring scores themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from exam.analysis.basic import rounded, sd
from exam.analysis.reliability import cronbach_alpha, standard_error
from exam.hiring.sections import GradedItem, build_results

__all__ = ["HiringReliability", "halves", "half_scores", "hiring_reliability"]


@dataclass(frozen=True)
class HiringReliability:
    """Split-half reliability of the hiring score and its SEM in score points; None with a reason when undefined."""

    value: float | None
    sem: float | None
    sd: float | None
    n: int
    criteria: tuple[str, ...] = ()
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``alpha`` is the split-half coefficient)."""
        return {
            "alpha": rounded(self.value),
            "method": "split_half",
            "sem": rounded(self.sem),
            "sd": rounded(self.sd),
            "n": self.n,
            "criteria": list(self.criteria),
            "reason": self.reason,
        }


def halves(items: Iterable[GradedItem]) -> tuple[list[GradedItem], list[GradedItem]]:
    """Odd and even items of each section, by position."""
    by_section: dict[str, list[GradedItem]] = {}
    for item in sorted(items, key=lambda i: i.position):
        by_section.setdefault(item.section_id, []).append(item)
    first: list[GradedItem] = []
    second: list[GradedItem] = []
    for section_items in by_section.values():
        first.extend(section_items[0::2])
        second.extend(section_items[1::2])
    return first, second


def _criteria(results: Mapping[str, Any]) -> dict[str, tuple[float, float, bool]]:
    """{criterion id: (points, weight, missing)} of a results dict's hiring part."""
    hiring = results.get("hiring") or {}
    return {
        c["id"]: (
            float(c.get("points_exact", c.get("points")) or 0.0),
            float(c.get("weight") or 0.0),
            bool(c.get("missing")),
        )
        for c in hiring.get("criteria") or []
    }


def half_scores(
    paper: Mapping[str, Any], items: Sequence[GradedItem], profile: Mapping[str, Any]
) -> tuple[dict[str, tuple[float, float, bool]], dict[str, tuple[float, float, bool]]]:
    """Per criterion (points, weight, missing) of each half of one attempt."""
    first, second = halves(items)
    return _criteria(build_results(paper, first, profile)), _criteria(build_results(paper, second, profile))


def _weighted(parts: Mapping[str, tuple[float, float, bool]], keep: Iterable[str]) -> float | None:
    """Weighted mean of the kept criteria's points."""
    kept = [(parts[c][0], parts[c][1]) for c in keep]
    total = sum(w for _, w in kept)
    return sum(p * w for p, w in kept) / total if total > 0 else None


def hiring_reliability(
    attempts: Iterable[tuple[Mapping[str, Any], Sequence[GradedItem], float | None]], profile: Mapping[str, Any]
) -> HiringReliability:
    """Split-half reliability of the hiring score over ``(paper, graded items, hiring score)`` of each attempt."""
    halves_by_attempt = []
    scores: list[float] = []
    for paper, items, score in attempts:
        if score is None:
            continue
        halves_by_attempt.append(half_scores(paper, items, profile))
        scores.append(float(score))
    n = len(scores)
    spread = sd(scores)
    if n < 3:
        return HiringReliability(None, None, spread, n, reason="needs at least 3 scored attempts")
    names = [c["id"] for c in profile.get("criteria") or []]
    usable = tuple(
        c
        for c in names
        if all(c in a and c in b and not a[c][2] and not b[c][2] and a[c][1] > 0 for a, b in halves_by_attempt)
    )
    if not usable:
        return HiringReliability(None, None, spread, n, reason="no criterion can be scored on both halves")
    rows = [[_weighted(a, usable), _weighted(b, usable)] for a, b in halves_by_attempt]
    value = cronbach_alpha(rows)
    if value is None or spread is None:
        return HiringReliability(None, None, spread, n, usable, reason="half scores do not vary")
    return HiringReliability(value, standard_error(spread, value), spread, n, usable)
