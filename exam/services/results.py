"""Grading an attempt: answers -> per-item scores -> section results -> hiring inputs -> hiring score.

``Attempt.results`` (read by the HR ranking and report)::

    {"sections": {sid: {"title", "score", "max", "percent", "count", "answered",
                        "topics": {topic: {"score", "max", "percent"}},
                        # typing sections: "net_cpm", "gross_cpm", "accuracy" (means over passages)
                        # reply sections:  "criteria": {cid: {"label", "points", "max", "percent"}}
                        }},
     "inputs": {"typing.net_cpm": 72.0, "knowledge.percent": 80.0, "knowledge.topic.principles": 75.0,
                "communication.percent": 64.3, "communication.criterion.courtesy": 90.0, ...},
     "hiring": compute_hiring(profile, inputs).as_dict()}

Human overrides live in ``Answer.overrides`` as ``{criterion id: points}`` (reply answers);
``regrade_attempt`` recomputes everything from the stored grading results and those overrides
without running the graders again.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from sqlmodel import Session, select

from exam.services import papers
from exam.integrity import SIGNAL_KINDS
from exam.services.attempts import answers_of, is_answered, parse_iso, sections_of
from exam.grading.rubric import recompute_score
from exam.grading.typing import grade_typing, normalise
from exam.hiring.score import compute_hiring, round1
from exam.models import Answer, Attempt, IntegrityEvent, Opening
from exam.questions.base import QuestionBase
from exam.questions.registry import get_type
from exam.timeutil import as_utc, utcnow

log = logging.getLogger("exam.results")

MIN_TYPING_SECONDS = 1.0


# --- pure parts ------------------------------------------------------------------------------


def typing_seconds(question: Any, response: Mapping[str, Any], section_deadline: Optional[datetime]) -> float:
    """The server-side duration a typing answer is scored over.

    The test has a fixed duration (the passage's time limit, cut by the section deadline). A candidate
    who finishes the whole passage earlier is timed up to their last change. Browser figures are ignored.
    """
    limit = float(getattr(question, "time_limit", 0) or 0) or 60.0
    started = parse_iso(response.get("started_at"))
    if started is None:
        return limit
    available = limit
    if section_deadline is not None:
        available = max(MIN_TYPING_SECONDS, min(limit, (as_utc(section_deadline) - started).total_seconds()))
    text = str(response.get("text") or "")
    last = parse_iso(response.get("last_change_at"))
    passage = normalise(getattr(question, "passage", "") or "")
    if last is not None and passage and text:
        result = grade_typing(question.passage, text, available)
        if result.attempted >= len(passage):  # the whole passage was typed
            return max(MIN_TYPING_SECONDS, min(available, (last - started).total_seconds()))
    return available


@dataclass
class GradedItem:
    """One graded answer, as the aggregation sees it."""

    position: int
    section_id: str
    type: str
    topics: tuple[str, ...]
    score: float
    max: float
    detail: Mapping[str, Any] = field(default_factory=dict)
    answered: bool = False

    @classmethod
    def of_answer(cls, answer: Answer, item_type: str, topics: Iterable[str] = ()) -> "GradedItem":
        """A stored answer as the aggregation sees it (its score, max and grading detail as stored)."""
        return cls(position=answer.position, section_id=answer.section_id, type=item_type, topics=tuple(topics),
                   score=float(answer.score or 0.0), max=float(answer.max_score or 0.0), detail=answer.result or {},
                   answered=is_answered(item_type, answer.response))


def grade_item(question: QuestionBase, response: Mapping[str, Any], *, section_deadline: Optional[datetime] = None
               ) -> tuple[float, float, dict[str, Any]]:
    """Run the question type's grader on a stored response: (score, max, detail)."""
    qtype = get_type(question.type)
    response = dict(response or {})
    if question.type == "typing":
        seconds = typing_seconds(question, response, section_deadline)
        response.pop("seconds", None)
        outcome = qtype.grade(question, {"text": response.get("text") or ""}, seconds=seconds)
        detail = dict(outcome.detail)
        detail["started_at"] = response.get("started_at")
        detail["samples"] = list(response.get("samples") or [])
        return outcome.score, outcome.max_score, detail
    clean = {k: v for k, v in response.items() if not k.startswith("_")}
    outcome = qtype.grade(question, clean)
    return outcome.score, outcome.max_score, dict(outcome.detail)


def effective_score(item_type: str, score: float, max_score: float, detail: Mapping[str, Any],
                    overrides: Mapping[str, Any] | None) -> float:
    """An item's score with a reviewer's criterion overrides applied (replies only)."""
    if item_type == "reply" and overrides and detail.get("criteria"):
        clean = {k: float(v) for k, v in overrides.items()}
        total = recompute_score(detail["criteria"], clean, detail.get("caps") or [])
        return round(total * max_score / 100.0, 4)
    return score


def _pct(score: float, maximum: float) -> float:
    return round1(100.0 * score / maximum) if maximum > 0 else 0.0


def section_result(title: str, items: list[GradedItem], overrides: Mapping[int, Mapping[str, Any]] | None = None
                   ) -> dict[str, Any]:
    """The figures of one section from its graded items (any mix of types)."""
    overrides = overrides or {}
    score = sum(i.score for i in items)
    maximum = sum(i.max for i in items)
    topics: dict[str, list[float]] = {}
    for item in items:
        for topic in dict.fromkeys(item.topics):
            acc = topics.setdefault(topic, [0.0, 0.0])
            acc[0] += item.score
            acc[1] += item.max
    out: dict[str, Any] = {
        "title": title, "score": round(score, 4), "max": round(maximum, 4), "percent": _pct(score, maximum),
        "count": len(items), "answered": sum(1 for i in items if i.answered),
        "topics": {t: {"score": round(s, 4), "max": round(m, 4), "percent": _pct(s, m)} for t, (s, m) in sorted(topics.items())},
    }
    typing = [i for i in items if i.type == "typing"]
    if typing:
        n = len(typing)
        out["net_cpm"] = round1(sum(float(i.detail.get("net_cpm") or 0) for i in typing) / n)
        out["gross_cpm"] = round1(sum(float(i.detail.get("gross_cpm") or 0) for i in typing) / n)
        out["accuracy"] = round(sum(float(i.detail.get("accuracy") or 0) for i in typing) / n, 4)
    replies = [i for i in items if i.type == "reply"]
    if replies:
        criteria: dict[str, dict[str, Any]] = {}
        for item in replies:
            item_overrides = overrides.get(item.position) or {}
            for c in item.detail.get("criteria") or []:
                entry = criteria.setdefault(c["id"], {"label": c.get("label") or c["id"], "points": 0.0, "max": 0.0})
                entry["points"] += float(item_overrides.get(c["id"], c.get("points") or 0.0))
                entry["max"] += float(c.get("max") or 0.0)
        for entry in criteria.values():
            entry["points"] = round1(entry["points"])
            entry["percent"] = _pct(entry["points"], entry["max"])
        out["criteria"] = criteria
    return out


def inputs_from_sections(sections: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Every hiring input the sections provide (question_banks/README.md, "Inputs")."""
    inputs: dict[str, float] = {}
    for sid, s in sections.items():
        inputs[f"{sid}.percent"] = float(s["percent"])
        for metric in ("net_cpm", "gross_cpm", "accuracy"):
            if s.get(metric) is not None:
                inputs[f"{sid}.{metric}"] = float(s[metric])
        for topic, t in (s.get("topics") or {}).items():
            inputs[f"{sid}.topic.{topic}"] = float(t["percent"])
        for cid, c in (s.get("criteria") or {}).items():
            inputs[f"{sid}.criterion.{cid}"] = float(c["percent"])
    return inputs


def build_results(paper: Mapping[str, Any], items: Iterable[GradedItem], profile: Mapping[str, Any],
                  overrides: Mapping[int, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Attempt.results from graded items (pure)."""
    by_section: dict[str, list[GradedItem]] = {}
    for item in items:
        by_section.setdefault(item.section_id, []).append(item)
    sections = {s["id"]: section_result(s.get("title") or s["id"], by_section.get(s["id"], []), overrides)
                for s in paper.get("sections") or []}
    inputs = inputs_from_sections(sections)
    hiring = compute_hiring(profile, inputs)
    return {"sections": sections, "inputs": inputs, "hiring": hiring.as_dict()}


def store_results(attempt: Attempt, results: dict[str, Any]) -> None:
    """Set ``Attempt.results`` and the hiring columns taken from it (no database access)."""
    hiring = results["hiring"]
    attempt.results = results  # reassign: JSON columns do not track in-place changes
    attempt.hiring_score = hiring["score"]
    attempt.hard_requirements_met = hiring["hard_requirements_met"]
    attempt.band = hiring["band"]


# --- with the database --------------------------------------------------------------------------------


def _profile_content(session: Session, attempt: Attempt) -> dict[str, Any]:
    opening = session.get(Opening, attempt.opening_id)
    if opening is None:
        return {}
    content, _ = papers.opening_profile(session, opening)
    return dict(content)


def _topics(question: Optional[QuestionBase]) -> tuple[str, ...]:
    return tuple(question.topics) if question is not None else ()


def grade_attempt(session: Session, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Grade every answer with the real engines and store results and the hiring score (status "graded")."""
    answers = answers_of(session, attempt)
    questions = papers.load_versions(session, [a.question_version_id for a in answers])
    deadlines = {s.section_id: s.deadline_at for s in sections_of(session, attempt)}
    types = {e.position: e.item.get("type") for e in papers.iter_items(attempt.paper)}
    for answer in answers:
        question = questions.get(answer.question_version_id)
        if question is None:
            log.error("attempt %s: question version %s is missing", attempt.id, answer.question_version_id)
            answer.score, answer.max_score, answer.result = 0.0, 1.0, {"error": "missing question"}
        else:
            score, maximum, detail = grade_item(question, answer.response or {},
                                                section_deadline=deadlines.get(answer.section_id))
            answer.result = detail
            answer.max_score = maximum
            answer.score = effective_score(types.get(answer.position) or question.type, score, maximum, detail,
                                           answer.overrides)
        session.add(answer)
    session.flush()
    return _aggregate(session, attempt, answers, questions, now)


def regrade_attempt(session: Session, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Recompute results and the hiring score from the stored grading and reviewers' overrides.

    Graders are not run again (use grade_attempt for that); answers not graded yet are graded.
    """
    answers = answers_of(session, attempt)
    if any(a.score is None for a in answers) or attempt.graded_at is None:
        return grade_attempt(session, attempt, now)
    questions = papers.load_versions(session, [a.question_version_id for a in answers])
    types = {e.position: e.item.get("type") for e in papers.iter_items(attempt.paper)}
    for answer in answers:
        item_type = types.get(answer.position) or ""
        if item_type == "reply":
            auto = float((answer.result or {}).get("score") or 0.0) * float(answer.max_score or 100) / 100.0
            answer.score = effective_score(item_type, auto, float(answer.max_score or 100), answer.result or {},
                                           answer.overrides)
            session.add(answer)
    session.flush()
    return _aggregate(session, attempt, answers, questions, now)


def _aggregate(session: Session, attempt: Attempt, answers: list[Answer], questions: Mapping[int, QuestionBase],
               now: datetime | None) -> Attempt:
    types = {e.position: e.item.get("type") for e in papers.iter_items(attempt.paper)}
    items = [GradedItem.of_answer(a, types.get(a.position) or "", _topics(questions.get(a.question_version_id)))
             for a in answers]
    overrides = {a.position: dict(a.overrides) for a in answers if a.overrides}
    store_results(attempt, build_results(attempt.paper, items, _profile_content(session, attempt), overrides))
    attempt.signal_count = count_signals(session, attempt)
    attempt.graded_at = now or utcnow()
    attempt.status = "graded"
    session.add(attempt)
    session.flush()
    return attempt


def count_signals(session: Session, attempt: Attempt) -> int:
    """Integrity events of signal kinds recorded for the attempt."""
    kinds = session.exec(select(IntegrityEvent.kind).where(IntegrityEvent.attempt_id == attempt.id)).all()
    return sum(1 for k in kinds if k in SIGNAL_KINDS)


def try_grade(session: Session, attempt: Attempt) -> bool:
    """Grade a submitted attempt inside a savepoint; on failure leave it "submitted" for the sweep."""
    try:
        with session.begin_nested():
            grade_attempt(session, attempt)
        return True
    except Exception:  # noqa: BLE001 - grading must not lose the submission
        log.exception("grading attempt %s failed; the sweep will retry", attempt.id)
        session.refresh(attempt)
        return False


def summary_for_candidate(attempt: Attempt) -> list[dict[str, Any]]:
    """What a candidate may see of their result (when the opening allows it): per-section figures only."""
    rows = []
    sections = (attempt.results or {}).get("sections") or {}
    for section in attempt.paper.get("sections") or []:
        s = sections.get(section["id"])
        if not s:
            continue
        row = {"title": s.get("title") or section.get("title"), "percent": s.get("percent")}
        for key in ("net_cpm", "accuracy"):
            if s.get(key) is not None:
                row[key] = s[key]
        rows.append(row)
    return rows


__all__ = ["GradedItem", "build_results", "grade_attempt", "grade_item", "regrade_attempt", "section_result",
           "inputs_from_sections", "store_results", "typing_seconds", "try_grade", "summary_for_candidate",
           "effective_score"]

