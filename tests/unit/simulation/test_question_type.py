"""The chat_simulation question type: what a candidate may see, grading, section figures, the desk's views."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from exam.banks.loader import read_bank
from exam.hiring.explain import format_value, lower_is_better
from exam.hiring.sections import GradedItem
from exam.i18n import set_locale
from exam.questions.chat_simulation import TYPE, replay_view
from exam.questions.registry import get_type, metric
from exam.simulation.engine import advance, reply, start, state_from_dict, state_to_dict
from exam.simulation.model import Simulation
from exam.simulation.replay import run
from exam.simulation.score import desk_score, score_parts
from exam.simulation.timeline import timeline, timeline_svg
from exam.simulation.view import public_desk

from .conftest import ROOT, SHIPPED, load

DESK = ROOT / "tests" / "data" / "simulations" / "desk_bank" / "desk.yaml"
# The candidate answers the tiger and the koala well and never writes to the owl (see the hand figures below).
SCRIPT = [
    (5, "tiger", "您好，有货的，L 码和 M 码都有。"),
    (8, "koala", "您好，欢迎光临！"),
    (15, "tiger", "您好，178 厘米建议选 L 码。"),
    (20, "koala", "您好，两件可以享 9 折哦。"),
]


@pytest.fixture(scope="module")
def desk() -> Simulation:
    return Simulation.model_validate(yaml.safe_load(DESK.read_text("utf-8"))["questions"][0])


def _state_dict(sim: Simulation, replies: list[tuple[float, str, str]]) -> dict:
    return {"state": state_to_dict(run(sim, replies)), "sent": len(replies)}


def test_it_is_registered_with_its_folder_and_metrics() -> None:
    assert get_type("chat_simulation") is TYPE
    assert TYPE.folder == "simulations"
    assert {m.name: m.kind for m in TYPE.metrics} == {
        "response_time": "seconds",
        "reply_rate": "ratio",
        "conversion_rate": "ratio",
        "order_value": "yuan",
        "quality": "percent",
    }
    assert metric("simulation.response_time") is not None and lower_is_better("simulation.response_time")
    assert not lower_is_better("simulation.reply_rate")
    set_locale("zh_CN")
    assert format_value("simulation.response_time", 12.5) == "12.5 秒"
    assert format_value("simulation.order_value", 219.6) == "219.6 元"
    assert format_value("simulation.reply_rate", 0.75) == "75%"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_the_public_view_holds_the_card_but_nothing_the_customers_will_say_or_why(path: Path) -> None:
    sim = load(path)
    view = TYPE.public_view(sim, {})
    text = json.dumps(view, ensure_ascii=False)
    for word in ("rubric", "rules", "detector", "why", "patience", "nudge", "goto", "outcome"):
        assert word not in text, word
    for customer in sim.customers:
        assert customer.name not in text and customer.leave not in text
        for step in customer.steps:
            assert step.message not in text
            assert not step.facts or step.facts not in text
            for rule in step.rules:
                assert not rule.say or rule.say not in text
    assert view["shop"]["name"] == sim.shop.name and view["customers"] == len(sim.customers)
    assert [p["name"] for p in view["shop"]["products"]] == [p.name for p in sim.shop.products]


def test_answers_come_through_the_desk_only(desk: Simulation) -> None:
    with pytest.raises(ValueError, match="message by message"):
        TYPE.read_answer(desk, {"text": "您好"})
    assert not TYPE.is_answered({}) and not TYPE.is_answered({"sent": 0}) and TYPE.is_answered({"sent": 2})


def test_grading_a_desk_gives_the_hand_computed_figures(desk: Simulation) -> None:
    outcome = TYPE.grade_response(desk, _state_dict(desk, SCRIPT))
    detail = outcome.detail
    by_id = {c["id"]: c for c in detail["customers"]}
    assert {k: c["outcome"] for k, c in by_id.items()} == {"tiger": "ordered", "koala": "ordered", "owl": "left"}
    assert by_id["tiger"]["order_value"] == 199  # shirt L
    assert by_id["koala"]["order_value"] == 358.2  # two shirts M: 398 x 0.9
    assert by_id["tiger"]["response_times_s"] == [5.0, 8.0]  # 0 -> 5, size asked at 7 -> 15
    assert by_id["koala"]["response_times_s"] == [6.0, 10.0]  # 2 -> 8, deal asked at 10 -> 20
    assert [m["kind"] for m in by_id["owl"]["messages"]] == ["step", "nudge", "leave"]
    assert [m["at"] for m in by_id["owl"]["messages"]] == [4.0, 12.0, 20.0]
    m = detail["metrics"]
    assert m["reply_rate"] == 0.4444  # 4 of 9 customer messages (the closing words count too)
    assert m["mean_response_s"] == 7.3  # (5 + 8 + 6 + 10) / 4 = 7.25, half up
    assert m["p90_response_s"] == 10.0
    assert m["conversion_rate"] == 0.6667 and m["order_value"] == 278.6  # (199 + 358.2) / 2
    assert outcome.max_score == 100 and outcome.score == detail["score"] == desk_score(detail)
    assert detail["stages"] == ["greeting", "inquiry", "related_sale"]


def test_the_score_is_the_documented_weighted_mean() -> None:
    def chat(outcome: str) -> dict:
        return {"outcome": outcome, "messages": [{"at": 0, "from": "customer"}]}

    transcript = {
        "metrics": {"quality": 80.0, "reply_rate": 0.5, "flow_coverage": 0.5, "mean_response_s": 52.5},
        "customers": [chat("ordered"), chat("left"), chat("open"), {"outcome": "left", "messages": []}],
    }
    # outcomes (1 + 0 + 0.5) / 3 customers who wrote = 50; speed (90 - 52.5) / (90 - 15) = 50
    # (80 x 35 + 50 x 15 + 50 x 15 + 50 x 25 + 50 x 10) / 100 = 60.5
    assert score_parts(transcript) == {
        "quality": 80.0,
        "reply_rate": 50.0,
        "speed": 50.0,
        "outcomes": 50.0,
        "flow": 50.0,
    }
    assert desk_score(transcript) == 60.5
    excellent = {
        "metrics": {"quality": 100.0, "reply_rate": 1.0, "flow_coverage": 1.0, "mean_response_s": 10.0},
        "customers": [chat("ordered"), chat("resolved"), chat("ordered")],
    }
    assert desk_score(excellent) == 100.0
    one = {**excellent, "customers": [chat("ordered"), chat("complained"), chat("ordered")]}
    two = {**excellent, "customers": [chat("complained"), chat("complained"), chat("ordered")]}
    assert desk_score(one) == 40.0 and desk_score(two) == 20.0  # a complaint caps the desk
    silent = {"metrics": {"quality": None, "reply_rate": 0.0, "flow_coverage": 0.0}, "customers": [chat("left")]}
    assert desk_score(silent) == 0.0


def test_a_desk_never_opened_is_graded_as_a_silent_candidate(desk: Simulation) -> None:
    outcome = TYPE.grade_response(desk, {})
    assert outcome.score == 0.0
    assert {c["outcome"] for c in outcome.detail["customers"]} == {"left"}


def test_section_figures_pool_the_customers_and_feed_the_inputs(desk: Simulation) -> None:
    one = TYPE.grade_response(desk, _state_dict(desk, SCRIPT))
    item = GradedItem(0, "simulation", "chat_simulation", (), one.score, 100.0, one.detail, True)
    figures = TYPE.section_figures([item])
    assert figures["desk"]["reply_rate"] == 0.4444 and figures["desk"]["customers"] == 3
    assert TYPE.section_inputs(figures) == {
        "response_time": 7.3,
        "reply_rate": 0.4444,
        "conversion_rate": 0.6667,
        "order_value": 278.6,
        "quality": figures["desk"]["quality"],
    }
    silent = TYPE.grade_response(desk, {})
    figures = TYPE.section_figures([GradedItem(0, "simulation", "chat_simulation", (), 0.0, 100.0, silent.detail)])
    assert set(TYPE.section_inputs(figures)) == {"reply_rate", "conversion_rate"}  # nothing answered, nothing sold
    assert TYPE.section_figures([]) == {}


def test_the_fast_state_dict_equals_dataclasses_asdict(desk: Simulation) -> None:
    state = run(desk, SCRIPT)
    slow = {"simulation": desk.id, "clock": state.clock, "chats": [asdict(c) for c in state.chats]}
    assert state_to_dict(state) == slow
    assert state_to_dict(state_from_dict(desk, json.loads(json.dumps(state_to_dict(state))))) == slow


def test_the_candidate_sees_only_who_came_and_what_waits(desk: Simulation) -> None:
    state = start(desk)
    advance(state, 3.0)
    view = public_desk(state)
    assert [c["id"] for c in view["chats"]] == ["tiger", "koala"]  # the owl comes at 4 s
    tiger = view["chats"][0]
    assert tiger["unanswered"] == 1 and tiger["waiting_since"] == 0.0 and tiger["status"] == "open"
    reply(state, 5.0, "tiger", "您好，有货的。")
    advance(state, 7.0)
    view = public_desk(state, known={"tiger": 2, "koala": 1})
    assert [(m["chat"], m["i"], m["from"]) for m in view["messages"]] == [
        ("owl", 0, "customer"),
        ("tiger", 2, "customer"),
    ]
    tiger = next(c for c in view["chats"] if c["id"] == "tiger")
    assert tiger["unanswered"] == 1 and tiger["waiting_since"] == 7.0
    text = json.dumps(view, ensure_ascii=False)
    assert "why" not in text and "rubric" not in text and "size" not in text  # no step ids, rules or reasons


def test_the_timeline_by_hand() -> None:
    transcript = {
        "duration": 120,
        "customers": [
            {
                "id": "a",
                "name": "甲",
                "outcome": "ordered",
                "messages": [
                    {"at": 0, "from": "customer", "kind": "step"},
                    {"at": 10, "from": "candidate", "kind": "reply"},
                    {"at": 12, "from": "customer", "kind": "step"},
                    {"at": 40, "from": "customer", "kind": "nudge"},
                    {"at": 50, "from": "candidate", "kind": "reply"},
                    {"at": 52, "from": "customer", "kind": "end"},
                ],
            },
            {
                "id": "b",
                "name": "<乙>",
                "outcome": "left",
                "messages": [{"at": 30, "from": "customer", "kind": "step"}],
            },
            {"id": "c", "name": "丙", "outcome": "left", "messages": []},
        ],
    }
    data = timeline(transcript)
    a, b = data["rows"]
    assert a["open"] == [0.0, 52.0] and a["waits"] == [[0.0, 10.0], [12.0, 50.0]]
    assert a["waited_s"] == 48.0 and a["longest_wait_s"] == 38.0 and a["replies"] == [10.0, 50.0]
    assert b["open"] == [30.0, 120.0] and b["waits"] == [[30.0, 120.0]]
    assert data["candidate"] == [[10.0, "a"], [50.0, "a"]]
    svg = str(timeline_svg(data, {"title": "T", "desc": "D", "candidate": "客服", "minutes": "分钟"}))
    assert (
        svg.startswith("<svg") and "<title" in svg and "<desc" in svg and "&lt;乙&gt;" in svg and "<script" not in svg
    )
    assert svg.count('fill="#dc2626"') == 1  # the one wait longer than 60 s (b's 90 s)


def test_the_replay_view_is_the_report_view(desk: Simulation) -> None:
    view = replay_view(desk, SCRIPT)
    assert view["graded"] and view["detail"]["metrics"]["reply_rate"] == 0.4444
    assert [c["id"] for c in view["chats"]] == ["tiger", "koala", "owl"]
    tiger_rows = view["chats"][0]["rows"]
    kinds = ["reply" if "reply" in r else r["message"]["from"] for r in tiger_rows]
    # each graded reply sits before the customer's reaction to it
    assert kinds == ["customer", "candidate", "reply", "customer", "candidate", "reply", "customer"]
    answer = SimpleNamespace(id=7, result={}, score=None)
    assert TYPE.report_view({}, answer) == {"graded": False}


def test_the_whole_shipped_bank_and_profiles_validate() -> None:
    bank, problems = read_bank([ROOT / "question_banks"])
    assert problems == []
    presale = bank.profiles["presale"]
    inputs = {c.input for c in presale.criteria} | {r.input for r in presale.hard_requirements}
    assert {
        "simulation.quality",
        "simulation.reply_rate",
        "simulation.response_time",
        "simulation.conversion_rate",
        "simulation.order_value",
    } <= inputs
    assert "communication.criterion.fit" not in inputs  # conversion is measured now, not guessed


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_export_round_trips_and_the_schema_knows_the_type(path: Path) -> None:
    from exam.banks.schema import json_schemas
    from exam.questions.registry import export_question, parse_question

    sim = load(path)
    assert parse_question(export_question(sim)) == sim
    schema = json.dumps(json_schemas()["question_file"])
    assert '"chat_simulation"' in schema and "Simulation" in schema


def test_the_trainers_starter_is_a_valid_simulation() -> None:
    from exam.questions.registry import parse_question

    texts = {k: "示例" for k in ("title", "shop", "facts", "message", "courtesy", "next_step")}
    base = {"id": "sim.new.001", "type": "chat_simulation", "topics": ["presale_flow"], "difficulty": 2}
    data = {**base, "source": {"seed": "s", "section": "x"}, "explanation": "示例", **TYPE.starter(texts)}
    sim = parse_question(data)
    assert isinstance(sim, Simulation) and len(sim.customers) == 2
