"""Contempt detector: contempt, sarcasm, rudeness, blame of the customer, sending them away and arguing, read
in context; the cap near zero names the phrase; a phrase charged here is not charged again as a taboo word."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import DEFAULT_CAPS, grade_reply
from tests.unit.rubric.helpers import detector, evaluate, rubric_of, two_criteria

CONTEMPT = {"kind": "contempt", "penalty": 5}


@pytest.mark.parametrize(
    "text,category",
    [
        ("懒得解释,价格就这样。", "contempt"),
        ("烦不烦,说了不讲价。", "rude"),
        ("详情页都有,你自己不会看吗?", "sarcasm"),
        ("这么简单的都不会?换个方式付就行。", "sarcasm"),
        ("两百多块也叫贵?", "sarcasm"),
        ("连10块钱运费都舍不得啊。", "contempt"),
        ("天天催,催我也没用。", "contempt"),
        ("物流慢我有什么办法。", "sarcasm"),
        ("肯定是你自己摔坏的。", "blame"),
        ("那是你自己的问题,跟我们无关。", "blame"),
        ("不满意就别买了。", "dismiss"),
        ("嫌贵可以去别家看看。", "dismiss"),
        ("爱买不买。", "dismiss"),
        ("你还想多便宜?", "argue"),
        ("都说了不退。", "argue"),
        ("用差评威胁我们是吧?", "rude"),
        ("是不是没在网上买过东西?", "contempt"),
    ],
)
def test_contempt_hits(text: str, category: str) -> None:
    out = evaluate(CONTEMPT, text)
    assert out.flags == ["contempt"], (text, out.evidence)
    hits = [e for e in out.evidence if e.kind == "contempt"]
    assert hits and out.points == -5 * len(hits)
    from exam.grading.rubric.detectors.contempt import CONTEMPT_CATEGORIES

    assert CONTEMPT_CATEGORIES[category] in {e.note for e in hits}
    assert all(e.text == text[e.start : e.end] for e in hits)


@pytest.mark.parametrize(
    "text",
    [
        "我们一定不会让您失望,马上给您处理。",
        "这不是您的问题,是我们检查没做好。",
        "我们绝不会跟您说“爱买不买”这种话。",
        "您先别拍,我帮您把运费改一下再付款。",
        "理解您着急,我马上帮您催中通。",
        "补发还是退款,您自己选哪种都行。",
        "可能是您这边网络不太稳定,换个网络试试。",
        "我看看我们有什么办法能帮您。",
        "不用去别家比了,我给您说说这款的做工。",
        "您急什么时候用?我帮您备注加急。",
        "穿上就舍不得脱了,颜色特别显气色。",
        "不会让您白跑一趟,您放心。",
        "您说得对,这个价格确实不便宜。",
    ],
)
def test_context_is_not_contempt(text: str) -> None:
    out = evaluate(CONTEMPT, text)
    assert out.flags == [] and out.points == 0, out.evidence
    assert not any(e.kind == "contempt" for e in out.evidence)


def test_negated_or_quoted_phrase_is_reported_as_excused() -> None:
    out = evaluate(CONTEMPT, "我们绝不会跟您说“爱买不买”这种话。")
    assert [(e.kind, e.text) for e in out.evidence] == [("phrase", "爱买不买")]


def test_contempt_caps_near_zero_and_names_the_phrase() -> None:
    rubric = two_criteria(CONTEMPT)
    res = grade_reply(rubric, "199全棉大厂代工,统一价不议价,两件9折,自己不会看吗?")
    assert res.flags == ["contempt"] and res.score == DEFAULT_CAPS["contempt"] <= 10
    (cap,) = res.caps
    assert (cap.flag, cap.max, cap.criterion, cap.phrase) == ("contempt", 10.0, "c", "自己不会看吗")
    assert res.as_dict()["caps"][0]["phrase"] == "自己不会看吗"


def test_one_phrase_is_charged_once() -> None:
    rubric = rubric_of(
        CONTEMPT, {"kind": "taboo", "categories": ["shirk", "rude"], "penalty": 5, "min_chars": 0}, max_points=20
    )
    res = grade_reply(rubric, "别家包邮您去别家买。")
    kinds = [(e.kind, e.text) for e in res.criteria[0].evidence]
    assert kinds == [("contempt", "别家包邮您去别家")]  # the taboo detector does not charge it again
    assert res.criteria[0].points == 0 and "contempt" in res.flags and "shirk" not in res.flags


def test_each_phrase_once_and_penalty_bounded() -> None:
    out = evaluate(dict(CONTEMPT, max_penalty=7), "天天催,急什么,快递又不是我们开的。")
    texts = [e.text for e in out.evidence]
    assert texts == ["天天催", "急什么", "又不是我们开的"] and out.points == -7


def test_categories_inline_entries_and_builtin() -> None:
    only = evaluate(dict(CONTEMPT, categories=["dismiss"]), "你自己不会看吗?爱买不买。")
    assert [e.text for e in only.evidence] == ["爱买不买"]
    mine = evaluate(
        {"kind": "contempt", "builtin": False, "entries": [{"pattern": "亲爱的你懂吗", "category": "sarcasm"}]},
        "亲爱的你懂吗?爱买不买。",
    )
    assert [e.text for e in mine.evidence] == ["亲爱的你懂吗"]
    with pytest.raises(ValidationError, match="invalid regular expression"):
        detector({"kind": "contempt", "entries": [{"pattern": "re:(", "category": "rude"}]})
    with pytest.raises(ValidationError):
        detector({"kind": "contempt", "penalty": -1})
