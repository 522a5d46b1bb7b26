"""Display helpers: plain-words explanations, value formats, reply highlighting; regrading after a review."""

from __future__ import annotations

import pytest
from sqlmodel import select

from exam.grading.highlight import highlight
from exam.hiring.explain import Labels, explain_criterion, explain_requirement, explain_score, format_value, num
from exam.hiring.score import compute_hiring
from exam.i18n import set_locale
from exam.models import Answer, Attempt
from exam.services import review
from exam.services.sample import SAMPLE_PROFILE, seed_opening


@pytest.fixture(autouse=True)
def chinese():  # type: ignore[no-untyped-def]
    set_locale("zh_CN")
    yield
    set_locale("zh_CN")


def test_format_value() -> None:
    assert format_value("typing.net_cpm", 72.0) == "72 字/分钟"
    assert format_value("typing.accuracy", 0.9645) == "96.5%"
    assert format_value("knowledge.percent", 80) == "80%"
    assert format_value("knowledge.percent", None) == "—"
    assert num(None) == "—" and num(12.0) == "12" and num(12.26) == "12.3"


def test_explanations_name_inputs_values_scales_and_weights() -> None:
    h = compute_hiring(
        SAMPLE_PROFILE,
        {"typing.net_cpm": 84, "typing.accuracy": 0.97, "knowledge.percent": 80, "communication.percent": 70},
    )
    labels = Labels(SAMPLE_PROFILE)
    speed = explain_criterion(h.criteria[0], labels, h.total_weight)
    assert "净打字速度" in speed and "84 字/分钟" in speed and "20 字/分钟" in speed and "100 字/分钟" in speed
    assert "80 分" in speed and "权重 25" in speed and "20 分计入录用分" in speed
    knowledge = explain_criterion(h.criteria[2], labels, h.total_weight)
    assert "服务知识得分率" in knowledge and "直接计为 80 分" in knowledge
    assert "满足" in explain_requirement(h.requirements[0], labels)
    assert "76.5" in explain_score(h) and "推荐" in explain_score(h)
    low = compute_hiring(SAMPLE_PROFILE, {"typing.net_cpm": 10, "typing.accuracy": 0.9})
    assert "零分线" in explain_criterion(low.criteria[0], labels, low.total_weight)
    assert "没有" in explain_criterion(low.criteria[2], labels, low.total_weight)
    assert "淘汰" in explain_requirement(low.requirements[1], labels)
    assert "无论分数高低" in explain_score(low)


def test_english_explanations() -> None:
    set_locale("en")
    h = compute_hiring(SAMPLE_PROFILE, {"typing.net_cpm": 60})
    text = explain_criterion(h.criteria[0], Labels(SAMPLE_PROFILE), h.total_weight)
    assert text.startswith("Net typing speed is 60 chars/min.")


def test_highlight_segments() -> None:
    text = "您好，这个不行，您自己看吧。"
    criteria = [
        {
            "label": "礼貌",
            "evidence": [
                {"kind": "phrase", "text": "您好", "start": 0, "end": 2, "note": "问候"},
                {"kind": "missing", "text": "", "start": None, "end": None, "note": "x"},
            ],
        },
        {
            "label": "禁忌",
            "evidence": [
                {"kind": "taboo", "text": "您自己看", "start": 8, "end": 12, "note": "推诿"},
                {"kind": "phrase", "text": "您自", "start": 8, "end": 10, "note": "overlap"},
                {"kind": "term", "text": "bad", "start": 40, "end": 45, "note": "out of range"},
            ],
        },
    ]
    segs = highlight(text, criteria)
    assert "".join(s.text for s in segs) == text
    marked = [(s.text, s.tone) for s in segs if s.kind]
    assert marked == [("您好", "good"), ("您自己看", "bad")]


def test_regrade_applies_overrides(session) -> None:  # type: ignore[no-untyped-def]
    data = seed_opening(session, 3, seed=3)
    session.commit()
    attempt = session.get(Attempt, data.attempt_ids[0])
    before = attempt.hiring_score
    answer = session.exec(
        select(Answer).where(Answer.attempt_id == attempt.id, Answer.section_id == "communication")
    ).first()
    answer.overrides = {"courtesy": 0.0, "empathy": 0.0, "solve": 0.0}
    session.add(answer)
    session.flush()
    review.regrade(session, attempt)
    assert attempt.hiring_score < before
    assert attempt.results["hiring"]["score"] == attempt.hiring_score
    comm = attempt.results["sections"]["communication"]
    assert comm["criteria"]["courtesy"]["points"] <= comm["criteria"]["courtesy"]["max"]
