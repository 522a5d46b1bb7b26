"""Job profiles: model rules, draw rules, blueprint filling and paper drawing."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from exam.banks.blueprint import assign, draw, fillable, pool, profile_issues
from exam.banks.loader import load_bank
from exam.banks.profile import DrawRule, Profile

DATA = Path(__file__).resolve().parents[1] / "data"
BANK = load_bank([DATA / "good_bank"])
PROFILE = BANK.profiles["t.presale"]


def profile_data(**changes: object) -> dict:
    """The good profile's data with top-level changes."""
    return PROFILE.export() | changes


def test_profile_loads_with_documented_fields() -> None:
    assert [s.id for s in PROFILE.sections] == ["typing", "knowledge", "communication"]
    assert PROFILE.question_count() == 7
    assert PROFILE.criteria[0].scale.points(60) == 50.0
    assert PROFILE.criteria[0].scale.points(500) == 100.0
    assert [PROFILE.band_for(s) for s in (90, 85, 70.5, 10, 0)] == ["强烈推荐", "强烈推荐", "推荐", "不推荐", "不推荐"]
    assert Profile.model_validate(PROFILE.export()) == PROFILE


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"bands": [{"min": 50, "label": "a"}, {"min": 60, "label": "b"}, {"min": 0, "label": "c"}]},
            "bands out of order",
        ),
        ({"bands": [{"min": 50, "label": "a"}]}, "the last band must have min 0"),
        ({"bands": [{"min": 50, "label": "a"}, {"min": 0, "label": "a"}]}, "two bands labelled 'a'"),
        ({"criteria": [{"id": "k", "label": "k", "input": "knowledge.percent", "weight": -1}]}, "greater than 0"),
        (
            {
                "criteria": [
                    {"id": "k", "label": "k", "input": "knowledge.percent", "weight": 1},
                    {
                        "id": "k",
                        "label": "k2",
                        "input": "typing.accuracy",
                        "weight": 1,
                        "scale": {"zero": 0.8, "full": 1},
                    },
                ]
            },
            "two criteria with id 'k'",
        ),
        (
            {
                "criteria": [
                    {
                        "id": "k",
                        "label": "k",
                        "input": "knowledge.net_cpm",
                        "weight": 1,
                        "scale": {"zero": 1, "full": 2},
                    }
                ]
            },
            "needs typing questions, but section 'knowledge' draws none",
        ),
        (
            {"criteria": [{"id": "k", "label": "k", "input": "typing.criterion.courtesy", "weight": 1}]},
            "needs reply questions, but section 'typing' draws none",
        ),
        (
            {"criteria": [{"id": "k", "label": "k", "input": "knowledge.topic.weather", "weight": 1}]},
            "unknown topic 'weather'",
        ),
        (
            {
                "criteria": [
                    {"id": "k", "label": "k", "input": "typing.accuracy", "weight": 1, "scale": {"zero": 1, "full": 1}}
                ]
            },
            "zero and full are both 1",
        ),
        (
            {"hard_requirements": [{"input": "speed", "min": 1, "label": "x"}]},
            "hard requirement 1: input 'speed' is not one",
        ),
    ],
)
def test_profile_rules(changes: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Profile.model_validate(profile_data(**changes))


def test_accepted_input_forms() -> None:
    for value in (
        "typing.net_cpm",
        "typing.gross_cpm",
        "typing.accuracy",
        "knowledge.percent",
        "typing.percent",
        "knowledge.topic.kpi",
        "communication.criterion.courtesy",
        "communication.percent",
    ):
        assert PROFILE.input_problem(value) is None, value


def test_draw_rule_matching() -> None:
    rule = DrawRule(type="single_choice", count=1, topics=["principles"], difficulty=[2, 3])
    assert pool(rule, BANK.questions) == ["t.sc.empathy", "t.sc.fixed"]
    assert pool(DrawRule(type="true_false", count=1), BANK.questions) == [
        "t.tf.main_task",
        "t.tf.privacy",
    ]  # not retired
    assert pool(DrawRule(type="reply", count=1, stages=["aftersale"]), BANK.questions) == ["t.reply.delay"]
    assert pool(DrawRule(type="single_choice", count=1, questions=["t.sc.duty"]), BANK.questions) == ["t.sc.duty"]
    assert rule.describe() == "single_choice; topics principles; difficulty 2-3"


def test_assign_finds_a_distinct_filling_when_greedy_would_fail() -> None:
    # rule 0 could take q1 or q2; rule 1 only q1: greedy "rule 0 takes q1" must be undone
    picked = assign([["q1", "q2"], ["q1"]], [1, 1])
    assert picked == [["q2"], ["q1"]]
    assert fillable([["q1", "q2"], ["q1", "q2"], ["q2"]], [1, 1, 1]) == 2


def test_good_profile_has_no_issues_and_draws_distinct_papers() -> None:
    assert profile_issues(PROFILE, BANK.questions) == []
    seen: Counter[str] = Counter()
    for seed in range(40):
        paper = draw(PROFILE, BANK.questions, random.Random(seed))
        assert [section.id for section, _ in paper] == ["typing", "knowledge", "communication"]
        ids = [qid for _, ids in paper for qid in ids]
        assert len(ids) == len(set(ids)) == 7
        assert "t.tf.retired" not in ids
        knowledge = dict((s.id, i) for s, i in paper)["knowledge"]
        assert sorted(BANK.questions[q].type for q in knowledge) == [
            "multiple_choice",
            "single_choice",
            "single_choice",
            "true_false",
            "true_false",
        ]
        assert dict((s.id, i) for s, i in paper)["communication"] == ["t.reply.bargain"]
        seen.update(ids)
    assert seen["t.typing.greeting"] and seen["t.typing.closing"]  # both passages get drawn
    assert draw(PROFILE, BANK.questions, random.Random(3)) == draw(PROFILE, BANK.questions, random.Random(3))


def test_draw_refuses_a_bank_too_small() -> None:
    questions = {k: v for k, v in BANK.questions.items() if k != "t.tf.privacy"}
    with pytest.raises(ValueError, match="cannot fill profile 't.presale'"):
        draw(PROFILE, questions, random.Random(0))


def test_overlap_across_sections_is_reported_once_per_profile() -> None:
    data = profile_data()
    data["sections"][1]["draw"] = [{"type": "true_false", "count": 2}]
    data["sections"].append(
        {"id": "extra", "title": "x", "time_limit": 60, "draw": [{"type": "true_false", "count": 1}]}
    )
    profile = Profile.model_validate(data)
    [issue] = profile_issues(profile, BANK.questions)
    assert issue.message == (
        "asks for 5 questions on a paper, but its sections overlap and only 4 distinct active questions can fill them"
    )
