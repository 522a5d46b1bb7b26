"""Question types behind the registry: candidate views, paper items, answers, grading, export."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from exam.banks.loader import load_bank
from exam.banks.yamlio import dump_yaml
from exam.questions.base import GradeOutcome
from exam.questions.registry import all_types, export_question, get_type, parse_question, type_of

DATA = Path(__file__).resolve().parents[1] / "data"
BANK = load_bank([DATA / "good_bank"])
Q = BANK.questions
SECRET_KEYS = {"correct", "answer", "rubric", "model_answers", "explanation", "source", "scoring"}


class FormData(dict):
    """A minimal multi-dict like Starlette's FormData."""

    def getlist(self, key: str) -> list:
        value = self.get(key, [])
        return list(value) if isinstance(value, list) else [value]


def _keys(value: object) -> set[str]:
    """Every mapping key anywhere in ``value``."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_registry_has_the_six_types_with_models_and_templates() -> None:
    types = all_types()
    assert list(types) == ["single_choice", "multiple_choice", "true_false", "typing", "reply", "chat_simulation"]
    for name, question_type in types.items():
        assert question_type.name == name
        assert question_type.template == f"candidate/questions/_{name}.html"
        assert question_type.model.model_config["extra"] == "forbid"
    with pytest.raises(ValueError, match="unknown question type 'essay'"):
        get_type("essay")


@pytest.mark.parametrize("qid", sorted(Q))
def test_public_view_never_leaks_keys_or_rubrics(qid: str) -> None:
    question = Q[qid]
    qtype = type_of(question)
    view = qtype.public_view(question, qtype.prepare_item(question, random.Random(1)))
    assert not _keys(view) & SECRET_KEYS
    dumped = json.dumps(view, ensure_ascii=False)
    assert question.explanation not in dumped
    for answer in getattr(question, "model_answers", []):
        assert answer not in dumped


def test_single_choice_view_follows_the_shuffled_order_without_correct() -> None:
    question = Q["t.sc.duty"]
    qtype = type_of(question)
    orders = {tuple(qtype.prepare_item(question, random.Random(seed))["order"]) for seed in range(30)}
    assert len(orders) > 1 and all(sorted(order) == ["a", "b", "c", "d"] for order in orders)
    item = {"order": ["d", "b", "a", "c"]}
    view = qtype.public_view(question, item)
    assert view == {
        "type": "single_choice",
        "stem": "售前客服的主要职责是什么？",
        "options": [
            {"id": "d", "text": "提供产品信息和解答客户疑问"},
            {"id": "b", "text": "售后服务"},
            {"id": "a", "text": "处理客户投诉"},
            {"id": "c", "text": "销售产品"},
        ],
    }
    # the same seed gives the same paper
    assert qtype.prepare_item(question, random.Random(7)) == qtype.prepare_item(question, random.Random(7))


def test_shuffle_false_keeps_bank_order() -> None:
    question = Q["t.sc.fixed"]
    qtype = type_of(question)
    assert {tuple(qtype.prepare_item(question, random.Random(s))["order"]) for s in range(10)} == {("a", "b", "c")}


def test_single_choice_answers_and_grades() -> None:
    question = Q["t.sc.duty"]
    qtype = type_of(question)
    assert qtype.read_answer(question, {"choice": "d"}) == {"choice": "d"}
    assert qtype.read_answer(question, FormData(choice=" d ")) == {"choice": "d"}
    assert qtype.read_answer(question, {}) == {"choice": None}
    with pytest.raises(ValueError, match="question 't.sc.duty' has no option 'z' \\(options: a, b, c, d\\)"):
        qtype.read_answer(question, {"choice": "z"})
    with pytest.raises(ValueError, match="sent 2 times"):
        qtype.read_answer(question, FormData(choice=["a", "b"]))
    right = qtype.grade(question, {"choice": "d"})
    assert right == GradeOutcome(score=1.0, max_score=1.0, detail={"correct": "d", "picked": "d"})
    assert qtype.grade(question, {"choice": "a"}).score == 0.0
    assert qtype.grade(question, {"choice": None}).score == 0.0


def test_multiple_choice_answers_and_partial_scoring() -> None:
    question = Q["t.mc.payment"]  # correct a, b, d; scoring partial
    qtype = type_of(question)
    assert qtype.read_answer(question, FormData(choices=["d", "a"])) == {"choices": ["a", "d"]}
    assert qtype.read_answer(question, {"choices": "b"}) == {"choices": ["b"]}
    assert qtype.read_answer(question, {}) == {"choices": []}
    with pytest.raises(ValueError, match="no option 'x'"):
        qtype.read_answer(question, {"choices": ["a", "x"]})
    assert qtype.grade(question, {"choices": ["a", "b", "d"]}).score == 1.0
    assert qtype.grade(question, {"choices": ["a", "b"]}).score == pytest.approx(2 / 3)
    assert qtype.grade(question, {"choices": ["a", "b", "c"]}).score == pytest.approx(1 / 3)
    assert qtype.grade(question, {"choices": ["a", "c"]}).score == 0.0
    assert qtype.grade(question, {"choices": []}).score == 0.0


def test_multiple_choice_all_or_nothing_by_default() -> None:
    question = Q["t.mc.kpi"]  # correct a, b
    qtype = type_of(question)
    assert question.scoring == "all_or_nothing"
    assert qtype.grade(question, {"choices": ["a", "b"]}).score == 1.0
    assert qtype.grade(question, {"choices": ["a"]}).score == 0.0


def test_true_false_answers_and_grades() -> None:
    question = Q["t.tf.main_task"]  # answer false
    qtype = type_of(question)
    assert qtype.public_view(question, {}) == {"type": "true_false", "stem": "售前客服的主要任务是销售产品。"}
    assert qtype.read_answer(question, {"answer": "false"}) == {"answer": False}
    assert qtype.read_answer(question, {"answer": True}) == {"answer": True}
    assert qtype.read_answer(question, {"answer": "对"}) == {"answer": True}
    assert qtype.read_answer(question, {"answer": ""}) == {"answer": None}
    with pytest.raises(ValueError, match="must be 'true' or 'false'"):
        qtype.read_answer(question, {"answer": "maybe"})
    assert qtype.grade(question, {"answer": False}).score == 1.0
    assert qtype.grade(question, {"answer": True}).score == 0.0
    assert qtype.grade(question, {"answer": None}).score == 0.0


def test_typing_view_answer_and_grade_match_the_calibration_figures() -> None:
    question = Q["t.typing.closing"]
    qtype = type_of(question)
    assert qtype.public_view(question, {}) == {
        "type": "typing",
        "title": "标准结束语",
        "passage": question.passage,
        "language": "zh",
        "time_limit": 120,
    }
    response = qtype.read_answer(question, {"text": "感谢您的光临，祝您购物愉快", "seconds": "30"})
    assert response == {"text": "感谢您的光临，祝您购物愉快", "seconds": 30.0}
    outcome = qtype.grade(question, response)
    assert outcome.max_score == 1.0
    assert outcome.detail["typed"] == 13 and outcome.detail["errors"] == 0
    assert outcome.detail["net_cpm"] == 26.0 and outcome.score == 1.0
    # the server clock wins over the page's figure
    assert qtype.grade(question, response, seconds=60).detail["net_cpm"] == 13.0
    for bad in ({"text": "x", "seconds": "-1"}, {"text": "x", "seconds": "soon"}, {"text": 5}):
        with pytest.raises(ValueError):
            qtype.read_answer(question, bad)
    cases = json.loads((DATA / "calibration" / "typing_cases.public.json").read_text(encoding="utf-8"))
    for case in cases[:10]:
        q = question.model_copy(update={"passage": case["reference"] or "x"})
        if not case["reference"]:
            continue
        got = qtype.grade(q, {"text": case["typed"], "seconds": case["seconds"]}).detail
        assert {k: got[k] for k in case["expected"]} == case["expected"]


def test_reply_view_answer_and_grade() -> None:
    question = Q["t.reply.bargain"]
    qtype = type_of(question)
    view = qtype.public_view(question, {})
    assert view == {
        "type": "reply",
        "stage": "presale",
        "customer_type": "tiger",
        "facts": question.facts,
        "messages": ["我觉得这个价钱太贵了，便宜点。"],
        "max_chars": 300,
    }
    assert qtype.read_answer(question, {"text": "亲，\r\n您好"}) == {"text": "亲，\n您好"}
    with pytest.raises(ValueError, match="301 characters long; at most 300"):
        qtype.read_answer(question, {"text": "好" * 301})
    good = qtype.grade(question, {"text": question.model_answers[0]})
    poor = qtype.grade(question, {"text": "不行"})
    assert good.max_score == 100.0
    assert good.score > poor.score
    assert [c["id"] for c in good.detail["criteria"]] == ["courtesy", "facts"]
    assert good.detail["question"] == "t.reply.bargain"


@pytest.mark.parametrize("qid", sorted(Q))
def test_export_round_trips_through_yaml(qid: str) -> None:
    question = Q[qid]
    exported = export_question(question)
    assert list(exported)[:4] == ["id", "type", "topics", "difficulty"]
    assert list(exported)[-1] == "explanation"
    text = dump_yaml(exported)
    again = parse_question(yaml.safe_load(text))
    assert again == question
    assert export_question(again) == exported


def test_export_leaves_out_defaults_but_keeps_what_differs() -> None:
    sc = export_question(Q["t.sc.duty"])
    assert "shuffle" not in sc and "status" not in sc
    assert sc["options"][0] == {"id": "a", "text": "处理客户投诉"}
    assert sc["options"][3] == {"id": "d", "text": "提供产品信息和解答客户疑问", "correct": True}
    assert export_question(Q["t.sc.fixed"])["shuffle"] is False
    assert export_question(Q["t.tf.retired"])["status"] == "retired"
    detectors = export_question(Q["t.reply.bargain"])["rubric"]["criteria"][0]["detectors"]
    assert detectors == [{"kind": "phrases", "set": "courtesy", "points": 40}]


def test_models_check_their_rules_when_used_directly() -> None:
    data = export_question(Q["t.sc.duty"])
    data["options"][0]["correct"] = True
    with pytest.raises(ValidationError, match="has 2 correct options \\(a, d\\); exactly one is required"):
        parse_question(data)
    data = export_question(Q["t.tf.privacy"]) | {"difficulty": 6}
    with pytest.raises(ValidationError):
        parse_question(data)
    with pytest.raises(ValueError, match="needs a 'type'"):
        parse_question({"id": "x"})
