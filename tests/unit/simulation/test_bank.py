"""The shipped simulations (question_banks/simulations): valid, written to the content rules, and playable.

The expert answers (tests/data/simulations/expert_answers.json) were written for these tests, one reply per
step, as an experienced agent following the seeds would answer; they must lead every customer to a good end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from exam.banks.loader import read_bank
from exam.simulation.model import CUSTOMER_TYPES, STAGES, Simulation
from exam.simulation.replay import replay, script

from .conftest import BANK, ROOT, SHIPPED, load

SEEDS = {p.name for p in (ROOT / "tests" / "data" / "seeds").iterdir()}
EXPERT = json.loads((ROOT / "tests" / "data" / "simulations" / "expert_answers.json").read_text("utf-8"))
ASCII_PUNCTUATION = re.compile(r"[,.?!:;()]")


def test_three_files_ship() -> None:
    assert [p.name for p in SHIPPED] == ["aftersale.yaml", "insale.yaml", "presale.yaml"]


def test_the_bank_loader_validates_them() -> None:
    bank, problems = read_bank([BANK])
    assert problems == []
    assert sorted(bank.questions) == ["sim.aftersale.cups", "sim.insale.dresses", "sim.presale.shirts"]
    assert {q.service_stage() for q in bank.questions.values()} == {"presale", "insale", "aftersale"}


def test_a_bank_walk_reads_them_with_the_rest() -> None:
    bank, problems = read_bank([ROOT / "question_banks"])
    assert problems == []
    assert any(path.parent.name == "simulations" for path in bank.files)
    assert sum(q.type == "chat_simulation" for q in bank.questions.values()) == 3


def _texts(sim: Simulation) -> list[str]:
    """Everything a customer says."""
    out = []
    for customer in sim.customers:
        out += list(customer.nudges) + [customer.leave]
        for step in customer.steps:
            out.append(step.message)
            out += [rule.say for rule in step.rules if rule.say]
    return out


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_content_rules(path: Path) -> None:
    sim = load(path)
    assert sim.source.seed in SEEDS
    assert len(sim.customers) == 3
    assert len({c.type for c in sim.customers}) == 3 and {c.type for c in sim.customers} <= set(CUSTOMER_TYPES)
    for customer in sim.customers:
        assert len(customer.steps) >= 6, customer.id
        assert customer.steps[0].stage == "greeting"
        assert any(step.stage == "farewell" for step in customer.steps)
    stages = {step.stage for c in sim.customers for step in c.steps}
    assert len(stages & set(STAGES)) >= 6
    for text in _texts(sim):
        assert not ASCII_PUNCTUATION.search(text), f"half-width punctuation in {text!r}"
        assert "根据" not in text and "说明书" not in text, text
    assert all(c.at < sim.duration / 4 for c in sim.customers)  # all three are at the desk early: served at once


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_expert_answers_lead_every_customer_to_a_good_end(path: Path) -> None:
    sim = load(path)
    out = replay(sim, script(sim, EXPERT[sim.id], delay=15))
    outcomes = {c["id"]: c["outcome"] for c in out["customers"]}
    assert set(outcomes.values()) <= {"ordered", "resolved"}, outcomes
    assert out["metrics"]["conversion_rate"] >= 0.33  # the after-sale desk: one of three buys
    assert out["metrics"]["quality"] >= 80
    assert out["metrics"]["flow_coverage"] == 1.0
    assert out["metrics"]["mean_response_s"] == 15.0
    for customer in out["customers"]:
        for reply in customer["replies"]:
            assert reply["score"] >= 60, (customer["id"], reply["step"], reply["score"])


def test_expected_orders_of_the_expert_candidate() -> None:
    values = {}
    for path in SHIPPED:
        sim = load(path)
        for customer in replay(sim, script(sim, EXPERT[sim.id]))["customers"]:
            values[f"{sim.id}/{customer['id']}"] = (customer["outcome"], customer["order_value"])
    assert values == {
        # (199 + 45) x 0.9 = 219.6 (shirt L + belt, 两件 9 折)
        "sim.presale.shirts/tiger": ("ordered", 219.6),
        "sim.presale.shirts/peacock": ("ordered", 219.6),
        # (199 + 129) x 0.9 = 295.2 (shirt M + 基础款 M)
        "sim.presale.shirts/koala": ("ordered", 295.2),
        # 239 + 129 = 368 >= 299, minus 30 = 338 (dress M + cardigan M)
        "sim.insale.dresses/tiger": ("ordered", 338),
        "sim.insale.dresses/owl": ("ordered", 338),
        "sim.insale.dresses/koala": ("ordered", 338),
        "sim.aftersale.cups/tiger": ("resolved", 0),
        "sim.aftersale.cups/owl": ("resolved", 0),
        # 19 + 9 = 28 (杯套 + 杯刷)
        "sim.aftersale.cups/peacock": ("ordered", 28),
    }


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_silent_candidate_loses_everyone(path: Path) -> None:
    out = replay(load(path), [])
    assert {c["outcome"] for c in out["customers"]} == {"left"}
    assert out["metrics"]["reply_rate"] == 0.0 and out["metrics"]["mean_response_s"] is None
    for customer in out["customers"]:
        kinds = [m["kind"] for m in customer["messages"]]
        assert kinds[0] == "step" and kinds[-1] == "leave" and "nudge" in kinds


@pytest.mark.parametrize(
    "sim_id, customer, step, text, next_message, detector",
    [
        (
            "sim.presale.shirts",
            "tiger",
            "price",
            "好的，给您打个 8 折，159 元。",
            "你刚说能便宜，那直接给我改价，改成 150，我马上拍。",
            "forbidden",
        ),
        ("sim.presale.shirts", "tiger", "price", "这个价格不贵了，已经是最低价了。", "跟我争什么？不买了。", "taboo"),
        (
            "sim.insale.dresses",
            "owl",
            "fabric",
            "您好，这款是纯棉的，有点透，建议搭配打底。",
            "和详情页写的不一样，我不放心，不买了。",
            "contradiction",
        ),
        (
            "sim.aftersale.cups",
            "tiger",
            "complain",
            "这是快递摔的，跟我们没关系。",
            "推卸责任是吧？我要投诉你们！",
            "taboo",
        ),
        (
            "sim.aftersale.cups",
            "owl",
            "when",
            "您好，保证明天就能到。",
            "你能保证？快递又不归你们管，我不信。",
            "taboo",
        ),
    ],
)
def test_a_bad_reply_changes_what_the_customer_does(
    sim_id: str, customer: str, step: str, text: str, next_message: str, detector: str
) -> None:
    path = next(p for p in SHIPPED if load(p).id == sim_id)
    sim = load(path)
    answers = {c: dict(steps) for c, steps in EXPERT[sim_id].items()}
    answers[customer][step] = text
    out = replay(sim, script(sim, answers))
    messages = next(c for c in out["customers"] if c["id"] == customer)["messages"]
    after = next(i for i, m in enumerate(messages) if m["from"] == "candidate" and m["text"] == text)
    reaction = next(m for m in messages[after:] if m["from"] == "customer")
    assert reaction["text"] == next_message
    assert reaction["why"]["step"] == step and reaction["why"]["detector"] == detector
    assert reaction["why"]["evidence"] and reaction["why"]["evidence"][0]["text"] in text
