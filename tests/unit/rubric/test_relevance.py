"""Relevance detector: scenario terms and listed terms found, the share of the target, off-topic replies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import grade_reply
from tests.unit.rubric.helpers import detector, evaluate, points, rubric_of, spans

FACTS_TEXT = "订单 5 天前发货,中通快递;物流显示在中转站滞留 2 天。"
MESSAGE = ["我的快递怎么还没到?"]


def test_relevance_rewards_scenario_terms() -> None:
    r = rubric_of({"kind": "relevance", "points": 10, "target": 2}, max_points=10)
    on = grade_reply(r, "包裹在中通的中转站滞留了两天,我马上催快递", facts=FACTS_TEXT, messages=MESSAGE)
    assert on.criteria[0].points == 10 and "off_topic" not in on.flags
    assert [(e.kind, e.text) for e in on.criteria[0].evidence] == [("term", "中转站滞留")]  # one run, not bigrams


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


def test_scenario_wording_is_evidence_as_whole_runs() -> None:
    out = evaluate(SCENARIO, "您好,中转站那边我去问。", facts=FACTS_TEXT, messages=MESSAGE)
    assert out.points == pytest.approx(10 * 1.5 / 3) and out.flags == []  # three characters: one and a half hits
    assert [(e.kind,) + s for e, s in zip(out.evidence, spans(out))] == [("term", "中转站", 3, 6, "与场景说法一致")]


@pytest.mark.parametrize(
    "reply",
    [
        "全棉面料大厂代工,做工很好,统一价不议价,两件享9折。",
        "亲,理解您的顾虑,一般坚持用4周左右可以看到改善,支持未拆封7天无理由退货。",
        "衬衣是大厂代工的,度左右,由退,厂代。",
    ],
)
def test_no_one_or_two_character_fragments(reply: str) -> None:
    facts = "衬衣 199 元,店铺统一价不议价;全棉,大厂代工;满 299 元包邮;买两件享 9 折。"
    more = "美白精华 268 元;肤质不同效果因人而异,一般坚持使用 4 周左右可见改善;支持未拆封 7 天无理由退货。"
    out = evaluate(SCENARIO, reply, facts=facts + more, messages=["太贵了"])
    assert out.evidence, reply
    for e in out.evidence:
        assert len(e.text) >= 3, e  # 厂代, 度左, 由退 and the like are never evidence
        assert e.text == reply[e.start : e.end]
    taken = sorted((e.start, e.end) for e in out.evidence)
    assert all(a[1] <= b[0] for a, b in zip(taken, taken[1:]))  # no character counts twice


def test_numbers_of_the_scenario_are_terms() -> None:
    out = evaluate(dict(SCENARIO, target=1), "满299就包邮,差100元。", facts="衬衣 199 元,满 299 包邮")
    assert out.points == 10
    assert spans(out) == [("满299", 0, 4, "与场景说法一致")]
    alone = evaluate(dict(SCENARIO, target=1), "199,差100。", facts="衬衣 199 元,满 299 包邮")
    assert spans(alone) == [("199", 0, 3, "与场景说法一致")] and alone.points == 10  # a number is one hit


def test_listed_terms_are_noted_without_regex() -> None:
    out = evaluate(LISTED, "我帮您催一下快递")
    assert out.points == 4
    assert spans(out) == [("快递", 6, 8, "题目关键词"), ("催一下", 3, 6, "题目关键词")]
    assert not any("|" in e.note or "(" in e.note for e in out.evidence)  # never a raw regex alternative
    half = evaluate(LISTED, "我帮您看看物流信息,有消息马上回复您")
    assert half.points == 2 and half.flags == []
    named = evaluate(dict(LISTED, note="快递与催件"), "我帮您催一下快递")
    assert {e.note for e in named.evidence} == {"快递与催件"}


def test_a_listed_term_and_the_scenario_wording_share_no_character() -> None:
    det = {"kind": "relevance", "points": 10, "target": 10, "terms": ["中转站"]}
    out = evaluate(det, "包裹在中转站滞留了。", facts=FACTS_TEXT, messages=MESSAGE)
    assert spans(out) == [("中转站", 3, 6, "题目关键词")]  # 滞留 is left: two characters are a fragment
    longer = evaluate(det, "包裹在中转站滞留2天了。", facts=FACTS_TEXT, messages=MESSAGE)
    assert spans(longer) == [("中转站", 3, 6, "题目关键词"), ("滞留2天", 6, 10, "与场景说法一致")]
    assert sum(e.end - e.start for e in out.evidence) == len({i for e in out.evidence for i in range(e.start, e.end)})


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
