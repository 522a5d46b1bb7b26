"""The desk's figures, as pure functions over transcripts (the KPIs of the job description, seed 004).

Definitions (seconds from the section start; every list in chat order):
- response time of a customer message: time from it to the candidate's next message in that chat (None when
  the candidate never wrote again in that chat). Consecutive customer messages answered by one candidate
  message each get their own time. First response time: from the customer's first message to the
  candidate's first message in that chat.
- reply rate: customer messages answered within 60 s (response time <= 60) / all customer messages, over
  every chat (nudges and a leaving customer's last words are customer messages too).
- mean and p90 response time: over the answered customer messages of every chat. p90 is the nearest-rank
  percentile: sort ascending, take the value at rank ceil(0.9 x n) (1-based); for n = 10 the 9th value,
  for n = 1..9 rank ceil(0.9 x n) (n = 5: the 5th, the largest).
- conversion rate (咨询转化率): customers who ordered / customers who wrote at least one message.
- order value (客单价): mean order value of the customers who ordered (None without orders).
- flow coverage: the reception stages of the simulation that the candidate did, a stage being done when a
  reply to a step of that stage scored at least 60.
- quality: the mean rubric score (0-100) of the graded replies, each with its evidence.
Means and percentiles are rounded half up to 0.1 s, rates to 4 decimals; None when there is nothing to count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from exam.simulation.model import STAGES

REPLY_WITHIN_S = 60.0
DONE_SCORE = 60.0
P90 = 90


def _round1(value: float) -> float:
    """Round half up to one decimal."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


def _rate(part: int, whole: int) -> float | None:
    """part / whole to 4 decimals; None when whole is 0."""
    return round(part / whole, 4) if whole else None


def response_times(messages: Sequence[Mapping[str, Any]]) -> list[float | None]:
    """For each customer message of one chat (``{"at", "from"}``, in order): seconds to the next candidate message."""
    times: list[float | None] = []
    waiting: list[tuple[int, float]] = []
    for message in messages:
        if message["from"] == "customer":
            waiting.append((len(times), float(message["at"])))
            times.append(None)
        elif message["from"] == "candidate":
            for index, at in waiting:
                times[index] = round(float(message["at"]) - at, 3)
            waiting = []
    return times


def first_response(messages: Sequence[Mapping[str, Any]]) -> float | None:
    """Seconds from the customer's first message to the candidate's first message after it (None: never)."""
    first: float | None = None
    for message in messages:
        if message["from"] == "customer" and first is None:
            first = float(message["at"])
        elif message["from"] == "candidate" and first is not None:
            return round(float(message["at"]) - first, 3)
    return None


def reply_rate(times: Iterable[float | None], within: float = REPLY_WITHIN_S) -> float | None:
    """Share of customer messages answered within ``within`` seconds (None without customer messages)."""
    values = list(times)
    return _rate(sum(1 for t in values if t is not None and t <= within + 1e-9), len(values))


def mean(values: Iterable[float]) -> float | None:
    """The mean, rounded half up to 0.1 (None when empty)."""
    items = list(values)
    return _round1(sum(items) / len(items)) if items else None


def percentile(values: Iterable[float], pct: int) -> float | None:
    """The nearest-rank ``pct``-th percentile: the value at rank ceil(pct/100 x n) of the sorted values."""
    items = sorted(values)
    if not items:
        return None
    rank = max(1, -(-pct * len(items) // 100))  # integer ceiling: no float error (0.9 * 70 is 63.000...01)
    return _round1(items[rank - 1])


def conversion_rate(outcomes: Sequence[str]) -> float | None:
    """Customers who ordered / customers who wrote (``outcomes`` of those customers only)."""
    return _rate(sum(1 for o in outcomes if o == "ordered"), len(outcomes))


def mean_order_value(values: Iterable[float]) -> float | None:
    """客单价: the mean of the orders' values (None without orders), rounded to the fen."""
    items = list(values)
    return round(sum(items) / len(items), 2) if items else None


def flow_coverage(
    replies: Iterable[Mapping[str, Any]], stages: Iterable[str], done_score: float = DONE_SCORE
) -> dict[str, Any]:
    """``{"stages": {stage: done}, "coverage": done / stages}`` over ``stages`` in reception-flow order."""
    present = [s for s in STAGES if s in set(stages)]
    done = {s: False for s in present}
    for reply in replies:
        if reply["stage"] in done and float(reply["score"]) >= done_score - 1e-9:
            done[reply["stage"]] = True
    return {"stages": done, "coverage": _rate(sum(done.values()), len(present))}


def quality(replies: Sequence[Mapping[str, Any]]) -> float | None:
    """The mean rubric score of the graded replies (None without replies)."""
    return mean(float(r["score"]) for r in replies)


def customer_figures(messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """First response, each answered response time, and how many customer messages went unanswered."""
    times = response_times(messages)
    return {
        "first_response_s": first_response(messages),
        "response_times_s": [t for t in times if t is not None],
        "unanswered": sum(1 for t in times if t is None),
    }


def attempt_metrics(customers: Sequence[Mapping[str, Any]], stages: Iterable[str]) -> dict[str, Any]:
    """The attempt's figures from per-customer ``{"messages", "outcome", "order_value", "replies"}``."""
    arrived = [c for c in customers if any(m["from"] == "customer" for m in c["messages"])]
    times = [t for c in arrived for t in response_times(c["messages"])]
    answered = [t for t in times if t is not None]
    ordered = [float(c["order_value"]) for c in arrived if c["outcome"] == "ordered"]
    replies = [r for c in arrived for r in c["replies"]]
    flow = flow_coverage(replies, stages)
    outcomes = [c["outcome"] for c in arrived]
    return {
        "reply_rate": reply_rate(times),
        "mean_response_s": mean(answered),
        "p90_response_s": percentile(answered, P90),
        "conversion_rate": conversion_rate(outcomes),
        "order_value": mean_order_value(ordered),
        "quality": quality(replies),
        "flow_coverage": flow["coverage"],
        "flow": flow["stages"],
        "customers": len(arrived),
        "customer_messages": len(times),
        "answered_within_60s": sum(1 for t in answered if t <= REPLY_WITHIN_S + 1e-9),
        "orders": len(ordered),
        "sales": round(sum(ordered), 2),
        "outcomes": {o: outcomes.count(o) for o in ("ordered", "resolved", "left", "complained", "open")},
        "replies_graded": len(replies),
    }
