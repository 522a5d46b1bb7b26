"""Length detector: content characters against the bounds, the evidence note, penalty and validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.unit.rubric.helpers import detector, evaluate, points, rubric_of, spans


def test_length_bounds() -> None:
    r = rubric_of({"kind": "length", "min": 5, "max": 10, "points": 4, "penalty": 2}, max_points=4)
    assert points(r, "您好,有货的亲") == 4
    assert points(r, "有") == 0
    with pytest.raises(ValidationError):
        rubric_of({"kind": "length", "points": 1})


BOUNDS = {"kind": "length", "min": 5, "max": 10, "points": 4, "penalty": 2}


@pytest.mark.parametrize(
    "text,earned,note",
    [
        ("您好,有货的亲", 4, "6 字;要求 5–10 字"),
        ("有", -2, "1 字;要求 5–10 字"),
        ("您好,这款衬衣有货的,满二九九包邮", -2, "15 字;要求 5–10 字"),
    ],
)
def test_inside_earns_points_outside_costs_the_penalty(text: str, earned: float, note: str) -> None:
    out = evaluate(BOUNDS, text)
    assert out.points == earned and out.flags == []
    assert [(e.kind,) + s for e, s in zip(out.evidence, spans(out))] == [("length", "", None, None, note)]


def test_one_bound_is_noted_alone() -> None:
    assert spans(evaluate({"kind": "length", "min": 5, "points": 4}, "您好")) == [
        ("", None, None, "2 字;要求 至少 5 字")
    ]
    at_most = evaluate({"kind": "length", "max": 3, "points": 4, "penalty": 1}, "您好,有货的亲")
    assert at_most.points == -1 and spans(at_most) == [("", None, None, "6 字;要求 至多 3 字")]


def test_only_content_characters_count() -> None:
    out = evaluate({"kind": "length", "min": 5, "points": 4}, "您 好 ! ! 有货")
    assert out.points == 0 and spans(out) == [("", None, None, "4 字;要求 至少 5 字")]


def test_length_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="give `min`, `max` or both"):
        detector({"kind": "length", "points": 1})
    with pytest.raises(ValidationError, match="min must not exceed max"):
        detector({"kind": "length", "min": 10, "max": 5})
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        detector({"kind": "length", "max": 0})
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        detector({"kind": "length", "min": 1, "penalty": -2})
