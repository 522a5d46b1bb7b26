"""Similarity detector: n-gram closeness to the closest model answer, mapped linearly from floor to ceil."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.unit.rubric.helpers import detector, evaluate, points, rubric_of, spans


def test_similarity_to_model_answers() -> None:
    r = rubric_of({"kind": "similarity", "points": 10, "floor": 0.1, "ceil": 0.6}, max_points=10)
    model = ["包裹在中转站滞留了两天,我马上联系中通催件,有进展第一时间告诉您。"]
    near = points(r, "包裹在中转站滞留两天了,我马上联系中通催件。", model_answers=model)
    far = points(r, "这款衬衣是全棉的,大厂代工。", model_answers=model)
    assert near > 5 > far
    assert points(r, "任何回复", model_answers=[]) == 0


MODEL = ["包裹在中转站滞留了两天,我马上联系中通催件,有进展第一时间告诉您。"]
SIMILAR = {"kind": "similarity", "points": 10, "floor": 0.1, "ceil": 0.6}


def test_the_closeness_is_noted() -> None:
    same = evaluate(SIMILAR, MODEL[0], model_answers=MODEL)
    assert same.points == 10 and same.flags == []
    assert [(e.kind,) + s for e, s in zip(same.evidence, spans(same))] == [
        ("similarity", "", None, None, "与最接近的参考答案相似度 1.00")
    ]
    far = evaluate(SIMILAR, "这款衬衣是全棉的,大厂代工。", model_answers=MODEL)
    assert far.points == 0 and spans(far) == [("", None, None, "与最接近的参考答案相似度 0.00")]


def test_the_closest_model_answer_counts() -> None:
    other = "这款衬衣是全棉的,大厂代工。"
    assert evaluate(SIMILAR, other, model_answers=[*MODEL, other]).points == 10


def test_points_scale_linearly_between_floor_and_ceil() -> None:
    out = evaluate(dict(SIMILAR, ceil=0.9), "包裹在中转站滞留两天了,我马上联系中通催件。", model_answers=MODEL)
    best = float(out.evidence[0].note.rsplit(" ", 1)[1])
    assert best == pytest.approx(0.71, abs=0.005)
    assert out.points == pytest.approx(10 * (best - 0.1) / 0.8, abs=0.1)
    trigrams = evaluate(dict(SIMILAR, n=3), "包裹在中转站滞留两天了,我马上联系中通催件。", model_answers=MODEL)
    assert spans(trigrams) == [("", None, None, "与最接近的参考答案相似度 0.65")]


def test_without_model_answers_nothing_is_earned() -> None:
    out = evaluate(SIMILAR, "任何回复")
    assert out.points == 0 and spans(out) == [("", None, None, "No model answers to compare with")]


def test_similarity_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="floor must be below ceil"):
        detector({"kind": "similarity", "points": 10, "floor": 0.5, "ceil": 0.5})
    with pytest.raises(ValidationError, match="less than or equal to 4"):
        detector({"kind": "similarity", "points": 10, "n": 5})
    with pytest.raises(ValidationError, match="greater than 0"):
        detector({"kind": "similarity", "points": 10, "ceil": 0})
