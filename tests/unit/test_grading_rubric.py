"""Rubric engine: model validation, every detector kind (with the taboo traps), caps and overrides."""
from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from exam.grading.rubric import DEFAULT_CAPS, Rubric, grade_reply, recompute_score


def rubric_of(*detectors: dict[str, Any], max_points: float = 100, **extra: Any) -> Rubric:
    """A one-criterion rubric (padded to 100 points with an empty criterion when needed)."""
    criteria: list[dict[str, Any]] = [{"id": "c", "label": "C", "max": max_points, "detectors": list(detectors)}]
    if max_points < 100:
        criteria.append({"id": "pad", "label": "Pad", "max": 100 - max_points,
                         "detectors": [{"kind": "length", "max": 1, "points": 0}]})
    return Rubric.model_validate({"criteria": criteria, **extra})


def points(rubric: Rubric, text: str, **kw: Any) -> float:
    """Points of the first criterion."""
    return grade_reply(rubric, text, **kw).criteria[0].points


# --------------------------------------------------------------------------- validation


def test_criteria_must_add_up_to_100() -> None:
    with pytest.raises(ValidationError, match="add up to 100"):
        Rubric.model_validate({"criteria": [{"id": "a", "label": "A", "max": 60,
                                             "detectors": [{"kind": "length", "min": 1, "points": 1}]}]})


def test_criterion_ids_unique() -> None:
    crit = {"id": "a", "label": "A", "max": 50, "detectors": [{"kind": "length", "min": 1, "points": 1}]}
    with pytest.raises(ValidationError, match="duplicate criterion ids: a"):
        Rubric.model_validate({"criteria": [crit, crit]})


def test_unknown_fields_and_kinds_rejected() -> None:
    with pytest.raises(ValidationError):
        rubric_of({"kind": "phrases", "phrases": ["x"], "points": 1, "bogus": 1})
    with pytest.raises(ValidationError):
        rubric_of({"kind": "telepathy", "points": 1})
    with pytest.raises(ValidationError, match="unknown phrase set"):
        rubric_of({"kind": "phrases", "set": "no_such_set", "points": 1})
    with pytest.raises(ValidationError, match="give a library"):
        rubric_of({"kind": "phrases", "points": 1})
    with pytest.raises(ValidationError, match="unknown taboo set"):
        rubric_of({"kind": "taboo", "set": "nope"})


def test_phrases_are_validated() -> None:
    with pytest.raises(ValidationError, match="invalid regular expression"):
        rubric_of({"kind": "phrases", "phrases": ["re:(unclosed"], "points": 1})
    with pytest.raises(ValidationError, match="matches the empty text"):
        rubric_of({"kind": "facts", "items": [{"id": "a", "label": "A", "any": ["re:x*"], "points": 1}]})
    with pytest.raises(ValidationError, match="empty phrase"):
        rubric_of({"kind": "taboo", "entries": [{"pattern": ""}]})


def test_json_schema_is_available() -> None:
    schema = Rubric.model_json_schema()
    assert "criteria" in schema["properties"]


# --------------------------------------------------------------------------- phrases / position


def test_phrases_modes_and_partial() -> None:
    concepts = [["谢谢", "感谢"], "抱歉", "欢迎"]
    any_r = rubric_of({"kind": "phrases", "phrases": concepts, "points": 10}, max_points=10)
    all_r = rubric_of({"kind": "phrases", "phrases": concepts, "mode": "all", "points": 10}, max_points=10)
    two_r = rubric_of({"kind": "phrases", "phrases": concepts, "mode": "at_least", "n": 2, "points": 10,
                       "partial": True}, max_points=10)
    text = "感谢您的耐心,抱歉久等"
    assert points(any_r, text) == 10
    assert points(all_r, text) == 0
    assert points(two_r, text) == 10
    assert points(two_r, "感谢感谢谢谢") == 5  # synonyms of one concept count once


def test_phrases_evidence_points_at_raw_text() -> None:
    r = rubric_of({"kind": "phrases", "phrases": ["欢迎光临"], "points": 5}, max_points=5)
    text = "亲，\n欢迎光临!"
    ev = grade_reply(r, text).criteria[0].evidence[0]
    assert (ev.kind, ev.text) == ("phrase", "欢迎光临")
    assert text[ev.start:ev.end] == "欢迎光临"


def test_regex_phrases_run_on_normalised_text() -> None:
    r = rubric_of({"kind": "phrases", "phrases": [r"re:满\s*299"], "points": 5}, max_points=5)
    ev = grade_reply(r, "我们是满２９９包邮").criteria[0].evidence[0]  # full-width digits
    assert ev.text == "满２９９"


def test_negative_phrase_points_and_flag() -> None:
    r = rubric_of({"kind": "phrases", "set": "respect", "points": 10},
                  {"kind": "phrases", "set": "sloppy", "points": -4, "flag": "sloppy"}, max_points=10)
    res = grade_reply(r, "亲 您好 这个 有货的")
    assert res.criteria[0].points == 6
    assert "sloppy" in res.flags


def test_position_start_and_end() -> None:
    r = rubric_of({"kind": "position", "phrases": ["您好"], "at": "start", "within": 6, "points": 3},
                  {"kind": "position", "set": "closing", "at": "end", "within": 12, "points": 4}, max_points=7)
    assert points(r, "您好,衬衣还有货,满299包邮,有问题随时联系我。") == 7
    # greeting too late, closing too early
    assert points(r, "衬衣还有货的亲,您好,有问题随时联系我,满299元包邮哦,今天下单明天发货。") == 0


# --------------------------------------------------------------------------- taboo


TABOO = {"kind": "taboo", "points": 10, "penalty": 4, "min_chars": 0}


@pytest.mark.parametrize("text", [
    "我们一定不能让您失望,马上给您处理。",
    "这个效果我们不敢跟您保证,因为肤质不同。",
    "如果还是不行,可以找人代付。",
    "不会拿“保证变白”来忽悠您。",
    "收到裂的盖子肯定很扫兴。",
    "效果不一定一样,因人而异。",
    "不同屏幕肯定会有一点色差,这个先跟您说明。",
    "我们不会给您添麻烦的,放心。",
    "100%全棉面料,透气舒服。",
])
def test_taboo_context_exceptions(text: str) -> None:
    r = rubric_of(TABOO, max_points=10)
    res = grade_reply(r, text)
    assert res.criteria[0].points == 10, res.criteria[0].evidence
    assert "taboo" not in res.flags and "absolute_promise" not in res.flags


@pytest.mark.parametrize("text,flag", [
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
])
def test_taboo_hits(text: str, flag: str) -> None:
    res = grade_reply(rubric_of(TABOO, max_points=10), text)
    assert res.criteria[0].points <= 6
    assert flag in res.flags
    assert any(e.kind == "taboo" for e in res.criteria[0].evidence)


def test_taboo_categories_filter_and_inline_entries() -> None:
    only_rude = rubric_of({"kind": "taboo", "categories": ["rude"], "penalty": 5, "points": 5, "min_chars": 0},
                          max_points=5)
    assert points(only_rude, "没办法。") == 5
    custom = rubric_of({"kind": "taboo", "set": None, "points": 5, "penalty": 5, "min_chars": 0,
                        "entries": [{"pattern": "亲爱滴", "category": "slang", "unless": ["亲爱滴们"]}]},
                       max_points=5)
    assert points(custom, "亲爱滴,在的") == 0
    assert points(custom, "亲爱滴们,在的") == 5


def test_taboo_clean_points_need_a_real_reply() -> None:
    r = rubric_of({"kind": "taboo", "points": 10, "min_chars": 12}, max_points=10)
    assert points(r, "嗯") == 0
    assert points(r, "您好,这款衬衣是全棉的,做工很好。") == 10


# --------------------------------------------------------------------------- facts / forbidden


FACTS = {"kind": "facts", "min_hits": 1, "min_points": 6, "items": [
    {"id": "threshold", "label": "满 299 包邮", "any": ["re:299"], "points": 5},
    {"id": "belt", "label": "配套腰带", "any": ["腰带", "配套"], "points": 5},
]}


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


def test_forbidden_claims_with_negation() -> None:
    det = {"kind": "forbidden", "points": 10, "min_chars": 0, "items": [{
        "id": "guarantee", "label": "保证美白效果", "any": ["re:保证[^,。]{0,6}变白"],
        "unless": ["re:(不|没|无法)[^,。]{0,4}保证"]}]}
    r = rubric_of(det, max_points=10)
    bad = grade_reply(r, "我们保证您一个月变白")
    assert bad.criteria[0].points == 0 and "forbidden_claim" in bad.flags and bad.score <= 10
    assert bad.criteria[0].evidence[0].kind == "claim"
    good = grade_reply(r, "我们不敢保证一个月就变白")
    assert good.criteria[0].points == 10 and "forbidden_claim" not in good.flags


def test_forbidden_custom_flag_and_cap_override() -> None:
    det = {"kind": "forbidden", "flag": "privacy_leak", "points": 10, "min_chars": 0,
           "items": [{"id": "phone", "label": "手机号", "any": [r"re:1[3-9][0-9]{9}"]}]}
    r = rubric_of(det, {"kind": "length", "min": 1, "points": 90}, caps={"privacy_leak": 5})
    res = grade_reply(r, "她的电话是13812345678")
    assert res.flags == ["privacy_leak"] and res.score == 5


# --------------------------------------------------------------------------- relevance / similarity / length


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
    r = rubric_of({"kind": "relevance", "points": 4, "target": 2, "use_scenario": False,
                   "terms": [["物流", "快递"], "催"]}, max_points=4)
    assert points(r, "我帮您催一下快递") == 4


def test_similarity_to_model_answers() -> None:
    r = rubric_of({"kind": "similarity", "points": 10, "floor": 0.1, "ceil": 0.6}, max_points=10)
    model = ["包裹在中转站滞留了两天,我马上联系中通催件,有进展第一时间告诉您。"]
    near = points(r, "包裹在中转站滞留两天了,我马上联系中通催件。", model_answers=model)
    far = points(r, "这款衬衣是全棉的,大厂代工。", model_answers=model)
    assert near > 5 > far
    assert points(r, "任何回复", model_answers=[]) == 0


def test_length_bounds() -> None:
    r = rubric_of({"kind": "length", "min": 5, "max": 10, "points": 4, "penalty": 2}, max_points=4)
    assert points(r, "您好,有货的亲") == 4
    assert points(r, "有") == 0
    with pytest.raises(ValidationError):
        rubric_of({"kind": "length", "points": 1})


# --------------------------------------------------------------------------- guards, totals, overrides


def test_guards_empty_english_short() -> None:
    r = rubric_of({"kind": "length", "min": 1, "points": 100})
    assert grade_reply(r, "   ").score == 0
    assert grade_reply(r, "   ").flags == ["empty"]
    eng = grade_reply(r, "Sorry, we cannot give a discount, the price is fixed for everyone.")
    assert "wrong_language" in eng.flags and eng.score <= 10
    short = grade_reply(r, "不打折")
    assert "too_short" in short.flags and short.score <= 20


def test_criterion_points_are_clamped() -> None:
    r = rubric_of({"kind": "phrases", "phrases": ["您"], "points": 30},
                  {"kind": "phrases", "phrases": ["你"], "points": -50}, max_points=20)
    assert points(r, "您好您好您好") == 20
    assert points(r, "你好") == 0


def test_recompute_with_overrides_drops_that_criterions_caps() -> None:
    rubric = Rubric.model_validate({"criteria": [
        {"id": "solve", "label": "解决问题", "max": 60, "detectors": [
            {"kind": "phrases", "phrases": ["299"], "points": 60}]},
        {"id": "honesty", "label": "原则", "max": 40, "detectors": [
            {"kind": "forbidden", "points": 40, "min_chars": 0,
             "items": [{"id": "free", "label": "破例包邮", "any": ["给您包邮"]}]}]},
    ]})
    res = grade_reply(rubric, "满299才包邮,这次给您包邮吧")
    assert res.score == DEFAULT_CAPS["forbidden_claim"] == 15  # forbidden_claim caps the total
    d = res.as_dict()
    assert recompute_score(d["criteria"], caps=d["caps"]) == res.score
    # a trainer judges the honesty criterion by hand: its cap goes, the override counts
    assert recompute_score(d["criteria"], {"honesty": 30}, d["caps"]) == 90
    with pytest.raises(ValueError):
        recompute_score(d["criteria"], {"honesty": 41}, d["caps"])
    with pytest.raises(ValueError):
        recompute_score(d["criteria"], {"nope": 1}, d["caps"])


def test_guard_caps_stay_unless_asked() -> None:
    criteria = [{"id": "a", "points": 80, "max": 100}]
    caps = [{"flag": "too_short", "max": 20, "criterion": None}]
    assert recompute_score(criteria, {"a": 90}, caps) == 20
    assert recompute_score(criteria, {"a": 90}, caps, keep_guard_caps=False) == 90


def test_as_dict_contract() -> None:
    r = rubric_of({"kind": "phrases", "set": "courtesy", "points": 10})
    d = grade_reply(r, "您好,谢谢您", question="reply.x").as_dict()
    assert d["question"] == "reply.x"
    assert set(d) >= {"question", "score", "criteria", "flags"}
    c = d["criteria"][0]
    assert set(c) >= {"id", "label", "points", "max", "evidence"}
    assert set(c["evidence"][0]) == {"kind", "text", "start", "end", "note"}


def test_shared_lexicon_phrases_are_valid() -> None:
    from exam.grading.lexicon import PHRASE_SETS, TABOO_FLAGS, TABOO_SETS
    from exam.grading.rubric import TabooEntry, _valid_phrase

    for concepts in PHRASE_SETS.values():
        for concept in concepts:
            for phrase in [concept] if isinstance(concept, str) else concept:
                _valid_phrase(phrase)
    for entries in TABOO_SETS.values():
        for entry in entries:
            assert TabooEntry.model_validate(entry).category in TABOO_FLAGS


# --------------------------------------------------------------------------- fact check (contradiction)


def two_criteria(det: dict[str, Any]) -> Rubric:
    """Criterion ``c`` (10 points) holds ``det``; criterion ``rest`` gives any reply 90 points, so caps show."""
    return Rubric.model_validate({"criteria": [
        {"id": "c", "label": "C", "max": 10, "detectors": [det]},
        {"id": "rest", "label": "Rest", "max": 90, "detectors": [{"kind": "length", "min": 1, "points": 90}]},
    ]})


def contra(*slots: dict[str, Any], **extra: Any) -> Rubric:
    """A rubric whose first criterion is a contradiction detector (clean sheet 10 points)."""
    return two_criteria({"kind": "contradiction", "points": 10, "min_chars": 0, "slots": list(slots), **extra})


COURIER = {"id": "courier", "label": "中通快递", "set": "couriers", "right": ["中通"]}
SHIPPED = {"id": "shipped", "label": "5 天前发货", "value": 5, "unit": "天",
           "patterns": ["{n}天前[^,。!?]{0,8}(发|寄)"],
           "wrong": ["re:(昨天|今天)[^,。!?]{0,3}(才|刚)?(发|寄)(货|出|的|了)"]}
EFFECT = {"id": "effect", "label": "4 周左右可见改善", "value": 4, "unit": "周", "direction": "less",
          "patterns": ["{q}[^,。!?]{0,10}(见效|改善|变白)"]}


@pytest.mark.parametrize("text", [
    "您的包裹是中通发的,5天前就发出了。",
    "不是顺丰,是中通5天前发出的。",
    "如果急用,我可以给您改发顺丰补发一个。",
    "包裹五天前从中通发出,正常3-5天到。",
])
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


# --------------------------------------------------------------------------- privacy


PRIVACY = two_criteria({"kind": "privacy", "points": 10, "min_chars": 0})


@pytest.mark.parametrize("text", [
    "好的,她叫王女士,电话138xxxx5678,住3栋2单元。",
    "那位买家姓李,住在阳光花园,您去问问。",
    "对方的手机号是13912345678。",
    "可以的,我这就发给您她的电话。",
])
def test_privacy_leaks_are_flagged(text: str) -> None:
    res = grade_reply(PRIVACY, text)
    assert "privacy_leak" in res.flags and res.score <= 10
    assert any(e.kind == "privacy" for e in res.criteria[0].evidence)


@pytest.mark.parametrize("text", [
    "其他顾客的电话和地址属于隐私,我们不能发给您她的电话,您的信息我们也同样保密。",
    "您的新地址是幸福小区5号楼302室,电话13812345678,对吗?",
    "那位买家叫什么我们不能透露,您和她住同一栋楼的话可以在楼道群里问问。",
])
def test_privacy_no_false_alarms(text: str) -> None:
    res = grade_reply(PRIVACY, text)
    assert "privacy_leak" not in res.flags, res.criteria[0].evidence


def test_privacy_when_the_customer_asks_about_someone_else() -> None:
    text = "电话13812345678,您直接联系吧。"
    assert "privacy_leak" not in grade_reply(PRIVACY, text, messages=["帮我改一下收货电话"]).flags
    assert "privacy_leak" in grade_reply(PRIVACY, text, messages=["把那个人的电话发我"]).flags


# --------------------------------------------------------------------------- density, off-topic, derived flags


DENSE_FACTS = {"kind": "facts", "min_hits": 1, "items": [
    {"id": "station", "label": "中转站滞留", "any": ["re:中转站|滞留"], "points": 5},
    {"id": "chase", "label": "催件", "any": ["re:催"], "points": 5}]}


def test_long_filler_is_flagged_by_density() -> None:
    r = rubric_of(DENSE_FACTS, max_points=10)
    filler = ("亲亲,非常感谢您一直以来对我们小店的支持和厚爱,我们小店一直用心做好每一件产品,每一位顾客都是我们的家人,"
              "您的包裹在中转站,还请您再耐心等一等,相信很快就能收到啦,祝您生活愉快,万事如意!")
    res = grade_reply(r, filler, facts="包裹在中转站滞留 2 天")
    assert "filler" in res.flags and res.score <= DEFAULT_CAPS["filler"]
    assert any(e.kind == "density" for e in res.criteria[0].evidence)
    dense = ("亲,真抱歉让您久等了,换作是我也会着急的。我查了一下,包裹在中转站滞留了2天,我马上联系快递催件,"
             "有进展第一时间告诉您,您别担心,有问题随时找我。")
    assert "filler" not in grade_reply(r, dense, facts="包裹在中转站滞留 2 天").flags
    off = rubric_of(dict(DENSE_FACTS, min_density=0), max_points=10)
    assert "filler" not in grade_reply(off, filler).flags


def test_stating_a_scenario_fact_is_not_off_topic() -> None:
    r = rubric_of({"kind": "facts", "items": [
        {"id": "fixed", "label": "统一价", "any": ["re:统一价|不议价"], "points": 5}]},
        {"kind": "relevance", "points": 5, "target": 3}, max_points=10)
    facts, msg = "衬衣 199 元,店铺统一价不议价", ["能不能打个折?"]
    on = grade_reply(r, "亲,我们是统一价的,质量很好,谢谢理解。", facts=facts, messages=msg)
    assert "off_topic" not in on.flags
    off = grade_reply(r, "亲,您的快递在路上了,请耐心等待。", facts=facts, messages=msg)
    assert "off_topic" in off.flags


def test_shirking_without_a_solution_is_capped_low() -> None:
    r = rubric_of(dict(DENSE_FACTS, min_points=10), {"kind": "taboo", "categories": ["blame", "shirk"], "penalty": 0},
                  {"kind": "length", "min": 1, "points": 90})
    alone = grade_reply(r, "包裹在中转站滞留了,我马上帮您催一下,您也可以自己打电话问问快递。")
    assert "shirk" not in alone.flags and alone.score == 100
    helped = grade_reply(r, "包裹在中转站滞留了,我马上帮您催一下,物流的事您也可以找快递去问。")
    assert helped.flags == []
    shirk = grade_reply(r, "包裹在中转站,物流的事找快递去,我们管不了。")
    assert {"shirk", "thin_answer", "shirk_no_solution"} <= set(shirk.flags)
    assert shirk.score == DEFAULT_CAPS["shirk_no_solution"]
    assert [c.criterion for c in shirk.caps if c.flag == "shirk_no_solution"] == ["c"]


def test_but_after_praise_with_a_refusal_counts_once() -> None:
    r = rubric_of(TABOO, max_points=10)
    res = grade_reply(r, "您眼光真好,但是价格不能便宜哦。")
    assert res.criteria[0].points == 6  # one flaw, not two
    assert len([e for e in res.criteria[0].evidence if e.kind == "taboo"]) == 2
    two = grade_reply(r, "您眼光真好,但是价格不能便宜。包邮也不行。")
    assert two.criteria[0].points == 2


@pytest.mark.parametrize("text,flag", [
    ("物流的事找中通去,我们管不了。", "shirk"),
    ("您去找快递理赔吧。", "shirk"),
    ("别家包邮您去别家买。", "shirk"),
    ("这不归我管。", "shirk"),
    ("付款不成功跟我们店没关系。", "blame"),
    ("肯定是快递摔坏的。", "blame"),
    ("嫌贵就别买。", "rude"),
    ("199已经很便宜了。", "argue"),
    ("家人们太会挑了,冲就完事了!", "slang"),
])
def test_more_taboo_hits(text: str, flag: str) -> None:
    assert flag in grade_reply(rubric_of(TABOO, max_points=10), text).flags


# --------------------------------------------------------------------------- the holdout2 rater's weaknesses (engine level)
# New sentences written for these tests; none is from the calibration sets.

PROMISE_SCOPE = two_criteria({"kind": "taboo", "categories": ["promise"], "points": 10, "min_chars": 0})
EFFECT_CLAIM = two_criteria({"kind": "forbidden", "points": 10, "min_chars": 0, "items": [{
    "id": "effect", "label": "保证效果",
    "any": ["re:(保证|肯定|绝对|一定|百分百|100%)[^,。!?]{0,8}(变白|白|有效|见效|效果|退款|满意)"]}]})


@pytest.mark.parametrize("text", [
    "我没法跟您打包票,效果因人而异。",
    "不能百分百保证效果,每个人肤质不一样。",
    "用一个月就变白这种承诺,我们真的给不了您。",
    "保证变白这样的话我们不会说,效果要看肤质。",
    "您问能不能保证效果,说实话因人而异。",
    "谁敢保证用一个月就变白呢?我们只能如实说明。",
    "很多店号称“百分百美白”,我们不这么宣传。",
    "效果这个真的保证不了,坚持用4周左右一般能看到改善。",
    "所谓的保证变白都是夸大,我们不这么说。",
])
def test_negated_refused_or_quoted_promises_are_not_promises(text: str) -> None:
    for r in (PROMISE_SCOPE, EFFECT_CLAIM):
        res = grade_reply(r, text)
        assert not {"absolute_promise", "forbidden_claim"} & set(res.flags), (text, res.criteria[0].evidence)
        assert res.criteria[0].points == 10


@pytest.mark.parametrize("text", [
    "保证您一个月变白,百分百有效!",
    "放心,肯定有效,不满意保证退款。",
    "不会让您失望的,一定会变白。",
    "您别担心保证变白。",
    "我们不仅保证效果,还保证售后。",
    "用了一定会变白,这个我敢保证。",
    "保证有效,这个承诺我们一定兑现。",
    "不是我吹,这款绝对有效。",
])
def test_real_promises_are_still_caught(text: str) -> None:
    flags = set(grade_reply(PROMISE_SCOPE, text).flags) | set(grade_reply(EFFECT_CLAIM, text).flags)
    assert {"absolute_promise", "forbidden_claim"} & flags, text


def test_a_refused_promise_is_reported_as_honest_evidence() -> None:
    res = grade_reply(EFFECT_CLAIM, "保证您一个月变白,这种承诺我们真给不了。")
    notes = [e.note for e in res.criteria[0].evidence if e.kind == "phrase"]
    assert notes and "不算承诺" in notes[0]


CREDENTIALS = two_criteria({"kind": "privacy", "points": 10, "min_chars": 0})


@pytest.mark.parametrize("text", [
    "您把卡号和取款密码报给我,我这边帮您付。",
    "麻烦提供一下您的身份证号,我这边核实。",
    "把收到的短信验证码告诉我一下,我帮您操作。",
    "我帮您登录您的支付宝看看哪里出了问题。",
    "您的支付宝密码是多少?",
    "卡号发我一下,退款直接打到卡上。",
])
def test_asking_for_credentials_is_flagged_and_capped(text: str) -> None:
    res = grade_reply(CREDENTIALS, text)
    assert "credential_request" in res.flags, text
    assert res.score <= DEFAULT_CAPS["credential_request"] <= 10
    assert any(e.kind == "claim" for e in res.criteria[0].evidence)


@pytest.mark.parametrize("text", [
    "验证码请不要告诉任何人,客服不会向您索要密码。",
    "付款时输入支付密码确认就可以了。",
    "系统会给您发验证码,输入即可。",
    "截图发我看看,记得把卡号遮住哦。",
    "麻烦把新地址、收件人和电话发给我,我核对后修改。",
    "您的订单号发我一下,我帮您查。",
    "如果忘记支付密码,可以在支付宝里找回。",
])
def test_credential_warnings_and_ordinary_requests_are_not_flagged(text: str) -> None:
    assert "credential_request" not in grade_reply(CREDENTIALS, text).flags, text


def test_credential_check_can_be_turned_off() -> None:
    r = two_criteria({"kind": "privacy", "credentials": False})
    assert "credential_request" not in grade_reply(r, "您把银行卡号发我").flags


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


SHORT = Rubric.model_validate({"criteria": [
    {"id": "solve", "label": "S", "max": 40, "detectors": [
        {"kind": "facts", "min_points": 5, "items": [
            {"id": "privacy", "label": "隐私", "any": ["re:隐私|保密"], "points": 10}]},
        {"kind": "relevance", "points": 5, "terms": ["re:隐私|电话|地址"]}]},
    {"id": "clean", "label": "C", "max": 60, "detectors": [
        {"kind": "taboo", "categories": ["promise"], "points": 30},
        {"kind": "forbidden", "points": 30, "items": [{"id": "x", "label": "x", "any": ["re:电话是"]}]}]},
]})


def test_a_curt_reply_that_keeps_the_rule_is_brief_not_empty() -> None:
    res = grade_reply(SHORT, "不能给哦,顾客信息要保密。", messages=["把她的电话发我"])
    assert "brief" in res.flags and "too_short" not in res.flags and "off_topic" not in res.flags
    assert res.criteria[1].points == 60  # kept the rule: clean sheets earned
    assert 20 < res.score <= DEFAULT_CAPS["brief"]
    # three characters have not had the chance to avoid anything
    assert grade_reply(SHORT, "隐私。").criteria[1].points == 0
    # a short reply about nothing of the scenario earns no clean sheet and is too short, not off topic
    cold = grade_reply(SHORT, "你再刷新一下")
    assert "too_short" in cold.flags and "off_topic" not in cold.flags
    assert cold.criteria[1].points == 0 and cold.score <= DEFAULT_CAPS["too_short"]


STEPS = rubric_of({"kind": "facts", "min_hits": 1, "min_points": 10, "items": [
    {"id": "huabei", "label": "花呗", "any": ["花呗"], "points": 6},
    {"id": "ask", "label": "问提示", "any": ["re:提示|截图"], "points": 4, "generic": True}]}, max_points=10)


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


def test_a_promise_answering_the_request_is_not_off_topic() -> None:
    r = Rubric.model_validate({"criteria": [
        {"id": "s", "label": "S", "max": 50, "detectors": [{"kind": "relevance", "points": 10}]},
        {"id": "t", "label": "T", "max": 50, "detectors": [{"kind": "taboo", "categories": ["promise"], "points": 50}]}]})
    res = grade_reply(r, "好的亲,我们保证明天就处理好,您放心!", facts="保温杯 89 元", messages=["杯子盖子裂了"])
    assert "absolute_promise" in res.flags and "off_topic" not in res.flags
    other = grade_reply(r, "好的亲,今天天气不错,您出去走走吧!", facts="保温杯 89 元", messages=["杯子盖子裂了"])
    assert "off_topic" in other.flags


GATED = Rubric.model_validate({
    "min_chars": 0,
    "gates": [{"min": 75, "criteria": {"warm": 0.5}, "coverage": 0.6},
              {"min": 65, "coverage": 0.4, "flag": "generic", "note": "7 分以上要说到关键事实"}],
    "criteria": [
        {"id": "warm", "label": "W", "max": 20, "detectors": [{"kind": "phrases", "phrases": ["理解"], "points": 20}]},
        {"id": "facts", "label": "F", "max": 30, "detectors": [{"kind": "facts", "step_points": 0, "items": [
            {"id": "a", "label": "A", "any": ["甲"], "points": 10},
            {"id": "b", "label": "B", "any": ["乙"], "points": 10},
            {"id": "c", "label": "C", "any": ["丙"], "points": 10}]}]},
        {"id": "rest", "label": "R", "max": 50, "detectors": [{"kind": "length", "min": 1, "points": 50}]},
    ]})


def test_band_gates_keep_generic_replies_below_the_band() -> None:
    full = grade_reply(GATED, "我理解,甲乙丙都有。")
    assert full.score == 100 and full.flags == []
    cold = grade_reply(GATED, "甲乙丙都有。")  # 80 without empathy: not an 8
    assert cold.score == 74 and cold.flags == ["generic"]
    assert [(c.flag, c.max, c.criterion) for c in cold.caps] == [("generic", 74.0, "warm")]
    assert any(e.kind == "gate" for e in cold.criteria[0].evidence)
    two = grade_reply(GATED, "我理解,甲乙都有。")  # 90, but only 2 of 3 facts (67 %): passes both gates
    assert two.score == 90
    one = grade_reply(GATED, "我理解,甲有。")  # 80 with a third of the facts: below 7
    assert one.score == 64 and [c.max for c in one.caps] == [74.0, 64.0]
    # the gate's cap belongs to the criterion that misses: overriding it lifts the cap
    assert recompute_score(cold.criteria, {"warm": 20}, cold.caps) == 100


def test_band_gates_are_validated() -> None:
    base = {"criteria": [{"id": "c", "label": "C", "max": 100, "detectors": [{"kind": "length", "min": 1}]}]}
    with pytest.raises(ValidationError, match="unknown criteria"):
        Rubric.model_validate({**base, "gates": [{"min": 75, "criteria": {"nope": 0.5}}]})
    with pytest.raises(ValidationError, match="needs"):
        Rubric.model_validate({**base, "gates": [{"min": 75}]})
    with pytest.raises(ValidationError, match="below its min"):
        Rubric.model_validate({**base, "gates": [{"min": 75, "coverage": 0.5, "cap": 80}]})
    with pytest.raises(ValidationError, match="within 0..1"):
        Rubric.model_validate({**base, "gates": [{"min": 75, "criteria": {"c": 2}}]})


def test_spaces_around_numbers_do_not_hide_facts() -> None:
    r = rubric_of({"kind": "phrases", "phrases": ["re:(9|九)折"], "points": 5},
                  {"kind": "phrases", "phrases": ["re:299元"], "points": 5}, max_points=10)
    res = grade_reply(r, "两件可享 9 折,满 299 元包邮。")
    assert res.criteria[0].points == 10
    ev = [e for e in res.criteria[0].evidence if e.kind == "phrase"]
    assert ev[0].text == "9 折"  # evidence still points at the raw text


def test_negative_evidence_is_one_shared_list() -> None:
    """Every fault detector's evidence is marked negative (the UI highlights it in red); found facts are not."""
    from exam.grading.rubric import NEGATIVE_EVIDENCE, is_negative_evidence

    assert {"taboo", "claim", "contradiction", "privacy"} == set(NEGATIVE_EVIDENCE)
    assert not any(is_negative_evidence(k) for k in ("phrase", "fact", "term", "missing", "similarity", None))
