"""Calibration of raw rubric points to the experts' scale: isotonic fitting, the map, validation, the shipped
file, and how grading and re-scoring apply it (before the caps)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from exam.grading.rubric import DEFAULT_CAPS, Rubric, grade_reply, recompute_score
from exam.grading.rubric.scale import ScaleCalibration, calibration_names, fit_isotonic, load_calibration
from tests.unit.rubric.helpers import two_criteria


def test_isotonic_fit_is_monotone_and_pools_violators() -> None:
    pairs = [(10, 20), (20, 10), (30, 40), (40, 35), (50, 60), (60, 80), (70, 75), (80, 90)]
    pts = fit_isotonic(pairs)
    assert pts[0] == (0.0, 0.0) and pts[-1] == (100.0, 100.0)  # no points, no score; full marks stay full
    assert pts[1] == (15.0, 15.0)  # (10, 20) and (20, 10) pooled
    assert all(x0 < x1 and y0 <= y1 for (x0, y0), (x1, y1) in zip(pts, pts[1:]))
    coarse = fit_isotonic(pairs, min_block=4)
    assert len(coarse) == 4 and coarse[1] == (25.0, 26.2) and coarse[2] == (65.0, 76.2)
    assert fit_isotonic([]) == ((0.0, 0.0), (100.0, 100.0))


def test_the_map_interpolates_and_clamps() -> None:
    cal = ScaleCalibration("t", ((0, 10), (50, 60), (100, 100)))
    assert cal.apply(0) == 10 and cal.apply(25) == 35 and cal.apply(75) == 80 and cal.apply(100) == 100
    assert cal.apply(-5) == 10 and cal.apply(120) == 100
    assert cal.table(50) == [(0, 10.0), (50, 60.0), (100, 100.0)]


@pytest.mark.parametrize(
    "points",
    [((0, 0),), ((0, 0), (50, 40), (40, 60), (100, 100)), ((0, 50), (50, 40), (100, 100)), ((5, 0), (100, 100))],
)
def test_a_calibration_must_rise_from_raw_0_to_raw_100(points) -> None:
    with pytest.raises(ValueError):
        ScaleCalibration("bad", points)


def test_rubric_names_a_shipped_calibration_or_gives_its_own_points() -> None:
    base = {
        "criteria": [{"id": "c", "label": "C", "max": 100, "detectors": [{"kind": "length", "min": 1, "points": 60}]}]
    }
    with pytest.raises(ValidationError, match="unknown calibration"):
        Rubric.model_validate({**base, "calibration": "nope"})
    with pytest.raises(ValidationError, match="unknown calibration"):
        Rubric.model_validate({**base, "calibration": "../../etc/passwd"})
    with pytest.raises(ValidationError, match="must rise"):
        Rubric.model_validate({**base, "calibration": {"points": [[0, 0], [50, 70], [60, 65], [100, 100]]}})
    own = Rubric.model_validate({**base, "calibration": {"points": [[0, 0], [60, 75], [100, 100]]}})
    res = grade_reply(own, "您好,这款衬衣是全棉的,做工很好。")
    assert res.as_dict()["raw_score"] == 60 and res.score == 75 and res.calibration == "rubric"
    assert Rubric.model_validate(base).scale() is None
    assert grade_reply(Rubric.model_validate(base), "您好,这款衬衣是全棉的,做工很好。").score == 60


def test_caps_bound_the_calibrated_total() -> None:
    det = {"kind": "contempt", "penalty": 0}
    r = two_criteria(det).model_copy(update={"calibration": "replies.v1"})
    capped = grade_reply(r, "爱买不买。我们这款衬衣做工很好,全棉的。")
    assert capped.score == DEFAULT_CAPS["contempt"] and capped.calibrated > capped.score
    free = grade_reply(r, "您好,这款衬衣做工很好,全棉的,您放心。")
    assert free.score == pytest.approx(load_calibration("replies.v1").apply(free.raw_score), abs=0.05)


def test_recompute_applies_the_stored_calibration() -> None:
    r = two_criteria({"kind": "length", "min": 1, "points": 5}).model_copy(update={"calibration": "replies.v1"})
    res = grade_reply(r, "您好,这款衬衣是全棉的,做工很好。")
    d = res.as_dict()
    assert d["calibration"] == "replies.v1" and d["calibrated_score"] == res.calibrated
    again = recompute_score(d["criteria"], {}, d["caps"], calibration=d["calibration"])
    assert again == res.score
    lower = recompute_score(d["criteria"], {"c": 0}, d["caps"], calibration=d["calibration"])
    assert lower == round(load_calibration("replies.v1").apply(90), 1)
    assert recompute_score(d["criteria"], {"c": 0}, d["caps"]) == 90  # no calibration: raw points


def test_the_shipped_calibration() -> None:
    assert "replies.v1" in calibration_names()
    cal = load_calibration("replies.v1")
    assert cal.method == "isotonic" and cal.n >= 100
    assert cal.fitted_on == (
        "replies.public.jsonl",
        "replies.holdout.jsonl",
        "replies.holdout2.jsonl",
        "replies.holdout3.jsonl",
    )  # holdout4 is not fitted on: it measures the calibration
    assert cal.points[-1] == (100.0, 100.0)
    assert cal.checks["loso"]["overall"]["qwk"] >= 0.93
    assert cal.checks["files"]["replies.holdout4.jsonl"]["calibrated"]["qwk"] >= 0.93
    with pytest.raises(ValueError, match="unknown calibration"):
        load_calibration("replies.v0")


def test_a_calibration_file_names_itself(tmp_path, monkeypatch) -> None:
    from exam.grading.rubric import scale

    (tmp_path / "a.json").write_text(json.dumps({"name": "b", "points": [[0, 0], [100, 100]]}), "utf-8")
    monkeypatch.setattr(scale, "_folder", lambda: tmp_path)
    scale.load_calibration.cache_clear()
    try:
        with pytest.raises(ValueError, match="names itself"):
            scale.load_calibration("a")
    finally:
        scale.load_calibration.cache_clear()
