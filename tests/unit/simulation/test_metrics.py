"""The desk's figures against hand-computed cases (the arithmetic is in the comments)."""

from __future__ import annotations

from exam.simulation.metrics import (
    attempt_metrics,
    conversion_rate,
    customer_figures,
    first_response,
    flow_coverage,
    mean,
    mean_order_value,
    percentile,
    quality,
    reply_rate,
    response_times,
)
from exam.simulation.model import Simulation
from exam.simulation.replay import replay

from .test_engine import HAPPY


def chat(*events: tuple[float, str]) -> list[dict]:
    """Messages from (at, "c" customer | "k" candidate)."""
    return [{"at": at, "from": "customer" if who == "c" else "candidate"} for at, who in events]


def test_each_response_time_is_to_the_next_candidate_message() -> None:
    messages = chat((0, "c"), (5, "c"), (12, "k"), (14, "k"), (20, "c"), (90, "k"), (100, "c"))
    # 0 -> 12: 12 s; 5 -> 12: 7 s (one candidate message answers both); 20 -> 90: 70 s; 100: never answered
    assert response_times(messages) == [12, 7, 70, None]
    assert first_response(messages) == 12
    # answered within 60 s: 12 and 7; 70 is too late; the last is unanswered -> 2 / 4
    assert reply_rate(response_times(messages)) == 0.5
    assert customer_figures(messages) == {"first_response_s": 12, "response_times_s": [12, 7, 70], "unanswered": 1}


def test_nothing_answered() -> None:
    messages = chat((30, "c"), (120, "c"), (210, "c"))
    assert response_times(messages) == [None, None, None]
    assert first_response(messages) is None
    assert reply_rate(response_times(messages)) == 0.0
    assert reply_rate([]) is None
    assert mean([]) is None and percentile([], 90) is None


def test_exactly_sixty_seconds_is_within() -> None:
    assert reply_rate([60, 60.001, None]) == round(1 / 3, 4)  # 60 <= 60; 60.001 is not; None is not -> 1/3


def test_p90_is_the_nearest_rank() -> None:
    # n = 10: rank ceil(0.9 x 10) = 9 -> the 9th smallest
    assert percentile(list(range(10, 0, -1)), 90) == 9
    # n = 3: rank ceil(2.7) = 3 -> the largest; n = 1: the value itself
    assert percentile([3, 1, 2], 90) == 3
    assert percentile([5], 90) == 5
    # n = 70: rank ceil(63) = 63 (0.9 * 70 is 63.00000000000001 in floating point: an integer ceiling is used)
    assert percentile(list(range(1, 71)), 90) == 63
    # n = 6: rank ceil(5.4) = 6
    assert percentile([10, 5, 15, 5, 5, 13], 90) == 15


def test_means_round_half_up_to_a_tenth() -> None:
    assert mean([1, 2]) == 1.5
    assert mean([0.35, 0]) == 0.2  # 0.175 -> 0.2
    assert mean([10, 5, 15, 5, 5, 13]) == 8.8  # 53 / 6 = 8.833...


def test_conversion_order_value_flow_and_quality() -> None:
    # 2 ordered of 4 customers who wrote
    assert conversion_rate(["ordered", "left", "complained", "ordered"]) == 0.5
    assert conversion_rate([]) is None
    # 客单价 = (199.6 + 199) / 2 = 199.3
    assert mean_order_value([199.6, 199]) == 199.3
    assert mean_order_value([]) is None
    replies = [
        {"stage": "price", "score": 80},
        {"stage": "greeting", "score": 59.9},
        {"stage": "greeting", "score": 60},
    ]
    # greeting: done by the third reply (60 >= 60); price: done; farewell: never -> 2 of 3 stages
    assert flow_coverage(replies, ["farewell", "price", "greeting"]) == {
        "stages": {"greeting": True, "price": True, "farewell": False},
        "coverage": 0.6667,
    }
    # (80 + 59.9 + 60) / 3 = 66.633... -> 66.6
    assert quality(replies) == 66.6
    assert quality([]) is None


def test_attempt_metrics_by_hand() -> None:
    customers = [
        {
            "messages": chat((0, "c"), (10, "k"), (15, "c"), (20, "k"), (25, "c"), (40, "k"), (45, "c"), (50, "k")),
            "outcome": "ordered",
            "order_value": 199.6,
            "replies": [{"stage": "price", "score": 90}, {"stage": "farewell", "score": 50}],
        },
        {
            "messages": chat((30, "c"), (35, "k"), (47, "c"), (60, "k"), (72, "c"), (162, "c"), (252, "c")),
            "outcome": "ordered",
            "order_value": 199,
            "replies": [{"stage": "greeting", "score": 70}],
        },
        {"messages": [], "outcome": "open", "order_value": 0, "replies": []},  # never arrived: not counted
    ]
    figures = attempt_metrics(customers, ["greeting", "price", "related_sale", "farewell"])
    # response times: first chat 10, 5, 15, 5; second 5, 13, then 3 unanswered -> 9 customer messages
    assert figures["customer_messages"] == 9 and figures["answered_within_60s"] == 6
    assert figures["reply_rate"] == 0.6667  # 6 / 9
    assert figures["mean_response_s"] == 8.8  # (10 + 5 + 15 + 5 + 5 + 13) / 6 = 8.83
    assert figures["p90_response_s"] == 15  # n = 6, rank 6 of [5, 5, 5, 10, 13, 15]
    assert figures["conversion_rate"] == 1.0  # 2 ordered / 2 who wrote
    assert figures["order_value"] == 199.3  # (199.6 + 199) / 2
    assert figures["quality"] == 70.0  # (90 + 50 + 70) / 3
    # greeting 70 and price 90 done; farewell 50 < 60 not done; related_sale never -> 2 / 4
    assert figures["flow_coverage"] == 0.5
    assert figures["customers"] == 2 and figures["orders"] == 2 and figures["sales"] == 398.6


def test_replayed_figures_match_the_hand_computed_timeline(mini: Simulation) -> None:
    out = replay(mini, HAPPY)
    tiger, koala = out["customers"]
    # tiger: messages at 0, 15, 25, 45 answered at 10, 20, 40, 50
    assert (tiger["first_response_s"], tiger["response_times_s"]) == (10, [10, 5, 15, 5])
    # koala: 30 -> 35, 47 -> 60; 72 (bye), 162 and 252 (nudges) unanswered; it had ordered, so it just goes at 342
    assert (koala["first_response_s"], koala["response_times_s"], koala["unanswered"]) == (5, [5, 13], 3)
    # tiger: (199 + 45) x 0.9 = 219.6, minus 20 from 200 = 199.6; koala: 199 (one item, below 200)
    assert (tiger["order_value"], koala["order_value"]) == (199.6, 199)
    metrics = out["metrics"]
    assert metrics["reply_rate"] == 0.6667 and metrics["mean_response_s"] == 8.8 and metrics["p90_response_s"] == 15
    assert metrics["conversion_rate"] == 1.0 and metrics["order_value"] == 199.3
