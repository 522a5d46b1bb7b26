"""Relevance detector: scenario terms and listed terms found, the share of the target, off-topic replies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import grade_reply
from tests.unit.rubric.helpers import detector, evaluate, points, rubric_of, spans

FACTS_TEXT = "订单 5 天前发货,中通快递;物流显示在中转站滞留 2 天。"
MESSAGE = ["我的快递怎么还没到?"]


def test_relevance_rewards_scenario_terms() -> None:
    r = rubric_of({"kind": "relevance", "points": 10, "target": 3}, max_points=10)
    on = grade_reply(r, "包裹在中通的中转站滞留了两天,我马上催快递", facts=FACTS_TEXT, messages=MESSAGE)
    assert on.criteria[0].points == 10 and "off_topic" not in on.flags
    assert all(e.kind == "term" for e in on.criteria[0].evidence)


def test_relevance_flags_another_scenario() -> None:
    r = rubric_of({"kind": "relevance", "points": 10, "target": 3}, max_points=10)
    off = grade_reply(r, "这款衬衣是全棉的,大厂代工,两件九折", facts=FACTS_TEXT, messages=MESSAGE)
    assert off.criteria[0].points == 0
    assert "off_topic" in off.flags and off.score <= 10


def test_relevance_listed_terms() -> None:
    r = rubric_of(
        {"kind": "relevance", "points": 4, "target": 2, "use_scenario": False, "terms": [["物流", "快递"], "催"]},
        max_points=4,
    )
    assert points(r, "我帮您催一下快递") == 4


SCENARIO = {"kind": "relevance", "points": 10, "target": 3}
LISTED = {
    "kind": "relevance",
    "points": 4,
    "target": 2,
    "use_scenario": False,
    "terms": [["物流", "快递"], "re:催(一下|件)?"],
}


def test_scenario_terms_are_evidence_once_each() -> None:
    out = evaluate(SCENARIO, "您好,中转站那边我去问。", facts=FACTS_TEXT, messages=MESSAGE)
    assert out.points == pytest.approx(10 * 2 / 3) and out.flags == []  # two of the three terms targeted
    assert [(e.kind,) + s for e, s in zip(out.evidence, spans(out))] == [
        ("term", "中转", 3, 5, "场景关键词"),
        ("term", "转站", 4, 6, "场景关键词"),
    ]


def test_numbers_of_the_scenario_are_terms() -> None:
    out = evaluate(dict(SCENARIO, target=1), "满299就包邮,差100元。", facts="衬衣 199 元,满 299 包邮")
    assert out.points == 10
    assert spans(out) == [("299", 1, 4, "场景关键词"), ("包邮", 5, 7, "场景关键词")]


def test_listed_terms_are_noted_with_their_label() -> None:
    out = evaluate(LISTED, "我帮您催一下快递")
    assert out.points == 4
    assert spans(out) == [("快递", 6, 8, "物流"), ("催一下", 3, 6, "催(一下|件)?")]  # re: prefix dropped
    half = evaluate(LISTED, "我帮您看看物流信息,有消息马上回复您")
    assert half.points == 2 and half.flags == []


def test_off_topic_needs_a_reply_long_enough_to_judge() -> None:
    assert evaluate(SCENARIO, "好的呢亲", facts=FACTS_TEXT, messages=MESSAGE).flags == []  # too_short judges it
    assert evaluate(dict(SCENARIO, min_chars=0), "好的呢亲", facts=FACTS_TEXT, messages=MESSAGE).flags == ["off_topic"]
    drift = evaluate(dict(LISTED, min_hits=2, flag="drift"), "我帮您看看物流信息,有消息马上回复您")
    assert drift.points == 2 and drift.flags == ["drift"]


def test_relevance_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        detector({"kind": "relevance", "points": 10, "target": 0})
    with pytest.raises(ValidationError, match="invalid regular expression"):
        detector({"kind": "relevance", "points": 10, "terms": ["re:催("]})
    with pytest.raises(ValidationError, match="points"):
        detector({"kind": "relevance"})
