"""From graded answers to section results, hiring inputs and the hiring score (pure).

``Attempt.results`` (read by the HR ranking and report)::

    {"sections": {sid: {"title", "score", "max", "percent", "count", "answered",
                        "topics": {topic: {"score", "max", "percent"}},
                        ...figures of the section's question types (typing: "net_cpm", "gross_cpm",
                        "accuracy"; replies: "criteria": {cid: {"label", "points", "max", "percent"}})}},
     "inputs": {"typing.net_cpm": 72.0, "knowledge.percent": 80.0, "knowledge.topic.principles": 75.0,
                "replies.criterion.empathy": 62.5, ...},
     "hiring": HiringResult.as_dict()}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from exam.hiring.score import compute_hiring
from exam.numbers import round1
from exam.questions.base import QuestionBase
from exam.questions.registry import TYPES, get_type

__all__ = [
    "GradedItem",
    "grade_item",
    "effective_score",
    "section_result",
    "inputs_from_sections",
    "build_results",
    "store_results",
]


@dataclass
class GradedItem:
    """One graded answer, as the aggregation sees it."""

    position: int
    section_id: str
    type: str
    topics: tuple[str, ...]
    score: float
    max: float
    detail: Mapping[str, Any] = field(default_factory=dict)
    answered: bool = False
    overrides: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of_answer(cls, answer: Any, item_type: str, topics: Iterable[str] = ()) -> GradedItem:
        """A stored answer as the aggregation sees it (its score, max, grading detail and overrides as stored)."""
        answered = get_type(item_type).is_answered(answer.response or {}) if item_type in TYPES else False
        return cls(
            position=answer.position,
            section_id=answer.section_id,
            type=item_type,
            topics=tuple(topics),
            score=float(answer.score or 0.0),
            max=float(answer.max_score or 0.0),
            detail=answer.result or {},
            answered=answered,
            overrides=dict(answer.overrides or {}),
        )


def grade_item(
    question: QuestionBase, response: Mapping[str, Any], *, section_deadline: datetime | None = None
) -> tuple[float, float, dict[str, Any]]:
    """Run the question type's grader on a stored response: (score, max, detail)."""
    outcome = get_type(question.type).grade_response(question, dict(response or {}), section_deadline=section_deadline)
    return outcome.score, outcome.max_score, dict(outcome.detail)


def effective_score(
    item_type: str, score: float, max_score: float, detail: Mapping[str, Any], overrides: Mapping[str, Any] | None
) -> float:
    """An item's score with a reviewer's overrides applied (types without overrides keep their score)."""
    if not overrides or item_type not in TYPES:
        return score
    return get_type(item_type).score_with_overrides(score, max_score, detail, overrides)


def _pct(score: float, maximum: float) -> float:
    return round1(100.0 * score / maximum) if maximum > 0 else 0.0


def section_result(
    title: str, items: list[GradedItem], overrides: Mapping[int, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The figures of one section from its graded items (any mix of types)."""
    if overrides:
        for item in items:
            if item.position in overrides and not item.overrides:
                item.overrides = dict(overrides[item.position])
    score = sum(i.score for i in items)
    maximum = sum(i.max for i in items)
    topics: dict[str, list[float]] = {}
    for item in items:
        for topic in dict.fromkeys(item.topics):
            acc = topics.setdefault(topic, [0.0, 0.0])
            acc[0] += item.score
            acc[1] += item.max
    out: dict[str, Any] = {
        "title": title,
        "score": round(score, 4),
        "max": round(maximum, 4),
        "percent": _pct(score, maximum),
        "count": len(items),
        "answered": sum(1 for i in items if i.answered),
        "topics": {
            t: {"score": round(s, 4), "max": round(m, 4), "percent": _pct(s, m)} for t, (s, m) in sorted(topics.items())
        },
    }
    for name, question_type in TYPES.items():
        of_type = [i for i in items if i.type == name]
        if of_type:
            out.update(question_type.section_figures(of_type))
    return out


def inputs_from_sections(sections: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Every hiring input the sections provide, per section: its rate, the types' figures, topics, families."""
    inputs: dict[str, float] = {}
    for sid, s in sections.items():
        inputs[f"{sid}.percent"] = float(s["percent"])
        provided = {
            key: value for question_type in TYPES.values() for key, value in question_type.section_inputs(s).items()
        }
        inputs.update({f"{sid}.{key}": value for key, value in provided.items() if "." not in key})
        for topic, t in (s.get("topics") or {}).items():
            inputs[f"{sid}.topic.{topic}"] = float(t["percent"])
        inputs.update({f"{sid}.{key}": value for key, value in provided.items() if "." in key})
    return inputs


def build_results(
    paper: Mapping[str, Any],
    items: Iterable[GradedItem],
    profile: Mapping[str, Any],
    overrides: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Attempt.results from graded items (pure)."""
    by_section: dict[str, list[GradedItem]] = {}
    for item in items:
        by_section.setdefault(item.section_id, []).append(item)
    sections = {
        s["id"]: section_result(s.get("title") or s["id"], by_section.get(s["id"], []), overrides)
        for s in paper.get("sections") or []
    }
    inputs = inputs_from_sections(sections)
    hiring = compute_hiring(profile, inputs)
    return {"sections": sections, "inputs": inputs, "hiring": hiring.as_dict()}


def store_results(attempt: Any, results: dict[str, Any]) -> None:
    """Set ``Attempt.results`` and the hiring columns taken from it (no database access)."""
    hiring = results["hiring"]
    attempt.results = results  # reassign: JSON columns do not track in-place changes
    attempt.hiring_score = hiring["score"]
    attempt.hard_requirements_met = hiring["hard_requirements_met"]
    attempt.band = hiring["band"]
