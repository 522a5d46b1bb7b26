"""Rubric engine: model validation, guards, caps, derived flags, band gates and overrides.

Each detector kind has its own tests under tests/unit/rubric/.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import DEFAULT_CAPS, Rubric, grade_reply, recompute_score
from tests.unit.rubric.helpers import DENSE_FACTS, points, rubric_of, two_criteria

# --------------------------------------------------------------------------- validation


def test_criteria_must_add_up_to_100() -> None:
    with pytest.raises(ValidationError, match="add up to 100"):
        Rubric.model_validate(
            {
                "criteria": [
                    {"id": "a", "label": "A", "max": 60, "detectors": [{"kind": "length", "min": 1, "points": 1}]}
                ]
            }
        )


def test_criterion_ids_unique() -> None:
    crit = {"id": "a", "label": "A", "max": 50, "detectors": [{"kind": "length", "min": 1, "points": 1}]}
    with pytest.raises(ValidationError, match="duplicate criterion ids: a"):
        Rubric.model_validate({"criteria": [crit, crit]})


def test_unknown_fields_and_kinds_rejected() -> None:
    with pytest.raises(ValidationError):
        rubric_of({"kind": "phrases", "phrases": ["x"], "points": 1, "bogus": 1})
    with pytest.raises(ValidationError):
        rubric_of({"kind": "telepathy", "points": 1})


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
    r = rubric_of(
        {"kind": "phrases", "phrases": ["您"], "points": 30},
        {"kind": "phrases", "phrases": ["你"], "points": -50},
        max_points=20,
    )
    assert points(r, "您好您好您好") == 20
    assert points(r, "你好") == 0


def test_recompute_with_overrides_drops_that_criterions_caps() -> None:
    rubric = Rubric.model_validate(
        {
            "criteria": [
                {
                    "id": "solve",
                    "label": "解决问题",
                    "max": 60,
                    "detectors": [{"kind": "phrases", "phrases": ["299"], "points": 60}],
                },
                {
                    "id": "honesty",
                    "label": "原则",
                    "max": 40,
                    "detectors": [
                        {
                            "kind": "forbidden",
                            "points": 40,
                            "min_chars": 0,
                            "items": [{"id": "free", "label": "破例包邮", "any": ["给您包邮"]}],
                        }
                    ],
                },
            ]
        }
    )
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


# --------------------------------------------------------------------------- off-topic, derived flags


def test_stating_a_scenario_fact_is_not_off_topic() -> None:
    r = rubric_of(
        {"kind": "facts", "items": [{"id": "fixed", "label": "统一价", "any": ["re:统一价|不议价"], "points": 5}]},
        {"kind": "relevance", "points": 5, "target": 3},
        max_points=10,
    )
    facts, msg = "衬衣 199 元,店铺统一价不议价", ["能不能打个折?"]
    on = grade_reply(r, "亲,我们是统一价的,质量很好,谢谢理解。", facts=facts, messages=msg)
    assert "off_topic" not in on.flags
    off = grade_reply(r, "亲,您的快递在路上了,请耐心等待。", facts=facts, messages=msg)
    assert "off_topic" in off.flags


def test_shirking_without_a_solution_is_capped_low() -> None:
    r = rubric_of(
        dict(DENSE_FACTS, min_points=10),
        {"kind": "taboo", "categories": ["blame", "shirk"], "penalty": 0},
        {"kind": "length", "min": 1, "points": 90},
    )
    alone = grade_reply(r, "包裹在中转站滞留了,我马上帮您催一下,您也可以自己打电话问问快递。")
    assert "shirk" not in alone.flags and alone.score == 100
    helped = grade_reply(r, "包裹在中转站滞留了,我马上帮您催一下,物流的事您也可以找快递去问。")
    assert helped.flags == []
    shirk = grade_reply(r, "包裹在中转站,物流的事找快递去,我们管不了。")
    assert {"shirk", "thin_answer", "shirk_no_solution"} <= set(shirk.flags)
    assert shirk.score == DEFAULT_CAPS["shirk_no_solution"]
    assert [c.criterion for c in shirk.caps if c.flag == "shirk_no_solution"] == ["c"]


# --------------------------------------------------------------------------- the holdout2 rater's weaknesses (engine level)
# New sentences written for these tests; none is from the calibration sets.

PROMISE_SCOPE = two_criteria({"kind": "taboo", "categories": ["promise"], "points": 10, "min_chars": 0})
EFFECT_CLAIM = two_criteria(
    {
        "kind": "forbidden",
        "points": 10,
        "min_chars": 0,
        "items": [
            {
                "id": "effect",
                "label": "保证效果",
                "any": ["re:(保证|肯定|绝对|一定|百分百|100%)[^,。!?]{0,8}(变白|白|有效|见效|效果|退款|满意)"],
            }
        ],
    }
)


@pytest.mark.parametrize(
    "text",
    [
        "我没法跟您打包票,效果因人而异。",
        "不能百分百保证效果,每个人肤质不一样。",
        "用一个月就变白这种承诺,我们真的给不了您。",
        "保证变白这样的话我们不会说,效果要看肤质。",
        "您问能不能保证效果,说实话因人而异。",
        "谁敢保证用一个月就变白呢?我们只能如实说明。",
        "很多店号称“百分百美白”,我们不这么宣传。",
        "效果这个真的保证不了,坚持用4周左右一般能看到改善。",
        "所谓的保证变白都是夸大,我们不这么说。",
    ],
)
def test_negated_refused_or_quoted_promises_are_not_promises(text: str) -> None:
    for r in (PROMISE_SCOPE, EFFECT_CLAIM):
        res = grade_reply(r, text)
        assert not {"absolute_promise", "forbidden_claim"} & set(res.flags), (text, res.criteria[0].evidence)
        assert res.criteria[0].points == 10


@pytest.mark.parametrize(
    "text",
    [
        "保证您一个月变白,百分百有效!",
        "放心,肯定有效,不满意保证退款。",
        "不会让您失望的,一定会变白。",
        "您别担心保证变白。",
        "我们不仅保证效果,还保证售后。",
        "用了一定会变白,这个我敢保证。",
        "保证有效,这个承诺我们一定兑现。",
        "不是我吹,这款绝对有效。",
    ],
)
def test_real_promises_are_still_caught(text: str) -> None:
    flags = set(grade_reply(PROMISE_SCOPE, text).flags) | set(grade_reply(EFFECT_CLAIM, text).flags)
    assert {"absolute_promise", "forbidden_claim"} & flags, text


def test_a_refused_promise_is_reported_as_honest_evidence() -> None:
    res = grade_reply(EFFECT_CLAIM, "保证您一个月变白,这种承诺我们真给不了。")
    notes = [e.note for e in res.criteria[0].evidence if e.kind == "phrase"]
    assert notes and "不算承诺" in notes[0]


SHORT = Rubric.model_validate(
    {
        "criteria": [
            {
                "id": "solve",
                "label": "S",
                "max": 40,
                "detectors": [
                    {
                        "kind": "facts",
                        "min_points": 5,
                        "items": [{"id": "privacy", "label": "隐私", "any": ["re:隐私|保密"], "points": 10}],
                    },
                    {"kind": "relevance", "points": 5, "terms": ["re:隐私|电话|地址"]},
                ],
            },
            {
                "id": "clean",
                "label": "C",
                "max": 60,
                "detectors": [
                    {"kind": "taboo", "categories": ["promise"], "points": 30},
                    {"kind": "forbidden", "points": 30, "items": [{"id": "x", "label": "x", "any": ["re:电话是"]}]},
                ],
            },
        ]
    }
)


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


def test_a_promise_answering_the_request_is_not_off_topic() -> None:
    r = Rubric.model_validate(
        {
            "criteria": [
                {"id": "s", "label": "S", "max": 50, "detectors": [{"kind": "relevance", "points": 10}]},
                {
                    "id": "t",
                    "label": "T",
                    "max": 50,
                    "detectors": [{"kind": "taboo", "categories": ["promise"], "points": 50}],
                },
            ]
        }
    )
    res = grade_reply(r, "好的亲,我们保证明天就处理好,您放心!", facts="保温杯 89 元", messages=["杯子盖子裂了"])
    assert "absolute_promise" in res.flags and "off_topic" not in res.flags
    other = grade_reply(r, "好的亲,今天天气不错,您出去走走吧!", facts="保温杯 89 元", messages=["杯子盖子裂了"])
    assert "off_topic" in other.flags


GATED = Rubric.model_validate(
    {
        "min_chars": 0,
        "gates": [
            {"min": 75, "criteria": {"warm": 0.5}, "coverage": 0.6},
            {"min": 65, "coverage": 0.4, "flag": "generic", "note": "7 分以上要说到关键事实"},
        ],
        "criteria": [
            {
                "id": "warm",
                "label": "W",
                "max": 20,
                "detectors": [{"kind": "phrases", "phrases": ["理解"], "points": 20}],
            },
            {
                "id": "facts",
                "label": "F",
                "max": 30,
                "detectors": [
                    {
                        "kind": "facts",
                        "step_points": 0,
                        "items": [
                            {"id": "a", "label": "A", "any": ["甲"], "points": 10},
                            {"id": "b", "label": "B", "any": ["乙"], "points": 10},
                            {"id": "c", "label": "C", "any": ["丙"], "points": 10},
                        ],
                    }
                ],
            },
            {"id": "rest", "label": "R", "max": 50, "detectors": [{"kind": "length", "min": 1, "points": 50}]},
        ],
    }
)


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


def test_negative_evidence_is_one_shared_list() -> None:
    """Every fault detector's evidence is marked negative (the UI highlights it in red); found facts are not."""
    from exam.grading.rubric import NEGATIVE_EVIDENCE, is_negative_evidence

    assert {"taboo", "claim", "contradiction", "privacy", "contempt"} == set(NEGATIVE_EVIDENCE)
    assert not any(is_negative_evidence(k) for k in ("phrase", "fact", "term", "missing", "similarity", None))
