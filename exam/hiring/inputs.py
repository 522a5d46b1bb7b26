"""Section figures and hiring inputs from graded answers (pure).

The exam engine (exam/exam_engine/results.py) owns ``Attempt.results``; these helpers compute
the same figures for the parts a human review can change (reply sections after an override),
and for sample data. Formats follow ``Attempt.results``::

    {"sections": {sid: {"score", "max", "percent", ...}}, "inputs": {"<sid>.percent": ..., ...}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from exam.grading.rubric import recompute_score
from exam.hiring.score import round1

__all__ = ["GradedAnswer", "choice_section", "effective_reply_score", "inputs_of", "reply_section", "typing_section"]


@dataclass(frozen=True)
class GradedAnswer:
    """What the aggregation needs of one answer."""

    score: float
    max_score: float
    result: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    topics: tuple[str, ...] = ()


def _pct(score: float, maximum: float) -> float:
    return round1(100.0 * score / maximum) if maximum > 0 else 0.0


def effective_reply_score(result: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> float:
    """A reply's 0–100 score with human overrides of criterion points applied (the grader's rules)."""
    criteria = list(result.get("criteria") or [])
    if not criteria:
        return float(result.get("score") or 0.0)
    clean = {k: float(v) for k, v in (overrides or {}).items()}
    return recompute_score(criteria, clean, result.get("caps") or [])


def reply_section(answers: Iterable[GradedAnswer]) -> dict[str, Any]:
    """A reply section: points over max, and per rubric criterion across replies (overrides applied)."""
    score = maximum = 0.0
    crit: dict[str, dict[str, Any]] = {}
    for a in answers:
        score += a.score
        maximum += a.max_score
        for c in a.result.get("criteria") or []:
            entry = crit.setdefault(c["id"], {"label": c.get("label") or c["id"], "points": 0.0, "max": 0.0})
            points = a.overrides.get(c["id"], c.get("points") or 0.0)
            entry["points"] += float(points)
            entry["max"] += float(c.get("max") or 0.0)
    for entry in crit.values():
        entry["points"] = round1(entry["points"])
        entry["percent"] = _pct(entry["points"], entry["max"])
    return {"score": round1(score), "max": round1(maximum), "percent": _pct(score, maximum), "criteria": crit}


def choice_section(answers: Iterable[GradedAnswer]) -> dict[str, Any]:
    """A knowledge section: points over max, and per topic (a question counts for each of its topics)."""
    score = maximum = 0.0
    topics: dict[str, dict[str, float]] = {}
    for a in answers:
        score += a.score
        maximum += a.max_score
        for topic in a.topics:
            entry = topics.setdefault(topic, {"score": 0.0, "max": 0.0})
            entry["score"] += a.score
            entry["max"] += a.max_score
    out_topics = {t: {"score": round(v["score"], 2), "max": round(v["max"], 2), "percent": _pct(v["score"], v["max"])}
                  for t, v in topics.items()}
    return {"score": round(score, 2), "max": round(maximum, 2), "percent": _pct(score, maximum), "topics": out_topics}


def typing_section(answers: Iterable[GradedAnswer]) -> dict[str, Any]:
    """A typing section: mean net/gross speed and accuracy over its passages."""
    items = list(answers)
    n = len(items) or 1
    net = sum(float(a.result.get("net_cpm") or 0.0) for a in items) / n
    gross = sum(float(a.result.get("gross_cpm") or 0.0) for a in items) / n
    accuracy = sum(float(a.result.get("accuracy") or 0.0) for a in items) / n
    score = sum(a.score for a in items)
    maximum = sum(a.max_score for a in items)
    return {"score": round(score, 4), "max": maximum, "percent": _pct(score, maximum), "net_cpm": round1(net),
            "gross_cpm": round1(gross), "accuracy": round(accuracy, 4)}


def inputs_of(sections: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Every hiring input the sections provide (see question_banks/README.md, "Inputs")."""
    inputs: dict[str, float] = {}
    for sid, s in sections.items():
        if s.get("percent") is not None:
            inputs[f"{sid}.percent"] = float(s["percent"])
        for metric in ("net_cpm", "gross_cpm", "accuracy"):
            if s.get(metric) is not None:
                inputs[f"{sid}.{metric}"] = float(s[metric])
        for topic, t in (s.get("topics") or {}).items():
            inputs[f"{sid}.topic.{topic}"] = float(t["percent"])
        for cid, c in (s.get("criteria") or {}).items():
            inputs[f"{sid}.criterion.{cid}"] = float(c["percent"])
    return inputs
