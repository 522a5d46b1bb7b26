"""From graded answers to section results, hiring inputs and the hiring score (pure parts)."""

from datetime import UTC, datetime, timedelta

import pytest

from exam.banks.loader import load_bank
from exam.questions.typing import typing_seconds
from exam.services import results
from exam.services.results import GradedItem
from tests.web.candidate_helpers import GOOD_BANK

BANK = load_bank([GOOD_BANK])
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
PASSAGE_Q = BANK.questions["t.typing.closing"]  # 120 s, 27 characters without whitespace


def _iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def test_typing_is_timed_over_the_fixed_duration_unless_the_passage_is_finished() -> None:
    half = {"text": "感谢您的光临，祝您购物", "started_at": _iso(0), "last_change_at": _iso(30)}
    assert typing_seconds(PASSAGE_Q, half, None) == 120
    done = {"text": PASSAGE_Q.passage, "started_at": _iso(0), "last_change_at": _iso(25.5)}
    assert typing_seconds(PASSAGE_Q, done, None) == 25.5
    # the section deadline cut the test short (e.g. a small extra-time factor)
    assert typing_seconds(PASSAGE_Q, half, T0 + timedelta(seconds=40)) == 40
    # never started: the whole duration, browser figures ignored
    assert typing_seconds(PASSAGE_Q, {"text": "", "seconds": 1}, None) == 120


def test_grade_item_uses_the_server_clock_for_typing() -> None:
    response = {
        "text": PASSAGE_Q.passage,
        "started_at": _iso(0),
        "last_change_at": _iso(30),
        "seconds": 2,
        "samples": [[0, 0], [30, 27]],
    }
    score, maximum, detail = results.grade_item(PASSAGE_Q, response)
    assert (score, maximum) == (1.0, 1.0)
    assert detail["net_cpm"] == 54.0 and detail["accuracy"] == 1.0 and detail["seconds"] == 30
    assert detail["samples"] == [[0, 0], [30, 27]]


def test_grade_item_grades_choices_and_replies_with_the_real_engines() -> None:
    sc = BANK.questions["t.sc.duty"]
    assert results.grade_item(sc, {"choice": "d"})[0] == 1.0
    assert results.grade_item(sc, {"choice": "a"})[0] == 0.0
    reply = BANK.questions["t.reply.bargain"]
    score, maximum, detail = results.grade_item(
        reply, {"text": "亲，您好！我们是统一价不议价的，两件可以打九折哦，谢谢您的支持！"}
    )
    assert maximum == 100 and 0 < score <= 100
    assert {c["id"] for c in detail["criteria"]} == {"courtesy", "facts"}


def _reply_item(position: int, points: dict[str, float], caps: list | None = None) -> GradedItem:
    criteria = [
        {"id": "courtesy", "label": "礼貌用语", "points": points["courtesy"], "max": 40},
        {"id": "facts", "label": "说明事实", "points": points["facts"], "max": 60},
    ]
    score = sum(points.values())
    return GradedItem(
        position,
        "communication",
        "reply",
        ("bargaining",),
        score,
        100.0,
        {"score": score, "criteria": criteria, "caps": caps or []},
        True,
    )


def test_sections_aggregate_topics_typing_figures_and_rubric_criteria() -> None:
    typing = [
        GradedItem(
            0,
            "typing",
            "typing",
            ("standard_phrases",),
            0.98,
            1.0,
            {"net_cpm": 70, "gross_cpm": 72, "accuracy": 0.98},
            True,
        ),
        GradedItem(
            1,
            "typing",
            "typing",
            ("standard_phrases",),
            0.94,
            1.0,
            {"net_cpm": 50, "gross_cpm": 55, "accuracy": 0.94},
            True,
        ),
    ]
    s = results.section_result("打字", typing)
    assert (s["net_cpm"], s["gross_cpm"], s["accuracy"]) == (60.0, 63.5, 0.96)
    knowledge = [
        GradedItem(2, "knowledge", "single_choice", ("principles",), 1, 1, {}, True),
        GradedItem(3, "knowledge", "single_choice", ("principles", "language"), 0, 1, {}, True),
        GradedItem(4, "knowledge", "true_false", ("privacy",), 1, 1, {}, False),
    ]
    k = results.section_result("知识", knowledge)
    assert k["percent"] == 66.7 and k["count"] == 3 and k["answered"] == 2
    assert k["topics"]["principles"] == {"score": 1, "max": 2, "percent": 50.0}
    assert k["topics"]["language"]["percent"] == 0.0
    replies = [_reply_item(5, {"courtesy": 40, "facts": 30}), _reply_item(6, {"courtesy": 20, "facts": 0})]
    r = results.section_result("回复", replies, overrides={6: {"facts": 60}})
    courtesy = r["criteria"]["courtesy"]
    assert {k: courtesy[k] for k in ("label", "points", "max", "percent")} == {
        "label": "礼貌用语",
        "points": 60.0,
        "max": 80.0,
        "percent": 75.0,
    }
    assert r["criteria"]["facts"]["points"] == 90.0
    inputs = results.inputs_from_sections({"typing": s, "knowledge": k, "communication": r})
    assert inputs["typing.net_cpm"] == 60.0 and inputs["typing.accuracy"] == 0.96
    assert inputs["knowledge.percent"] == 66.7 and inputs["knowledge.topic.principles"] == 50.0
    assert inputs["communication.criterion.courtesy"] == 75.0


def test_a_criterion_id_named_differently_per_reply_is_labelled_with_every_label() -> None:
    """The sixth criterion ("fit") of each reply is summed by id, never under the first reply's label alone."""
    items = []
    for position, label, got in ((5, "针对老虎型顾客", 10), (6, "针对猫头鹰型顾客", 5), (7, "办理与确认", 12)):
        item = _reply_item(position, {"courtesy": 40, "facts": 30})
        item.detail["criteria"].append({"id": "fit", "label": label, "points": got, "max": 15})
        items.append(item)
    r = results.section_result("回复", items)
    fit = r["criteria"]["fit"]
    assert fit["label"] == "针对老虎型顾客、针对猫头鹰型顾客、办理与确认"
    assert fit["labels"] == ["针对老虎型顾客", "针对猫头鹰型顾客", "办理与确认"]
    assert (fit["points"], fit["max"], fit["replies"]) == (27.0, 45.0, 3)


def test_overrides_change_a_replys_score_by_the_graders_rules() -> None:
    item = _reply_item(5, {"courtesy": 10, "facts": 30}, caps=[{"flag": "rude", "max": 10, "criterion": "courtesy"}])
    assert results.effective_score("reply", 10, 100, item.detail, {}) == 10
    # a reviewer judges courtesy: the detector's cap on it no longer applies
    assert results.effective_score("reply", 10, 100, item.detail, {"courtesy": 35}) == 65
    assert results.effective_score("single_choice", 1, 1, {}, {"x": 1}) == 1


def test_build_results_feeds_the_hiring_score() -> None:
    paper = {
        "sections": [
            {"id": "typing", "title": "打字测试"},
            {"id": "knowledge", "title": "服务知识"},
            {"id": "communication", "title": "客户回复"},
        ]
    }
    items = [
        GradedItem(
            0,
            "typing",
            "typing",
            ("standard_phrases",),
            1.0,
            1.0,
            {"net_cpm": 100, "gross_cpm": 100, "accuracy": 1.0},
            True,
        ),
        GradedItem(1, "knowledge", "single_choice", ("principles",), 1, 1, {}, True),
        _reply_item(2, {"courtesy": 40, "facts": 60}),
    ]
    profile = BANK.profiles["t.presale"].model_dump(mode="json")
    out = results.build_results(paper, items, profile)
    assert set(out) == {"sections", "inputs", "hiring"}
    assert out["hiring"]["score"] == pytest.approx(100.0)
    assert out["hiring"]["hard_requirements_met"] is True and out["hiring"]["band"] == "强烈推荐"
    slow = [GradedItem(0, "typing", "typing", (), 1.0, 1.0, {"net_cpm": 30, "gross_cpm": 30, "accuracy": 1.0}, True)]
    out = results.build_results(paper, slow + items[1:], profile)
    assert out["hiring"]["hard_requirements_met"] is False and out["hiring"]["band"] == "不推荐"
