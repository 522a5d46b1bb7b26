"""HR reads a reply's evidence as one line per rubric point, the candidate's phrase once; penalties count against."""

from __future__ import annotations

from exam.questions._reply_points import marked_criteria, penalty_notes, points_of

RUBRIC = {
    "criteria": [
        {
            "id": "courtesy",
            "detectors": [
                {"kind": "phrases", "set": "courtesy", "points": 8, "note": "礼貌用语"},
                {"kind": "phrases", "set": "curt_you", "points": -4, "note": "用“你”称呼顾客,语气生硬"},
            ],
        },
        {"id": "solve", "detectors": [{"kind": "relevance", "points": 4}]},
    ]
}
COURTESY = {
    "id": "courtesy",
    "evidence": [
        {"kind": "phrase", "text": "您好", "start": 0, "end": 2, "note": "礼貌用语"},
        {"kind": "phrase", "text": "亲", "start": 3, "end": 4, "note": "礼貌用语"},
        {"kind": "phrase", "text": "你", "start": 6, "end": 7, "note": "用“你”称呼顾客,语气生硬"},
        {"kind": "missing", "text": "", "start": None, "end": None, "note": "孔雀型:真诚赞美"},
    ],
}
SOLVE = {
    "id": "solve",
    "evidence": [
        {"kind": "term", "text": "铺统", "start": 10, "end": 12, "note": "场景关键词"},
        {"kind": "term", "text": "厂代", "start": 13, "end": 15, "note": "场景关键词"},
        {"kind": "term", "text": "衬衣", "start": 16, "end": 18, "note": "衬衣|衬衫|颜色"},
        {"kind": "similarity", "text": "", "start": None, "end": None, "note": "与最接近的参考答案相似度 0.38"},
    ],
}


def test_one_line_per_rubric_point_with_the_phrase_once() -> None:
    lines = points_of(COURTESY, penalty_notes(RUBRIC)["courtesy"])
    assert [(line["tone"], line["what"], line["phrases"], line["count"]) for line in lines] == [
        ("bad", "用“你”称呼顾客，语气生硬", ["你"], 1),
        ("good", "礼貌用语", ["您好"], 2),
        ("missing", "孔雀型：真诚赞美", [], 1),
    ]


def test_fragments_and_raw_alternatives_never_reach_hr() -> None:
    lines = points_of(SOLVE, set())
    shown = str(lines)
    assert "铺统" not in shown and "厂代" not in shown and "|" not in shown and "0.38" not in shown
    assert lines[0]["phrases"] == ["衬衣"] and lines[0]["tone"] == "good"
    assert lines[-1]["level"] == "high"


def test_penalty_matches_are_highlighted_as_bad_and_fragments_not_at_all() -> None:
    marked = marked_criteria([COURTESY, SOLVE], penalty_notes(RUBRIC))
    kinds = {(e["text"], e["kind"]) for c in marked for e in c["evidence"]}
    assert ("你", "taboo") in kinds and ("您好", "phrase") in kinds
    assert ("亲", "phrase") not in kinds, "one highlight per rubric point"
    assert not any(text in ("铺统", "厂代") for text, _kind in kinds)
    every = marked_criteria([COURTESY, SOLVE], penalty_notes(RUBRIC), once=False)
    assert any(e["text"] == "铺统" for c in every for e in c["evidence"]), "trainers keep every match"
