"""Facts detector: scenario facts and concrete steps found, missing items, substance flags and density."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import DEFAULT_CAPS, grade_reply
from tests.unit.rubric.helpers import DENSE_FACTS, evaluate, rubric_of, spans

FACTS = {
    "kind": "facts",
    "min_hits": 1,
    "min_points": 6,
    "items": [
        {"id": "threshold", "label": "满 299 包邮", "any": ["re:299"], "points": 5},
        {"id": "belt", "label": "配套腰带", "any": ["腰带", "配套"], "points": 5},
    ],
}


def test_facts_points_evidence_and_missing() -> None:
    res = grade_reply(rubric_of(FACTS, max_points=10), "满299包邮,加一条腰带就够了")
    c = res.criteria[0]
    assert c.points == 10
    assert [e.note for e in c.evidence if e.kind == "fact"] == ["满 299 包邮", "配套腰带"]
    res = grade_reply(rubric_of(FACTS, max_points=10), "满299包邮哦")
    assert res.criteria[0].points == 5
    assert [e.note for e in res.criteria[0].evidence if e.kind == "missing"] == ["配套腰带"]
    assert "thin_answer" in res.flags


def test_facts_none_found_flags_no_substance() -> None:
    res = grade_reply(rubric_of(FACTS, max_points=10), "亲,非常感谢您的支持,祝您购物愉快!")
    assert res.criteria[0].points == 0
    assert "no_substance" in res.flags
    assert res.score <= 20


def test_long_filler_is_flagged_by_density() -> None:
    r = rubric_of(DENSE_FACTS, max_points=10)
    filler = (
        "亲亲,非常感谢您一直以来对我们小店的支持和厚爱,我们小店一直用心做好每一件产品,每一位顾客都是我们的家人,"
        "您的包裹在中转站,还请您再耐心等一等,相信很快就能收到啦,祝您生活愉快,万事如意!"
    )
    res = grade_reply(r, filler, facts="包裹在中转站滞留 2 天")
    assert "filler" in res.flags and res.score <= DEFAULT_CAPS["filler"]
    assert any(e.kind == "density" for e in res.criteria[0].evidence)
    dense = (
        "亲,真抱歉让您久等了,换作是我也会着急的。我查了一下,包裹在中转站滞留了2天,我马上联系快递催件,"
        "有进展第一时间告诉您,您别担心,有问题随时找我。"
    )
    assert "filler" not in grade_reply(r, dense, facts="包裹在中转站滞留 2 天").flags
    off = rubric_of(dict(DENSE_FACTS, min_density=0), max_points=10)
    assert "filler" not in grade_reply(off, filler).flags


STEPS = rubric_of(
    {
        "kind": "facts",
        "min_hits": 1,
        "min_points": 10,
        "items": [
            {"id": "huabei", "label": "花呗", "any": ["花呗"], "points": 6},
            {"id": "ask", "label": "问提示", "any": ["re:提示|截图"], "points": 4, "generic": True},
        ],
    },
    max_points=10,
)


def test_concrete_steps_count_as_substance() -> None:
    # asking for the evidence and taking the next step oneself: a first step, not an empty reply
    res = grade_reply(STEPS, "请把订单号发我,我帮您核实一下。")
    assert "no_substance" not in res.flags and "thin_answer" in res.flags
    assert any(e.note == "具体的下一步" for e in res.criteria[0].evidence)
    # a scenario fact plus an own action is enough substance
    assert grade_reply(STEPS, "您可以先用花呗付,我帮您查一下原因。").flags == []
    # a vague promise to handle it is no step
    assert "no_substance" in grade_reply(STEPS, "我们会尽快为您处理的,请耐心等待。").flags
    off = rubric_of(dict(STEPS.criteria[0].detectors[0].model_dump(), step_points=0), max_points=10)
    assert "no_substance" in grade_reply(off, "请把订单号发我,我帮您核实一下。").flags


GREETED = {
    "kind": "facts",
    "min_hits": 1,
    "min_points": 6,
    "items": [
        {"id": "threshold", "label": "满 299 包邮", "any": ["re:299"], "points": 5},
        {"id": "belt", "label": "配套腰带", "any": ["腰带", "配套"], "points": 5},
        {"id": "hello", "label": "问候", "any": ["您好"], "points": 2, "generic": True},
    ],
}
FILLER = (
    "亲亲,非常感谢您一直以来对我们小店的支持和厚爱,我们小店一直用心做好每一件产品,每一位顾客都是我们的家人,"
    "您的包裹在中转站,还请您再耐心等一等,相信很快就能收到啦,祝您生活愉快,万事如意!"
)


def test_found_items_are_evidence_with_their_labels_and_core_totals() -> None:
    out = evaluate(GREETED, "您好,满299包邮,加一条腰带就够了")
    assert out.points == 12 and out.flags == []
    assert [(e.kind,) + s for e, s in zip(out.evidence, spans(out))] == [
        ("fact", "299", 4, 7, "满 299 包邮"),
        ("fact", "腰带", 13, 15, "配套腰带"),
        ("fact", "您好", 0, 2, "问候"),
    ]
    # the generic greeting earns its points but is no fact of the scenario
    assert (out.core_hits, out.core_points, out.core_max) == (2, 10, 10)


def test_generic_items_alone_are_no_substance() -> None:
    out = evaluate(GREETED, "您好,祝您购物愉快")
    assert out.points == 2 and out.flags == ["no_substance"] and out.core_hits == 0
    assert spans(out, "missing") == [("", None, None, "满 299 包邮"), ("", None, None, "配套腰带")]


def test_max_points_bounds_points_and_coverage() -> None:
    out = evaluate(dict(GREETED, max_points=6), "您好,满299包邮,加一条腰带就够了")
    assert out.points == 6 and (out.core_points, out.core_max) == (6, 6)


def test_custom_flag_names() -> None:
    det = dict(DENSE_FACTS, flag="nothing", thin_flag="thin", min_points=8)
    assert evaluate(det, "好的。").flags == ["nothing"]
    thin = evaluate(det, "包裹在中转站。")
    assert thin.flags == ["thin"] and thin.points == 5
    assert spans(thin) == [("中转站", 3, 6, "中转站滞留"), ("", None, None, "催件")]


def test_concrete_steps_outside_the_facts_are_evidence_and_coverage() -> None:
    out = evaluate(GREETED, "请把订单号发我,我帮您核实一下。")
    assert out.points == 0 and out.flags == []  # both kinds of step: one hit of substance, 2 x 4 points
    assert spans(out, "fact") == [("订单号", 2, 5, "具体的下一步"), ("我帮您核实", 8, 13, "具体的下一步")]
    assert (out.core_hits, out.core_points, out.core_max) == (0, 8, 10)
    no_steps = evaluate(dict(GREETED, step_points=0), "请把订单号发我,我帮您核实一下。")
    assert no_steps.flags == ["no_substance"] and spans(no_steps, "fact") == []


def test_density_evidence_and_threshold() -> None:
    out = evaluate(DENSE_FACTS, FILLER, facts="包裹在中转站滞留 2 天")
    assert out.flags == ["filler"]
    assert spans(out, "density") == [("", None, None, "只有 9% 的内容包含事实或具体步骤")]
    renamed = evaluate(dict(DENSE_FACTS, filler_flag="padding", min_density=0.05), FILLER)
    assert renamed.flags == []  # 9 % reaches a 5 % threshold
    short = evaluate(dict(DENSE_FACTS, filler_chars=200), FILLER)
    assert short.flags == [] and spans(short, "density") == []  # shorter than filler_chars: not checked


def test_numbers_of_the_facts_count_as_substance() -> None:
    reply = (
        "亲亲,非常感谢您一直以来对我们小店的支持和厚爱,我们小店一直用心做好每一件产品,"
        "您的包裹在中转站,已经停了2天,相信很快就能收到啦"
    )
    other = evaluate(DENSE_FACTS, reply, facts="包裹在中转站滞留 3 天")
    assert spans(other, "density") == [("", None, None, "只有 13% 的内容包含事实或具体步骤")]
    same = evaluate(DENSE_FACTS, reply, facts="包裹在中转站滞留 2 天")  # the clause with 2天 now counts
    assert spans(same, "density") == [("", None, None, "只有 23% 的内容包含事实或具体步骤")]


def test_facts_config_is_validated() -> None:
    item = {"id": "a", "label": "A", "any": ["甲"], "points": 1}
    with pytest.raises(ValidationError, match="fact item ids must be unique"):
        rubric_of({"kind": "facts", "items": [item, item]})
    with pytest.raises(ValidationError, match="greater than 0"):
        rubric_of({"kind": "facts", "items": [dict(item, points=0)]})
    with pytest.raises(ValidationError, match="should match pattern"):
        rubric_of({"kind": "facts", "items": [dict(item, id="Fact A")]})
    with pytest.raises(ValidationError, match="at least 1 item"):
        rubric_of({"kind": "facts", "items": [dict(item, any=[])]})
    with pytest.raises(ValidationError, match="at least 1 item"):
        rubric_of({"kind": "facts", "items": []})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        rubric_of({"kind": "facts", "items": [item], "min_density": 1.5})
