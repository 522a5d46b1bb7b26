"""The desk's score (0–100) from a transcript: how well the customers were served, as a supervisor weighs it.

score = 35 % reply quality (the mean rubric score of the graded replies)
      + 15 % reply rate (customer messages answered within 60 s)
      + 15 % speed (the mean response time: 15 s or less 100, 90 s or more 0, linear between)
      + 25 % outcomes (per customer who wrote: ordered or resolved 1, still talking at the end ½, left or complained 0)
      + 10 % flow coverage (the reception stages done, a stage being done when a reply to it scored at least 60)
Each part is on 0–100; a part with nothing to count (no reply graded, nothing answered) is 0. A customer's
complaint is a serious failure however good the rest was: one caps the score at 40, two or more at 20.
Rounded half up to 0.1.

(The first version, without speed and caps, was checked against ten desks scored by hand: it ranked them
as the expert did but scored slow desks and desks with complaints far too high; see
tests/data/simulations/agreement/.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

WEIGHTS: dict[str, float] = {"quality": 35.0, "reply_rate": 15.0, "speed": 15.0, "outcomes": 25.0, "flow": 10.0}
OUTCOME_CREDIT: dict[str, float] = {"ordered": 1.0, "resolved": 1.0, "open": 0.5, "left": 0.0, "complained": 0.0}
FAST_S, SLOW_S = 15.0, 90.0
COMPLAINT_CAPS = (40.0, 20.0)  # one complaint, two or more


def _round1(value: float) -> float:
    """Round half up to one decimal."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


def _arrived(customers: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [c for c in customers if any(m["from"] == "customer" for m in c["messages"])]


def outcome_share(customers: list[Mapping[str, Any]]) -> float | None:
    """The mean outcome credit of the customers who wrote at least one message (None: nobody wrote)."""
    arrived = _arrived(customers)
    if not arrived:
        return None
    return sum(OUTCOME_CREDIT.get(str(c["outcome"]), 0.0) for c in arrived) / len(arrived)


def speed(mean_response_s: float | None) -> float:
    """0–100 from the mean response time (None: nothing answered, 0)."""
    if mean_response_s is None:
        return 0.0
    return 100.0 * min(1.0, max(0.0, (SLOW_S - float(mean_response_s)) / (SLOW_S - FAST_S)))


def score_parts(transcript: Mapping[str, Any]) -> dict[str, float]:
    """Each part of the score on 0–100 (see the module docstring)."""
    metrics = transcript["metrics"]
    outcomes = outcome_share(list(transcript["customers"]))
    return {
        "quality": float(metrics.get("quality") or 0.0),
        "reply_rate": 100.0 * float(metrics.get("reply_rate") or 0.0),
        "speed": round(speed(metrics.get("mean_response_s")), 2),
        "outcomes": 100.0 * (outcomes or 0.0),
        "flow": 100.0 * float(metrics.get("flow_coverage") or 0.0),
    }


def complaints(transcript: Mapping[str, Any]) -> int:
    """Customers who complained."""
    return sum(1 for c in transcript["customers"] if c.get("outcome") == "complained")


def desk_score(transcript: Mapping[str, Any]) -> float:
    """The weighted mean of the parts, 0–100, capped after complaints, rounded half up to 0.1."""
    parts = score_parts(transcript)
    total = sum(parts[name] * weight for name, weight in WEIGHTS.items()) / sum(WEIGHTS.values())
    count = complaints(transcript)
    if count:
        total = min(total, COMPLAINT_CAPS[min(count, len(COMPLAINT_CAPS)) - 1])
    return _round1(total)
