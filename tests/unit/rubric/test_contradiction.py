"""Contradiction detector (fact check): fact slots, numbers and units, the checks derived from the facts."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from exam.grading.rubric import DEFAULT_CAPS, Rubric, grade_reply
from tests.unit.rubric.helpers import evaluate, spans, two_criteria


def contra(*slots: dict[str, Any], **extra: Any) -> Rubric:
    """A rubric whose first criterion is a contradiction detector (clean sheet 10 points)."""
    return two_criteria({"kind": "contradiction", "points": 10, "min_chars": 0, "slots": list(slots), **extra})


COURIER = {"id": "courier", "label": "中通快递", "set": "couriers", "right": ["中通"]}
SHIPPED = {
    "id": "shipped",
    "label": "5 天前发货",
    "value": 5,
    "unit": "天",
    "patterns": ["{n}天前[^,。!?]{0,8}(发|寄)"],
    "wrong": ["re:(昨天|今天)[^,。!?]{0,3}(才|刚)?(发|寄)(货|出|的|了)"],
}
EFFECT = {
    "id": "effect",
    "label": "4 周左右可见改善",
    "value": 4,
    "unit": "周",
    "direction": "less",
    "patterns": ["{q}[^,。!?]{0,10}(见效|改善|变白)"],
}


@pytest.mark.parametrize(
    "text",
    [
        "您的包裹是中通发的,5天前就发出了。",
        "不是顺丰,是中通5天前发出的。",
        "如果急用,我可以给您改发顺丰补发一个。",
        "包裹五天前从中通发出,正常3-5天到。",
    ],
)
def test_contradiction_accepts_right_facts(text: str) -> None:
    res = grade_reply(contra(COURIER, SHIPPED), text)
    assert "wrong_fact" not in res.flags, res.criteria[0].evidence
    assert res.criteria[0].points == 10


def test_contradiction_rival_value_and_wrong_number() -> None:
    res = grade_reply(contra(COURIER, SHIPPED), "您的包裹是顺丰发的,3天前已经发出。")
    assert res.flags == ["wrong_fact", "wrong_facts"]
    ev = [e for e in res.criteria[0].evidence if e.kind == "contradiction"]
    assert [e.text for e in ev] == ["顺丰", "3天前已经发"]
    assert all(e.note.startswith("与事实不符") for e in ev)
    assert res.criteria[0].points == 0 and res.score == DEFAULT_CAPS["wrong_facts"]
    one = grade_reply(contra(COURIER, SHIPPED), "您的包裹是韵达快递,5天前就发出了。")
    assert one.flags == ["wrong_fact"] and one.criteria[0].points == 0  # no clean sheet, minus the penalty
    assert one.score == DEFAULT_CAPS["wrong_fact"]


def test_contradiction_wrong_phrase_and_critical_slot() -> None:
    res = grade_reply(contra(COURIER, dict(SHIPPED, critical=True)), "亲,您的订单昨天刚发出,请耐心等待。")
    assert res.flags == ["wrong_fact", "wrong_facts"]


def test_contradiction_units_convert_and_direction() -> None:
    r = contra(EFFECT)
    for text in ("一周就能见效", "用7天就能看到改善", "两周左右就能看到明显改善", "半个月就能变白"):
        assert "wrong_fact" in grade_reply(r, "亲," + text + "。").flags, text
    for text in ("坚持用4周左右可见改善", "一个月左右能看到改善", "坚持28天会有改善", "第二周开始会见效果更好"):
        assert "wrong_fact" not in grade_reply(r, "亲," + text + "。").flags, text


def test_contradiction_claim_sets_with_excuses() -> None:
    r = contra({"id": "shipping", "label": "店铺承担来回运费", "set": "buyer_pays_shipping"})
    assert "wrong_fact" in grade_reply(r, "确认后给您补发,寄回的运费需要您先垫付哦。").flags
    assert "wrong_fact" in grade_reply(r, "退货要您自己承担运费。").flags
    assert "wrong_fact" not in grade_reply(r, "来回运费都由我们承担,不用您出运费。").flags
    assert "wrong_fact" not in grade_reply(r, "运费您先垫付,我们收到后马上给您报销。").flags
    fabric = contra({"id": "fabric", "label": "全棉", "set": "fabrics", "right": ["全棉"]})
    assert "wrong_fact" in grade_reply(fabric, "衣服是涤棉混纺的。").flags
    assert "wrong_fact" not in grade_reply(fabric, "纯棉面料,不含涤纶,比化纤透气。").flags


def test_contradiction_slots_are_validated() -> None:
    with pytest.raises(ValidationError, match="give `wrong` phrases"):
        contra({"id": "a", "label": "A"})
    with pytest.raises(ValidationError, match="need a `value`"):
        contra({"id": "a", "label": "A", "patterns": ["{n}天"]})
    with pytest.raises(ValidationError, match="exactly one"):
        contra({"id": "a", "label": "A", "value": 3, "patterns": ["天"]})
    with pytest.raises(ValidationError, match="needs the slot's `unit`"):
        contra({"id": "a", "label": "A", "value": 3, "patterns": ["{q}到"]})
    with pytest.raises(ValidationError, match="unknown unit"):
        contra({"id": "a", "label": "A", "value": 3, "unit": "光年", "patterns": ["{n}到"]})
    with pytest.raises(ValidationError, match="unknown fact set"):
        contra({"id": "a", "label": "A", "set": "planets"})
    with pytest.raises(ValidationError, match="give the `right` ones"):
        contra({"id": "a", "label": "A", "set": "couriers"})
    with pytest.raises(ValidationError, match="unique"):
        contra(COURIER, COURIER)


SHIRT = "衬衣 199 元,同系列还有 129 元的基础款;两件9折;满 299 包邮"
CUP = "保温杯 89 元,订单 2 天前已发货,中通快递"
COURIER_ONLY = {"kind": "contradiction", "points": 10, "min_chars": 0, "penalty": 4, "slots": [COURIER]}


def test_each_wrong_fact_costs_the_penalty_with_its_first_span() -> None:
    out = evaluate(
        {"kind": "contradiction", "points": 10, "min_chars": 0, "slots": [COURIER, SHIPPED]},
        "您的包裹是顺丰发的,3天前已经发出。",
    )
    assert out.points == -10 and out.flags == ["wrong_fact", "wrong_facts"]
    assert [e.kind for e in out.evidence] == ["contradiction", "contradiction"]
    assert spans(out) == [("顺丰", 5, 7, "与事实不符:中通快递"), ("3天前已经发", 10, 16, "与事实不符:5 天前发货")]


@pytest.mark.parametrize(
    "text",
    [
        "包裹3-5天前发出的。",  # a range that includes the right value
        "不是顺丰,是中通5天前发出的。",  # a rival denied
    ],
)
def test_ranges_and_denials_are_not_contradictions(text: str) -> None:
    out = evaluate({"kind": "contradiction", "points": 10, "min_chars": 0, "slots": [COURIER, SHIPPED]}, text)
    assert out.points == 10 and out.flags == [] and out.evidence == []


def test_flag_names_and_the_many_threshold() -> None:
    assert evaluate(COURIER_ONLY, "是顺丰发的。").flags == ["wrong_fact"]
    assert evaluate(dict(COURIER_ONLY, many=1), "是顺丰发的。").flags == ["wrong_fact", "wrong_facts"]
    renamed = evaluate(dict(COURIER_ONLY, flag="fact_error", many_flag="facts_wrong", many=1), "是顺丰发的。")
    assert renamed.flags == ["fact_error", "facts_wrong"]


def test_a_wrong_price_of_the_main_item_is_derived_from_the_facts() -> None:
    out = evaluate(COURIER_ONLY, "这款衬衣现在只要129元哦。", facts=SHIRT)
    assert out.points == -4 and out.flags == ["wrong_fact"]
    assert spans(out) == [("这款衬衣现在只要129元", 0, 12, "与事实不符:衬衣 199 元")]
    # the customer asked about the price: this one wrong fact is the one that matters
    asked = evaluate(COURIER_ONLY, "这款衬衣现在只要129元哦。", facts=SHIRT, messages=["能便宜点吗"])
    assert asked.flags == ["wrong_fact", "wrong_facts"]
    assert evaluate(dict(COURIER_ONLY, derived=False), "这款衬衣现在只要129元哦。", facts=SHIRT).flags == []


@pytest.mark.parametrize(
    "text",
    [
        "这件398元。",  # two shirts: a figure computed from the facts
        "衬衣199元,质量很好。",
        "同系列还有基础款,这款只要129元。",  # the sentence is about the other item
        "这款衬衣不是129元,是199元。",  # denied
    ],
)
def test_prices_the_facts_allow(text: str) -> None:
    assert evaluate(COURIER_ONLY, text, facts=SHIRT).flags == [], text


def test_a_shipped_order_said_not_to_have_shipped() -> None:
    out = evaluate(COURIER_ONLY, "您的杯子还在排队发货,请耐心等待。", facts=CUP, messages=["什么时候发货"])
    assert out.flags == ["wrong_fact", "wrong_facts"]  # asked about shipping
    assert spans(out) == [("还在排队", 4, 8, "与事实不符:订单已发货")]
    assert evaluate(COURIER_ONLY, "您的杯子还在排队发货,请耐心等待。", facts=CUP, messages=["杯子盖子裂了"]).flags == [
        "wrong_fact"
    ]
    # a new parcel, a reported worry, or facts that do not say it has shipped
    assert evaluate(COURIER_ONLY, "补发的杯子预计明天发出。", facts=CUP).flags == []
    assert evaluate(COURIER_ONLY, "您是担心还没发货吧,已经发出了。", facts=CUP).flags == []
    assert evaluate(COURIER_ONLY, "您的杯子还在排队发货,请耐心等待。", facts="保温杯 89 元,中通快递").flags == []


def test_slot_numbers_in_chinese_and_other_units() -> None:
    price = {
        "kind": "contradiction",
        "points": 10,
        "min_chars": 0,
        "derived": False,
        "slots": [{"id": "price", "label": "129 元", "value": 129, "unit": "元", "patterns": ["基础款{q}"]}],
    }
    assert evaluate(price, "基础款一百二十九块。").flags == []
    assert spans(evaluate(price, "基础款一百块。")) == [("基础款一百块", 0, 6, "与事实不符:129 元")]
    weight = {
        "kind": "contradiction",
        "points": 10,
        "min_chars": 0,
        "slots": [{"id": "weight", "label": "净含量 500 克", "value": 500, "unit": "克", "patterns": ["净含量{q}"]}],
    }
    assert evaluate(weight, "净含量一斤。").flags == []  # 一斤 is 500 g
    assert evaluate(weight, "净含量1公斤。").flags == ["wrong_fact"]


def test_more_slot_validation() -> None:
    with pytest.raises(ValidationError, match="invalid pattern"):
        contra({"id": "a", "label": "A", "value": 3, "patterns": ["({n}"]})
    with pytest.raises(ValidationError, match="matches the empty text"):
        contra({"id": "a", "label": "A", "value": 3, "patterns": ["(?:{n})?"]})
    with pytest.raises(ValidationError, match="a `value` needs `patterns`"):
        contra({"id": "a", "label": "A", "value": 3, "wrong": ["顺丰"]})
    with pytest.raises(ValidationError, match="at least 1 item"):
        two_criteria({"kind": "contradiction", "slots": []})
