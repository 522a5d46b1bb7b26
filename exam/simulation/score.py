"""The desk's score (0–100) from a transcript: how well the customers were served, as a supervisor weighs it.

score = 40 % reply quality (the mean rubric score of the graded replies)
      + 20 % reply rate (customer messages answered within 60 s)
      + 25 % outcomes (per customer who wrote: ordered or resolved 1, still talking at the end ½, left or complained 0)
      + 15 % flow coverage (the reception stages done, a stage being done when a reply to it scored at least 60)
Each part is on 0–100; a part with nothing to count (no reply graded) is 0. Rounded half up to 0.1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

WEIGHTS: dict[str, float] = {"quality": 40.0, "reply_rate": 20.0, "outcomes": 25.0, "flow": 15.0}
OUTCOME_CREDIT: dict[str, float] = {"ordered": 1.0, "resolved": 1.0, "open": 0.5, "left": 0.0, "complained": 0.0}


def _round1(value: float) -> float:
    """Round half up to one decimal."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


def outcome_share(customers: list[Mapping[str, Any]]) -> float | None:
    """The mean outcome credit of the customers who wrote at least one message (None: nobody wrote)."""
    arrived = [c for c in customers if any(m["from"] == "customer" for m in c["messages"])]
    if not arrived:
        return None
    return sum(OUTCOME_CREDIT.get(str(c["outcome"]), 0.0) for c in arrived) / len(arrived)


def score_parts(transcript: Mapping[str, Any]) -> dict[str, float]:
    """Each part of the score on 0–100 (see the module docstring)."""
    metrics = transcript["metrics"]
    outcomes = outcome_share(list(transcript["customers"]))
    return {
        "quality": float(metrics.get("quality") or 0.0),
        "reply_rate": 100.0 * float(metrics.get("reply_rate") or 0.0),
        "outcomes": 100.0 * (outcomes or 0.0),
        "flow": 100.0 * float(metrics.get("flow_coverage") or 0.0),
    }


def desk_score(transcript: Mapping[str, Any]) -> float:
    """The weighted mean of the parts, 0–100, rounded half up to 0.1."""
    parts = score_parts(transcript)
    total = sum(WEIGHTS.values())
    return _round1(sum(parts[name] * weight for name, weight in WEIGHTS.items()) / total)
