"""Phrases and position detectors: concepts and modes, evidence on the raw text, regions, validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from exam.grading.rubric import grade_reply
from tests.unit.rubric.helpers import detector, evaluate, points, rubric_of, spans

RESPECT = {"kind": "phrases", "set": "respect", "points": 10}
SLOPPY = {"kind": "phrases", "set": "sloppy", "points": -4, "flag": "sloppy"}


def test_phrases_modes_and_partial() -> None:
    concepts = [["谢谢", "感谢"], "抱歉", "欢迎"]
    any_r = rubric_of({"kind": "phrases", "phrases": concepts, "points": 10}, max_points=10)
    all_r = rubric_of({"kind": "phrases", "phrases": concepts, "mode": "all", "points": 10}, max_points=10)
    two_r = rubric_of(
        {"kind": "phrases", "phrases": concepts, "mode": "at_least", "n": 2, "points": 10, "partial": True},
        max_points=10,
    )
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
    assert text[ev.start : ev.end] == "欢迎光临"


def test_regex_phrases_run_on_normalised_text() -> None:
    r = rubric_of({"kind": "phrases", "phrases": [r"re:满\s*299"], "points": 5}, max_points=5)
    ev = grade_reply(r, "我们是满２９９包邮").criteria[0].evidence[0]  # full-width digits
    assert ev.text == "满２９９"


def test_negative_phrase_points_and_flag() -> None:
    r = rubric_of(
        {"kind": "phrases", "set": "respect", "points": 10},
        {"kind": "phrases", "set": "sloppy", "points": -4, "flag": "sloppy"},
        max_points=10,
    )
    res = grade_reply(r, "亲 您好 这个 有货的")
    assert res.criteria[0].points == 6
    assert "sloppy" in res.flags


def test_position_start_and_end() -> None:
    r = rubric_of(
        {"kind": "position", "phrases": ["您好"], "at": "start", "within": 6, "points": 3},
        {"kind": "position", "set": "closing", "at": "end", "within": 12, "points": 4},
        max_points=7,
    )
    assert points(r, "您好,衬衣还有货,满299包邮,有问题随时联系我。") == 7
    # greeting too late, closing too early
    assert points(r, "衬衣还有货的亲,您好,有问题随时联系我,满299元包邮哦,今天下单明天发货。") == 0


def test_spaces_around_numbers_do_not_hide_facts() -> None:
    r = rubric_of(
        {"kind": "phrases", "phrases": ["re:(9|九)折"], "points": 5},
        {"kind": "phrases", "phrases": ["re:299元"], "points": 5},
        max_points=10,
    )
    res = grade_reply(r, "两件可享 9 折,满 299 元包邮。")
    assert res.criteria[0].points == 10
    ev = [e for e in res.criteria[0].evidence if e.kind == "phrase"]
    assert ev[0].text == "9 折"  # evidence still points at the raw text


def test_evidence_is_capped_per_concept_and_noted_with_the_set() -> None:
    out = evaluate(RESPECT, "您好您好您好您好您好")
    assert out.points == 10 and out.flags == []
    # five matches of one concept: the first three are shown, each noted with the library set's label (a msgid)
    note = "Respectful address (您)"
    assert spans(out) == [("您", 0, 1, note), ("您", 2, 3, note), ("您", 4, 5, note)]
    assert {e.kind for e in out.evidence} == {"phrase"}


def test_evidence_of_a_synonym_group_and_regex_concept() -> None:
    det = {"kind": "phrases", "phrases": [["谢谢", "感谢"], "re:抱歉|不好意思"], "points": 4, "note": "礼貌"}
    out = evaluate(det, "感谢您,不好意思久等了")
    assert out.points == 4
    assert spans(out) == [("感谢", 0, 2, "礼貌"), ("不好意思", 4, 8, "礼貌")]


def test_a_miss_is_reported_only_when_points_are_at_stake() -> None:
    assert spans(evaluate(RESPECT, "你好")) == [("", None, None, "Respectful address (您)")]
    assert evaluate(RESPECT, "你好").evidence[0].kind == "missing"
    assert spans(evaluate(dict(RESPECT, note="敬称"), "你好")) == [("", None, None, "敬称")]
    assert spans(evaluate({"kind": "phrases", "phrases": ["您"], "points": 2}, "你好")) == [
        ("", None, None, "Expected phrases")
    ]
    # a deduction that does not apply leaves nothing behind: no points, no evidence, no flag
    clean = evaluate(SLOPPY, "你好")
    assert clean.points == 0 and clean.evidence == [] and clean.flags == []


def test_the_flag_is_raised_only_on_a_match() -> None:
    out = evaluate(SLOPPY, "亲 您好 这个 有货的")
    assert out.points == -4 and out.flags == ["sloppy"]
    n = "Spaces instead of punctuation"
    assert spans(out) == [("亲 您", 0, 3, n), ("好 这", 3, 6, n), ("个 有", 6, 9, n)]


def test_partial_share_without_enough_concepts() -> None:
    det = {"kind": "phrases", "phrases": ["谢谢", "抱歉", "欢迎"], "mode": "all", "points": 9}
    assert evaluate(det, "谢谢,抱歉").points == 0
    assert evaluate(dict(det, partial=True), "谢谢,抱歉").points == 6
    assert evaluate(dict(det, partial=True), "谢谢,抱歉,欢迎").points == 9


def test_library_concepts_come_before_inline_ones() -> None:
    assert detector({"kind": "phrases", "set": "respect", "phrases": ["亲"], "points": 1}).concepts == ["您", "亲"]


def test_position_windows_count_content_characters_only() -> None:
    start = {"kind": "position", "phrases": ["您好"], "at": "start", "within": 3, "points": 3}
    # punctuation does not use up the window: 您好 are the second and third content characters
    out = evaluate(start, "亲,,,您好!衬衣有货。")
    assert out.points == 3
    assert [(e.kind, e.text, e.start, e.end) for e in out.evidence] == [("position", "您好", 4, 6)]
    late = evaluate(dict(start, within=2), "亲,,,您好!衬衣有货。")
    assert late.points == 0 and [e.kind for e in late.evidence] == ["missing"]


def test_position_defaults_to_the_last_30_characters() -> None:
    closing = detector({"kind": "position", "set": "closing", "points": 4})
    assert (closing.at, closing.within) == ("end", 30)
    out = evaluate({"kind": "position", "set": "closing", "points": 4}, "您好,衬衣还有货,满299包邮,有问题随时联系我。")
    assert out.points == 4
    assert spans(out) == [("有问题随时联系", 16, 23, "Polite closing")]


def test_phrases_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="unknown phrase set"):
        rubric_of({"kind": "phrases", "set": "no_such_set", "points": 1})
    with pytest.raises(ValidationError, match="give a library"):
        rubric_of({"kind": "phrases", "points": 1})
    with pytest.raises(ValidationError, match="`at` and `within` go together"):
        detector({"kind": "phrases", "phrases": ["您好"], "at": "start", "points": 1})
    with pytest.raises(ValidationError, match="n=3 is more than the 2 concepts"):
        detector({"kind": "phrases", "phrases": ["谢谢", "抱歉"], "mode": "at_least", "n": 3, "points": 1})
    with pytest.raises(ValidationError, match="invalid regular expression"):
        detector({"kind": "phrases", "phrases": [["谢谢", "re:(unclosed"]], "points": 1})
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        detector({"kind": "position", "phrases": ["您好"], "within": 0, "points": 1})
    with pytest.raises(ValidationError, match="points"):
        detector({"kind": "phrases", "phrases": ["您好"]})


def test_one_matched_character_counts_for_one_concept() -> None:
    det = {
        "kind": "phrases",
        "phrases": ["re:零下[0-9]+度", "re:度", "re:90"],
        "mode": "all",
        "partial": True,
        "points": 6,
    }
    out = evaluate(det, "含绒90%,适合零下5度")
    # 度 belongs to 零下5度: it does not count again for the concept that is only 度
    assert out.points == 4 and [e.text for e in out.evidence] == ["零下5度", "90"]
    both = evaluate(det, "含绒90%,适合零下5度,蓬松度600")
    assert both.points == 6 and [e.text for e in both.evidence] == ["零下5度", "度", "90"]


@pytest.mark.parametrize(
    "pattern,text",
    [
        (r"(a|b)c", "xbc"),
        (r"[(]x(y)", "(xy"),
        (r"\(x(y)", "(xy"),
        (r"(?<=a)(b)", "ab"),
        (r"[^)(]+(c)", "abc"),
        (r"[]a(](d)", "]d"),
        (r"[^]a](d)", "xd"),
        (r"(?P<n>[0-9]+)元", "12元"),
    ],
)
def test_phrase_groups_compile_non_capturing_with_the_same_matches(pattern: str, text: str) -> None:
    import re

    from exam.grading.text import compile_phrase

    mine = compile_phrase("re:" + pattern)
    assert mine.groups == (1 if "?P<" in pattern else 0)
    assert mine.search(text).span() == re.compile(pattern).search(text).span()
    assert compile_phrase(r"re:(a)\1").groups == 1  # a back-reference keeps its group
