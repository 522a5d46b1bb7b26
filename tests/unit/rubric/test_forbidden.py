"""Forbidden-claim detector: claims made or excused, claim scope, invented discounts, clean sheet, validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import grade_reply
from tests.unit.rubric.helpers import detector, evaluate, rubric_of, spans


def test_forbidden_claims_with_negation() -> None:
    det = {
        "kind": "forbidden",
        "points": 10,
        "min_chars": 0,
        "items": [
            {
                "id": "guarantee",
                "label": "保证美白效果",
                "any": ["re:保证[^,。]{0,6}变白"],
                "unless": ["re:(不|没|无法)[^,。]{0,4}保证"],
            }
        ],
    }
    r = rubric_of(det, max_points=10)
    bad = grade_reply(r, "我们保证您一个月变白")
    assert bad.criteria[0].points == 0 and "forbidden_claim" in bad.flags and bad.score <= 10
    assert bad.criteria[0].evidence[0].kind == "claim"
    good = grade_reply(r, "我们不敢保证一个月就变白")
    assert good.criteria[0].points == 10 and "forbidden_claim" not in good.flags


def test_forbidden_custom_flag_and_cap_override() -> None:
    det = {
        "kind": "forbidden",
        "flag": "privacy_leak",
        "points": 10,
        "min_chars": 0,
        "items": [{"id": "phone", "label": "手机号", "any": [r"re:1[3-9][0-9]{9}"]}],
    }
    r = rubric_of(det, {"kind": "length", "min": 1, "points": 90}, caps={"privacy_leak": 5})
    res = grade_reply(r, "她的电话是13812345678")
    assert res.flags == ["privacy_leak"] and res.score == 5


CLAIMS = {
    "kind": "forbidden",
    "points": 10,
    "min_chars": 0,
    "penalty": 3,
    "items": [
        {"id": "free", "label": "破例包邮", "any": ["给您包邮", "免运费"]},
        {
            "id": "guarantee",
            "label": "保证美白",
            "any": ["re:保证[^,。]{0,6}变白"],
            "unless": ["re:(不|没|无法)[^,。]{0,4}保证"],
        },
    ],
}
SHIRT = "衬衣 199 元,满 299 包邮,两件9折"


def test_each_claim_made_costs_the_penalty_and_is_evidence() -> None:
    out = evaluate(CLAIMS, "这次给您包邮吧,保证您一个月变白。")
    assert out.points == -6 and out.flags == ["forbidden_claim"]
    assert [e.kind for e in out.evidence] == ["claim", "claim"]
    assert spans(out) == [("给您包邮", 2, 6, "破例包邮"), ("保证您一个月变白", 8, 16, "保证美白")]


def test_unless_excuses_a_claim_silently() -> None:
    out = evaluate(CLAIMS, "我们不敢保证一个月就变白。")
    assert out.points == 10 and out.flags == [] and out.evidence == []


def test_a_declined_claim_is_reported_as_scope_unless_scope_is_off() -> None:
    text = "单独给您包邮这边不好破例,规则对所有买家都一样。"
    out = evaluate(CLAIMS, text)
    assert out.points == 10 and out.flags == []
    assert [(e.kind,) + s for e, s in zip(out.evidence, spans(out))] == [
        ("phrase", "给您包邮", 2, 6, "破例包邮:紧接着婉拒或说明规则(不好破例、对所有买家都一样),不算作出")
    ]
    unscoped = evaluate(dict(CLAIMS, scope=False), text)
    assert unscoped.points == -3 and unscoped.flags == ["forbidden_claim"]
    assert spans(unscoped) == [("给您包邮", 2, 6, "破例包邮")]


def test_a_bundle_discount_offered_for_one_item_is_invented() -> None:
    out = evaluate(CLAIMS, "单件也给您打9折吧。", facts=SHIRT)
    assert out.points == -3 and out.flags == ["forbidden_claim"]
    assert spans(out) == [("打9折", 5, 8, "自行许诺折扣:9 折只适用于多件搭配购买")]
    assert evaluate(CLAIMS, "两件的话,9折。", facts=SHIRT).flags == []  # the bundle word of the clause before


def test_a_rate_the_facts_do_not_give_is_invented() -> None:
    out = evaluate(CLAIMS, "给您打个85折吧。", facts="衬衣 199 元,满 299 包邮")
    assert out.flags == ["forbidden_claim"]
    assert spans(out) == [("打个85折", 2, 7, "自行许诺折扣:事实中没有 8.5 折")]
    assert evaluate(CLAIMS, "没法给您打85折哦。", facts="衬衣 199 元,满 299 包邮").flags == []  # turned down
    assert evaluate(dict(CLAIMS, discounts=False), "给您打个85折吧。", facts="衬衣 199 元,满 299 包邮").flags == []
    assert evaluate(CLAIMS, "给您打个85折吧。").flags == []  # no facts, nothing to check against


def test_clean_sheet_needs_a_real_reply() -> None:
    det = dict(CLAIMS, min_chars=12)
    assert evaluate(det, "好的。").points == 0
    assert evaluate(det, "好的,满299就包邮,两件还能打9折。", facts=SHIRT).points == 10


def test_forbidden_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="at least 1 item"):
        detector({"kind": "forbidden", "items": []})
    with pytest.raises(ValidationError, match="should match pattern"):
        detector({"kind": "forbidden", "items": [{"id": "Free!", "label": "x", "any": ["包邮"]}]})
    with pytest.raises(ValidationError, match="matches the empty text"):
        detector({"kind": "forbidden", "items": [{"id": "free", "label": "x", "any": ["包邮"], "unless": ["re:不?"]}]})
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        detector({"kind": "forbidden", "penalty": -1, "items": [{"id": "free", "label": "x", "any": ["包邮"]}]})
