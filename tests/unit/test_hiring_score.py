"""The hiring score: weights, scales, clamping, missing inputs, hard requirements, bands, explanation data."""

from __future__ import annotations

import math
import random

import pytest

from exam.hiring.score import HiringResult, attempt_fields, compute_hiring, input_kind, round1
from exam.services.sample import SAMPLE_PROFILE

PROFILE = SAMPLE_PROFILE  # the profile the HR sample data is graded with

GOOD = {"typing.net_cpm": 84.0, "typing.accuracy": 0.97, "knowledge.percent": 80.0, "communication.percent": 70.0}


def crit(result: HiringResult, cid: str):  # type: ignore[no-untyped-def]
    return next(c for c in result.criteria if c.id == cid)


def test_weighted_score_by_hand() -> None:
    r = compute_hiring(PROFILE, GOOD)
    # speed: (84-20)/80 = 80 points; accuracy: (0.97-0.85)/0.15 = 80 points; knowledge 80; communication 70
    assert crit(r, "typing_speed").points == 80.0
    assert crit(r, "typing_accuracy").points == pytest.approx(80.0)
    assert crit(r, "knowledge").points == 80.0
    assert crit(r, "communication").points == 70.0
    expected = (80 * 25 + 80 * 10 + 80 * 30 + 70 * 35) / 100
    assert r.score == round1(expected) == 76.5
    assert r.hard_requirements_met is True
    assert r.band == r.band_by_score == "推荐"
    assert r.total_weight == 100
    assert crit(r, "communication").share == pytest.approx(0.35)
    assert crit(r, "communication").contribution_exact == pytest.approx(24.5)


def test_weights_are_relative() -> None:
    doubled = {**PROFILE, "criteria": [{**c, "weight": c["weight"] * 2} for c in PROFILE["criteria"]]}
    assert compute_hiring(doubled, GOOD).score == compute_hiring(PROFILE, GOOD).score
    assert compute_hiring(doubled, GOOD).total_weight == 200


def test_contributions_add_up_to_the_displayed_score() -> None:
    rng = random.Random(7)
    for _ in range(500):
        inputs = {
            "typing.net_cpm": rng.uniform(0, 140),
            "typing.accuracy": rng.uniform(0.7, 1.0),
            "knowledge.percent": rng.uniform(0, 100),
            "communication.percent": rng.uniform(0, 100),
        }
        r = compute_hiring(PROFILE, inputs)
        assert round(sum(c.contribution for c in r.criteria) * 10) == round(r.score * 10)
        for c in r.criteria:
            assert abs(c.contribution - c.contribution_exact) < 0.1 + 1e-9
            assert 0 <= c.points <= 100


@pytest.mark.parametrize(
    "value, points, clamped",
    [
        (10, 0.0, "low"),
        (20, 0.0, None),
        (60, 50.0, None),
        (100, 100.0, None),
        (180, 100.0, "high"),
    ],
)
def test_scale_is_linear_and_clamped(value: float, points: float, clamped: str | None) -> None:
    r = compute_hiring(PROFILE, {**GOOD, "typing.net_cpm": value})
    c = crit(r, "typing_speed")
    assert c.points == points
    assert c.clamped == clamped
    assert c.scale == {"zero": 20.0, "full": 100.0}


def test_percentage_inputs_are_clamped_without_scale() -> None:
    r = compute_hiring(PROFILE, {**GOOD, "knowledge.percent": 130, "communication.percent": -5})
    assert crit(r, "knowledge").points == 100.0 and crit(r, "knowledge").clamped == "high"
    assert crit(r, "communication").points == 0.0 and crit(r, "communication").clamped == "low"
    assert crit(r, "knowledge").scale is None


def test_reversed_scale_lower_is_better() -> None:
    profile = {
        "criteria": [{"id": "t", "label": "t", "input": "x.percent", "scale": {"zero": 100, "full": 0}, "weight": 1}],
        "bands": [{"min": 0, "label": "any"}],
    }
    assert compute_hiring(profile, {"x.percent": 25}).score == 75.0


def test_missing_input_scores_zero_and_fails_requirement() -> None:
    inputs = dict(GOOD)
    del inputs["typing.net_cpm"]
    r = compute_hiring(PROFILE, inputs)
    c = crit(r, "typing_speed")
    assert c.missing and c.value is None and c.points == 0.0
    assert "typing.net_cpm" in r.missing_inputs
    req = r.requirements[0]
    assert req.missing and not req.met and req.value is None
    assert r.hard_requirements_met is False


@pytest.mark.parametrize("bad", [None, float("nan"), float("inf"), "abc", True])
def test_invalid_values_count_as_missing(bad: object) -> None:
    r = compute_hiring(PROFILE, {**GOOD, "knowledge.percent": bad})
    assert crit(r, "knowledge").missing
    assert r.missing_inputs == ["knowledge.percent"]


def test_numeric_strings_are_accepted() -> None:
    r = compute_hiring(PROFILE, {**GOOD, "knowledge.percent": "80"})
    assert crit(r, "knowledge").points == 80.0


def test_hard_requirement_knocks_out_whatever_the_score() -> None:
    r = compute_hiring(
        PROFILE,
        {
            **GOOD,
            "typing.accuracy": 0.94,
            "knowledge.percent": 100,
            "communication.percent": 100,
            "typing.net_cpm": 100,
        },
    )
    assert r.score >= 85
    assert r.band_by_score == "强烈推荐"
    assert r.band == "不推荐"
    assert r.knocked_out
    assert [q.input for q in r.failed_requirements] == ["typing.accuracy"]
    assert r.requirements[0].met and r.requirements[0].value == 100


def test_requirement_boundary_is_inclusive() -> None:
    r = compute_hiring(PROFILE, {**GOOD, "typing.net_cpm": 60, "typing.accuracy": 0.95})
    assert r.hard_requirements_met
    r = compute_hiring(PROFILE, {**GOOD, "typing.net_cpm": 59.99})
    assert not r.hard_requirements_met


@pytest.mark.parametrize(
    "knowledge, communication, band",
    [
        (100, 100, "强烈推荐"),
        (80, 70, "推荐"),
        (50, 50, "待定"),
        (0, 0, "不推荐"),
    ],
)
def test_bands(knowledge: float, communication: float, band: str) -> None:
    r = compute_hiring(PROFILE, {**GOOD, "knowledge.percent": knowledge, "communication.percent": communication})
    assert r.band == band


def test_band_boundary_reaches_min() -> None:
    profile = {
        "criteria": [{"id": "k", "label": "k", "input": "k.percent", "weight": 1}],
        "bands": [{"min": 0, "label": "low"}, {"min": 70, "label": "high"}],
    }  # any order
    assert compute_hiring(profile, {"k.percent": 70}).band == "high"
    assert compute_hiring(profile, {"k.percent": 69.9}).band == "low"
    assert [b["label"] for b in compute_hiring(profile, {}).bands] == ["high", "low"]


def test_no_requirements_means_met() -> None:
    profile = {**PROFILE, "hard_requirements": []}
    assert compute_hiring(profile, {}).hard_requirements_met is True
    assert compute_hiring(profile, {}).score == 0.0


def test_profile_wrapper_is_unwrapped() -> None:
    assert compute_hiring({"profile": PROFILE}, GOOD).score == compute_hiring(PROFILE, GOOD).score
    assert compute_hiring({"profile": PROFILE}, GOOD).profile_id == PROFILE["id"]


def test_round_trip_through_json() -> None:
    import json

    r = compute_hiring(PROFILE, {**GOOD, "typing.accuracy": 0.9})
    data = json.loads(json.dumps(r.as_dict()))
    again = HiringResult.from_dict(data)
    assert again == r
    assert data["knocked_out"] is True
    assert {"id", "label", "input", "value", "points", "weight", "share", "contribution", "scale"} <= set(
        data["criteria"][0]
    )
    assert {"input", "label", "min", "value", "met"} <= set(data["hard_requirements"][0])


def test_attempt_fields() -> None:
    r = compute_hiring(PROFILE, GOOD)
    assert attempt_fields(r) == {"hiring_score": 76.5, "hard_requirements_met": True, "band": "推荐"}


def test_round1_half_up() -> None:
    assert round1(0.05) == 0.1
    assert round1(2.675) == 2.7
    assert round1(76.45) == 76.5
    assert not math.isnan(round1(0))


@pytest.mark.parametrize(
    "name, kind",
    [
        ("typing.net_cpm", "cpm"),
        ("typing.gross_cpm", "cpm"),
        ("typing.accuracy", "ratio"),
        ("knowledge.percent", "percent"),
        ("knowledge.topic.principles", "percent"),
        ("communication.criterion.courtesy", "percent"),
    ],
)
def test_input_kind(name: str, kind: str) -> None:
    assert input_kind(name) == kind
