"""The desk engine on the test simulation: every rule kind, timing, determinism, stepping and stored state.

Test simulation (tests/data/simulations/mini.yaml): the tiger arrives at 0 s (patience 60 s, reads a reply
for 5 s, one nudge); the koala at 30 s (patience 90 s, reads for 12 s, two nudges); the section lasts 600 s.
"""

from __future__ import annotations

import json

import pytest

from exam.simulation.engine import (
    DeskError,
    Message,
    State,
    advance,
    finish,
    next_due,
    reply,
    start,
    state_from_dict,
    state_to_dict,
)
from exam.simulation.model import Simulation
from exam.simulation.replay import replay, run

GOOD_PRICE = "是的，确实不便宜，这件全棉、大厂代工，全店统一价不议价。谢谢您理解。"
INVENTED = "好的，给您打个 8 折吧。"
HAPPY = [
    (10, "tiger", GOOD_PRICE),
    (20, "tiger", "谢谢您，推荐您再配一条休闲腰带，两件 9 折。"),
    (35, "koala", "您好，欢迎光临！请问有什么可以帮您？"),
    (40, "tiger", "谢谢您的支持！"),
    (50, "tiger", "您好，今天 16 点前付款当天发货，谢谢您。"),
    (60, "koala", "您好，160 斤建议您选 L 码，谢谢亲。"),
]


def said(state: State, customer: str) -> list[tuple[float, str, str]]:
    """(at, sender, text) of one chat."""
    return [(m.at, m.sender, m.text) for m in state.chat(customer).messages]


def test_handled_objection_leads_to_an_order_with_the_related_sale(mini: Simulation) -> None:
    state = run(mini, HAPPY)
    assert said(state, "tiger") == [
        (0, "customer", "这件衬衣太贵了，便宜点。"),
        (10, "candidate", GOOD_PRICE),
        (15, "customer", "行，M 码一件，我拍了。"),  # 10 s + 5 s of reading; the price objection was handled
        (20, "candidate", "谢谢您，推荐您再配一条休闲腰带，两件 9 折。"),
        (25, "customer", "付好了。"),  # the belt was recommended: added, and the order is placed
        (40, "candidate", "谢谢您的支持！"),
        (45, "customer", "今天能发货吗？"),
        (50, "candidate", "您好，今天 16 点前付款当天发货，谢谢您。"),
    ]
    tiger = state.chat("tiger")
    assert tiger.outcome == "ordered" and tiger.status == "closed"
    assert tiger.cart == [
        {"product": "shirt", "variant": "M", "qty": 1},
        {"product": "belt", "variant": None, "qty": 1},
    ]
    why = tiger.messages[2].why
    assert why is not None and (why.kind, why.step, why.rule) == ("rule", "price", 2)
    assert why.condition == "criterion solve >= 0.5" and why.criterion == "solve" and why.detector == "facts"
    assert [e["text"] for e in why.evidence] == ["统一价", "全棉"]
    assert why.note == "先认同再讲品质，老虎型顾客迅速决定"
    assert [(r.step, r.rule) for r in tiger.replies] == [("price", 2), ("related", 1), ("pay", 1), ("bye", 2)]


def test_invented_discount_leads_to_the_price_change_demand_then_a_complaint(mini: Simulation) -> None:
    state = run(mini, [(10, "tiger", INVENTED), (20, "tiger", "行，我帮您改个价。")])
    assert said(state, "tiger")[2] == (15, "customer", "那你直接给我改价，改成 150。")
    why = state.chat("tiger").messages[2].why
    assert why is not None and why.condition == "flag forbidden_claim" and why.detector == "forbidden"
    assert why.criterion == "honesty" and why.evidence[0]["text"] == "打个 8 折"
    assert why.evidence[0]["note"] == "自行许诺折扣:事实中没有 8 折"
    assert said(state, "tiger")[-1] == (25, "customer", "一会儿能改一会儿不能改，我要投诉你们。")
    assert state.chat("tiger").outcome == "complained"
    assert state.chat("tiger").messages[-1].why.evidence[0]["text"] == "改个价"  # type: ignore[union-attr]


def test_the_price_change_demand_can_be_recovered(mini: Simulation) -> None:
    state = run(mini, [(10, "tiger", INVENTED), (20, "tiger", "抱歉，天猫规定后台不能改商品价格，这件全棉，统一价。")])
    assert said(state, "tiger")[4] == (25, "customer", "行，M 码一件，我拍了。")


def test_ignored_customers_nudge_then_leave(mini: Simulation) -> None:
    state = run(mini, [])
    # tiger: 0 + 60 s patience -> nudge; + 60 s after the only nudge -> leaves
    assert said(state, "tiger") == [
        (0, "customer", "这件衬衣太贵了，便宜点。"),
        (60, "customer", "在吗？"),
        (120, "customer", "算了，我去别家看看吧。"),
    ]
    # koala: arrives at 30, nudges at 120 and 210, leaves at 300
    assert [m[0] for m in said(state, "koala")] == [30, 120, 210, 300]
    assert said(state, "koala")[-1][2] == "算了，我再看看别家。"
    for customer in ("tiger", "koala"):
        chat = state.chat(customer)
        assert chat.outcome == "left"
        assert [m.why.kind for m in chat.messages if m.why] == ["arrival", "nudge"] + ["nudge"] * (
            customer == "koala"
        ) + ["leave"]
    assert state.chat("tiger").messages[2].why.condition == "no reply within 60 s after 1 nudge(s)"  # type: ignore


def test_a_reply_after_a_nudge_resets_the_patience(mini: Simulation) -> None:
    state = run(mini, [(70, "tiger", GOOD_PRICE)])
    assert said(state, "tiger")[:4] == [
        (0, "customer", "这件衬衣太贵了，便宜点。"),
        (60, "customer", "在吗？"),
        (70, "candidate", GOOD_PRICE),
        (75, "customer", "行，M 码一件，我拍了。"),
    ]
    # then ignored again: a fresh nudge 60 s later, and it leaves 60 s after that
    assert said(state, "tiger")[4:] == [(135, "customer", "在吗？"), (195, "customer", "算了，我去别家看看吧。")]
    # the outcome is only set by the related-sale rule, never reached: the customer left
    assert state.chat("tiger").outcome == "left"


def test_an_ordered_customer_who_is_ignored_just_goes(mini: Simulation) -> None:
    state = run(mini, HAPPY[:3] + HAPPY[5:])  # the tiger's "付好了。" is never answered
    assert said(state, "tiger")[-2:] == [(25, "customer", "付好了。"), (85, "customer", "在吗？")]
    assert state.chat("tiger").outcome == "ordered" and state.chat("tiger").status == "closed"


def test_messages_sent_while_the_customer_reads_are_one_reply(mini: Simulation) -> None:
    state = run(mini, [(31, "koala", "您好，"), (35, "koala", "欢迎光临！")])
    koala = state.chat("koala")
    assert [(r.step, r.at, r.decided_at, r.text) for r in koala.replies][0] == ("hello", 31, 43, "您好，\n欢迎光临！")
    assert said(state, "koala")[3] == (43, "customer", "我 160 斤穿什么码？")


def test_events_due_at_the_time_of_a_reply_come_first(mini: Simulation) -> None:
    state = start(mini)
    out = reply(state, 60, "tiger", GOOD_PRICE)
    assert [(m.at, m.sender, m.kind) for m in out] == [
        (0, "customer", "step"),
        (30, "customer", "step"),
        (60, "customer", "nudge"),
        (60, "candidate", "reply"),
    ]
    assert next_due(state) == 65  # the tiger reads the reply


def test_a_zero_delay_customer_answers_at_once(mini: Simulation) -> None:
    data = mini.model_dump()
    data["customers"][0]["reply_delay"] = 0
    fast = Simulation.model_validate(data)
    out = reply(start(fast), 10, "tiger", GOOD_PRICE)
    assert [(m.at, m.sender) for m in out][-2:] == [(10, "candidate"), (10, "customer")]


def test_the_section_end_grades_unread_replies_and_leaves_open_chats(mini: Simulation) -> None:
    data = mini.model_dump()
    data["customers"][1]["patience"] = 600  # the koala waits past the end of the section
    patient = Simulation.model_validate(data)
    state = run(patient, [(594, "koala", "您好，欢迎光临！")])
    koala = state.chat("koala")
    assert koala.outcome is None and koala.status == "closed"
    assert [(r.step, r.rule) for r in koala.replies] == [("hello", None)]  # 594 + 12 > 600: no reaction
    assert replay(patient, [(594, "koala", "您好，欢迎光临！")])["customers"][1]["outcome"] == "open"


@pytest.mark.parametrize(
    "at, customer, text, error",
    [
        (10, "nobody", "您好", "unknown customer 'nobody'; customers: tiger, koala"),
        (10, "koala", "您好", "customer 'koala' arrives at 30 s; nothing can be sent to them at 10 s"),
        (601, "tiger", "您好", "the simulation ended at 600 s; a message at 601 s is not accepted"),
        (10, "tiger", "  \n", "an empty message is not sent"),
    ],
)
def test_refused_desk_actions(mini: Simulation, at: float, customer: str, text: str, error: str) -> None:
    with pytest.raises(DeskError, match="^" + error.replace("(", r"\(").replace(")", r"\)") + "$"):
        reply(start(mini), at, customer, text)


def test_time_cannot_go_back(mini: Simulation) -> None:
    state = start(mini)
    advance(state, 50)
    with pytest.raises(DeskError, match="time went back: 40 s after 50 s"):
        reply(state, 40, "tiger", "您好")


def test_messages_to_a_closed_chat_are_kept_but_change_nothing(mini: Simulation) -> None:
    state = run(mini, [(130, "tiger", "抱歉让您久等了！")])
    assert said(state, "tiger")[-1] == (130, "candidate", "抱歉让您久等了！")
    assert state.chat("tiger").messages[-1].kind == "late" and state.chat("tiger").outcome == "left"


def test_same_replies_same_conversation(mini: Simulation) -> None:
    first = replay(mini, HAPPY)
    assert replay(mini, HAPPY) == first
    assert replay(mini, list(reversed(HAPPY))) == first  # input order does not matter, times do
    assert replay(mini, [{"at": a, "customer": c, "text": t} for a, c, t in HAPPY]) == first
    assert json.loads(json.dumps(first)) == first


def _step_by_step(mini: Simulation, replies: list[tuple[float, str, str]], store: bool) -> tuple[dict, list[Message]]:
    """Drive the desk the way the web does: poll every 2 s, send replies on time, optionally store and reload."""
    state = start(mini)
    seen: list[Message] = []
    pending = sorted(replies)
    for now in range(0, 601, 2):
        while pending and pending[0][0] <= now:
            at, customer, text = pending.pop(0)
            seen += reply(state, at, customer, text)
        seen += advance(state, now)
        if store:
            state = state_from_dict(mini, json.loads(json.dumps(state_to_dict(state))))
    seen += finish(state)
    return state_to_dict(state), seen


@pytest.mark.parametrize("store", [False, True])
def test_stepping_as_the_web_desk_gives_the_replayed_conversation(mini: Simulation, store: bool) -> None:
    replayed = run(mini, HAPPY)
    stepped, seen = _step_by_step(mini, HAPPY, store)
    assert stepped == state_to_dict(replayed)
    # every message was handed out exactly once, in time order
    transcript = sorted((m for chat in replayed.chats for m in chat.messages), key=lambda m: m.at)
    assert sorted(seen, key=lambda m: m.at) == transcript
    assert [m.at for m in seen] == sorted(m.at for m in seen)


def test_a_stored_state_belongs_to_its_simulation(mini: Simulation) -> None:
    data = state_to_dict(start(mini))
    data["simulation"] = "sim.other"
    with pytest.raises(ValueError, match="the stored state is of simulation 'sim.other', not 'sim.test.mini'"):
        state_from_dict(mini, data)
