"""Builders shared by the rubric tests: small rubrics around one detector, and one detector run alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from exam.grading.rubric import Detector, Rubric, grade_reply
from exam.grading.rubric.context import _Context, _Outcome
from exam.grading.text import NormText, content_chars

DETECTOR: TypeAdapter[Any] = TypeAdapter(Detector)

# A facts detector about a parcel stuck at a transit station (substance for the density and derived-flag tests).
DENSE_FACTS = {
    "kind": "facts",
    "min_hits": 1,
    "items": [
        {"id": "station", "label": "中转站滞留", "any": ["re:中转站|滞留"], "points": 5},
        {"id": "chase", "label": "催件", "any": ["re:催"], "points": 5},
    ],
}


def rubric_of(*detectors: dict[str, Any], max_points: float = 100, **extra: Any) -> Rubric:
    """A one-criterion rubric (padded to 100 points with an empty criterion when needed)."""
    criteria: list[dict[str, Any]] = [{"id": "c", "label": "C", "max": max_points, "detectors": list(detectors)}]
    if max_points < 100:
        criteria.append(
            {
                "id": "pad",
                "label": "Pad",
                "max": 100 - max_points,
                "detectors": [{"kind": "length", "max": 1, "points": 0}],
            }
        )
    return Rubric.model_validate({"criteria": criteria, **extra})


def points(rubric: Rubric, text: str, **kw: Any) -> float:
    """Points of the first criterion."""
    return grade_reply(rubric, text, **kw).criteria[0].points


def two_criteria(det: dict[str, Any]) -> Rubric:
    """Criterion ``c`` (10 points) holds ``det``; criterion ``rest`` gives any reply 90 points, so caps show."""
    return Rubric.model_validate(
        {
            "criteria": [
                {"id": "c", "label": "C", "max": 10, "detectors": [det]},
                {"id": "rest", "label": "Rest", "max": 90, "detectors": [{"kind": "length", "min": 1, "points": 90}]},
            ]
        }
    )


def detector(det: dict[str, Any]) -> Any:
    """Validate one detector configuration (raises pydantic's ValidationError when it is wrong)."""
    return DETECTOR.validate_python(det)


def evaluate(
    det: dict[str, Any],
    text: str,
    *,
    facts: str = "",
    messages: Sequence[str] = (),
    model_answers: Sequence[str] = (),
    about: bool = False,
) -> _Outcome:
    """Run one detector on ``text`` alone, in the context grade_reply would build (``about``: a facts
    detector found a fact of the scenario). Points are the detector's own, not clamped to a criterion."""
    norm = NormText.of(text)
    ctx = _Context(
        text=norm,
        facts=facts,
        messages=tuple(messages),
        model_answers=tuple(model_answers),
        length=content_chars(norm.norm),
        about=about,
    )
    return detector(det).evaluate(ctx)


def spans(out: _Outcome, kind: str | None = None) -> list[tuple[str, int | None, int | None, str]]:
    """The outcome's evidence (of ``kind`` when given) as (text, start, end, note)."""
    return [(e.text, e.start, e.end, e.note) for e in out.evidence if kind is None or e.kind == kind]
