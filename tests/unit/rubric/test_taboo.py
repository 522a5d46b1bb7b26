"""Taboo detector: refusals, blame, shirking, promises, slang and rudeness in context; weights and excuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import TabooEntry, grade_reply
from tests.unit.rubric.helpers import detector, evaluate, points, rubric_of, spans

TABOO = {"kind": "taboo", "points": 10, "penalty": 4, "min_chars": 0}


@pytest.mark.parametrize(
    "text",
    [
        "我们一定不能让您失望,马上给您处理。",
        "这个效果我们不敢跟您保证,因为肤质不同。",
        "如果还是不行,可以找人代付。",
        "不会拿“保证变白”来忽悠您。",
        "收到裂的盖子肯定很扫兴。",
        "效果不一定一样,因人而异。",
        "不同屏幕肯定会有一点色差,这个先跟您说明。",
        "我们不会给您添麻烦的,放心。",
        "100%全棉面料,透气舒服。",
    ],
)
def test_taboo_context_exceptions(text: str) -> None:
    r = rubric_of(TABOO, max_points=10)
    res = grade_reply(r, text)
    assert res.criteria[0].points == 10, res.criteria[0].evidence
    assert "taboo" not in res.flags and "absolute_promise" not in res.flags


@pytest.mark.parametrize(
    "text,flag",
    [
        ("亲,这个不能便宜哦。", "taboo"),
        ("没办法,统一价。", "taboo"),
        ("折扣给不了啦。", "taboo"),
        ("我们不会给您便宜的。", "taboo"),
        ("放心,肯定有效。", "absolute_promise"),
        ("我们保证您一个月变白。", "absolute_promise"),
        ("百分百有效,绝对满意。", "absolute_promise"),
        ("凑单冲鸭,yyds!", "slang"),
        ("跟我们这边没有关系。", "blame"),
        ("您可以自己打快递电话问一下。", "shirk"),
        ("你谁啊?凭什么给你。", "rude"),
    ],
)
def test_taboo_hits(text: str, flag: str) -> None:
    res = grade_reply(rubric_of(TABOO, max_points=10), text)
    assert res.criteria[0].points <= 6
    assert flag in res.flags
    assert any(e.kind == "taboo" for e in res.criteria[0].evidence)


def test_taboo_categories_filter_and_inline_entries() -> None:
    only_rude = rubric_of(
        {"kind": "taboo", "categories": ["rude"], "penalty": 5, "points": 5, "min_chars": 0}, max_points=5
    )
    assert points(only_rude, "没办法。") == 5
    custom = rubric_of(
        {
            "kind": "taboo",
            "set": None,
            "points": 5,
            "penalty": 5,
            "min_chars": 0,
            "entries": [{"pattern": "亲爱滴", "category": "slang", "unless": ["亲爱滴们"]}],
        },
        max_points=5,
    )
    assert points(custom, "亲爱滴,在的") == 0
    assert points(custom, "亲爱滴们,在的") == 5


def test_taboo_clean_points_need_a_real_reply() -> None:
    r = rubric_of({"kind": "taboo", "points": 10, "min_chars": 12}, max_points=10)
    assert points(r, "嗯") == 0
    assert points(r, "您好,这款衬衣是全棉的,做工很好。") == 10


def test_but_after_praise_with_a_refusal_counts_once() -> None:
    r = rubric_of(TABOO, max_points=10)
    res = grade_reply(r, "您眼光真好,但是价格不能便宜哦。")
    assert res.criteria[0].points == 6  # one flaw, not two
    assert len([e for e in res.criteria[0].evidence if e.kind == "taboo"]) == 2
    two = grade_reply(r, "您眼光真好,但是价格不能便宜。包邮也不行。")
    assert two.criteria[0].points == 2


@pytest.mark.parametrize(
    "text,flag",
    [
        ("物流的事找中通去,我们管不了。", "shirk"),
        ("您去找快递理赔吧。", "shirk"),
        ("别家包邮您去别家买。", "shirk"),
        ("这不归我管。", "shirk"),
        ("付款不成功跟我们店没关系。", "blame"),
        ("肯定是快递摔坏的。", "blame"),
        ("嫌贵就别买。", "rude"),
        ("199已经很便宜了。", "argue"),
        ("家人们太会挑了,冲就完事了!", "slang"),
    ],
)
def test_more_taboo_hits(text: str, flag: str) -> None:
    assert flag in grade_reply(rubric_of(TABOO, max_points=10), text).flags


def test_light_affectionate_address_is_not_slang() -> None:
    r = rubric_of(TABOO, max_points=10)
    for text in ("宝子放心,我马上帮您查。", "小仙女眼光真好,这款很衬肤色。", "亲亲,满299就包邮哦。"):
        res = grade_reply(r, text)
        assert not {"slang", "taboo"} & set(res.flags), text
        assert res.criteria[0].points >= 9
    one = grade_reply(r, "凑上腰带就包邮啦,冲鸭!")
    assert "taboo" in one.flags and "slang" not in one.flags  # one slang word: one taboo word
    many = grade_reply(r, "家人们yyds,这件绝绝子!")
    assert "slang" in many.flags and many.criteria[0].points == 0


def test_a_refusal_is_reported_at_its_raw_position_with_its_note() -> None:
    out = evaluate(TABOO, "亲，\n这个  不能便宜哦")
    assert out.points == 6 and out.flags == ["taboo"]
    assert [e.kind for e in out.evidence] == ["taboo"]
    assert spans(out) == [("不能", 7, 9, "“不能”用作生硬拒绝")]  # offsets in the raw reply, spaces and all


@pytest.mark.parametrize(
    "text",
    [
        "我们一定不能让您失望。",
        "如果明天不能送到,我帮您申请补偿。",
        "能不能先看看照片?",
        "如果还是不行,可以找人代付。",
    ],
)
def test_excused_refusals_leave_no_trace(text: str) -> None:
    out = evaluate(TABOO, text)
    assert out.points == 10 and out.flags == [] and out.evidence == [], out.evidence


@pytest.mark.parametrize(
    "text,note",
    [
        ("保证变白这样的话我们不会说,效果要看肤质。", "明确拒绝给出这样的承诺,不算承诺"),
        ("很多店号称“百分百美白”,我们不这么宣传。", "引述的说法,不算承诺"),
    ],
)
def test_an_out_of_scope_promise_is_reported_but_not_charged(text: str, note: str) -> None:
    out = evaluate(TABOO, text)
    assert out.points == 10 and out.flags == []
    assert [(e.kind, e.note) for e in out.evidence] == [("phrase", note)]


def test_a_promise_made_is_charged() -> None:
    out = evaluate(TABOO, "我们保证明天就处理好")
    assert out.points == 6 and out.flags == ["absolute_promise"]
    assert spans(out) == [("保证", 2, 4, "绝对化承诺“保证”")]


def test_praise_then_a_rule_is_a_minor_flaw() -> None:
    out = evaluate(TABOO, "您眼光真好,不过这款是统一价,所有买家都一样。")
    assert out.points == 8  # half a hit
    assert out.flags == ["praise_but"]
    assert spans(out) == [("眼光真好,不过", 1, 8, "赞美之后紧跟“不过/但是”(其后是规则说明而非生硬拒绝,轻微扣分)")]


def test_a_refusal_right_after_but_is_noted_as_the_same_flaw() -> None:
    out = evaluate(TABOO, "您眼光真好,但是价格不能便宜哦。")
    assert out.points == 6 and out.flags == ["taboo"]
    assert spans(out) == [
        ("眼光真好,但是", 1, 8, "赞美之后紧跟“但是”"),
        ("不能", 10, 12, "“不能”用作生硬拒绝(紧跟在“但是”之后,与之算作一处)"),
    ]


def test_shirking_is_excused_by_own_help_anywhere_in_the_reply() -> None:
    bare = evaluate(TABOO, "付款问题请联系支付宝客服。")
    assert bare.points == 6 and bare.flags == ["shirk"]
    assert spans(bare) == [("请联系支付宝", 4, 10, "把顾客推给第三方(支付宝、银行、快递),自己不帮忙")]
    helped = evaluate(TABOO, "付款问题请联系支付宝客服,也可以截图发我看看。")
    assert helped.points == 10 and helped.flags == []
    assert [(e.kind, e.text) for e in helped.evidence] == [("phrase", "请联系支付宝")]
    assert helped.evidence[0].note.endswith("(回复里也给出了自己的具体帮助,不算推诿)")


def test_weights_and_the_penalty_bound() -> None:
    light = evaluate(TABOO, "宝子放心,我马上帮您查。")
    assert light.points == 9 and light.flags == []  # weight 0.25, a category that raises no flag
    assert spans(light) == [("宝子", 0, 2, "亲昵称呼(宝子、小仙女),略随意")]
    half = {
        "kind": "taboo",
        "set": None,
        "points": 10,
        "min_chars": 0,
        "penalty": 4,
        "entries": [{"pattern": "亲爱滴", "category": "slang", "weight": 0.5}],
    }
    out = evaluate(half, "亲爱滴,在的")
    assert out.points == 8 and out.flags == ["taboo"]  # one slang word is one taboo word
    assert spans(out) == [("亲爱滴", 0, 3, "Internet slang")]  # no note: the category's label (a msgid)
    four = "不能便宜,不行,没办法,做不到。"
    assert evaluate(TABOO, four).points == -6
    bounded = evaluate(dict(TABOO, max_penalty=6), four)
    assert bounded.points == 4 and len(bounded.evidence) == 4


def test_clean_sheet_of_a_short_reply_about_the_scenario() -> None:
    det = {"kind": "taboo", "points": 10, "min_chars": 12}
    assert evaluate(det, "顾客信息要保密", about=True).points == 10  # half of min_chars and more: all of it
    assert evaluate(det, "保密的哦", about=True).points == pytest.approx(10 / 3)  # on the ramp
    assert evaluate(det, "保密", about=True).points == 0  # a quarter of min_chars or less: none
    assert evaluate(det, "顾客信息要保密", about=False).points == 0  # short and not about the scenario


def test_categories_filter_the_library() -> None:
    rude = detector({"kind": "taboo", "categories": ["rude", "slang"]})
    assert {e.category for e in rude.all_entries} == {"rude", "slang"}
    assert detector({"kind": "taboo", "set": None}).all_entries == []


def test_taboo_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="unknown taboo set"):
        rubric_of({"kind": "taboo", "set": "nope"})
    with pytest.raises(ValidationError, match="empty phrase"):
        detector({"kind": "taboo", "entries": [{"pattern": "re:"}]})
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        TabooEntry.model_validate({"pattern": "不能", "weight": -1})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        TabooEntry.model_validate({"pattern": "不能", "because": "rude"})
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        detector({"kind": "taboo", "penalty": -5})
