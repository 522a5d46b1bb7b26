"""Grading an attempt with the database: every answer graded, then section results and the hiring score.

The arithmetic is pure (exam.hiring.sections); this module loads the answers and their question versions,
stores the grading and the results. Human overrides live in ``Answer.overrides`` (reply answers:
``{criterion id: points}``); ``regrade_attempt`` recomputes everything from the stored grading and those
overrides without running the graders again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from exam.hiring.sections import (
    GradedItem,
    build_results,
    effective_score,
    grade_item,
    inputs_from_sections,
    section_result,
    store_results,
)
from exam.integrity import SIGNAL_KINDS
from exam.models import Answer, Attempt, IntegrityEvent, Opening
from exam.questions.base import QuestionBase
from exam.questions.registry import TYPES
from exam.services import papers, webhooks
from exam.services.attempts import answers_of, sections_of
from exam.timeutil import utcnow

log = logging.getLogger("exam.results")


# --- with the database --------------------------------------------------------------------------------


def _profile_content(session: Session, attempt: Attempt) -> dict[str, Any]:
    opening = session.get(Opening, attempt.opening_id)
    if opening is None:
        return {}
    content, _ = papers.opening_profile(session, opening)
    return dict(content)


def _topics(question: QuestionBase | None) -> tuple[str, ...]:
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
            score, maximum, detail = grade_item(
                question, answer.response or {}, section_deadline=deadlines.get(answer.section_id)
            )
            answer.result = detail
            answer.max_score = maximum
            answer.score = effective_score(
                types.get(answer.position) or question.type, score, maximum, detail, answer.overrides
            )
        session.add(answer)
    session.flush()
    graded = _aggregate(session, attempt, answers, questions, now)
    webhooks.emit(session, "attempt.graded", graded)  # the outbox, in this transaction
    return graded


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
        auto = (
            TYPES[item_type].automatic_score(float(answer.max_score or 100), answer.result or {})
            if item_type in TYPES
            else None
        )
        if auto is not None:
            answer.score = effective_score(
                item_type, auto, float(answer.max_score or 100), answer.result or {}, answer.overrides
            )
            session.add(answer)
    session.flush()
    return _aggregate(session, attempt, answers, questions, now)


def _aggregate(
    session: Session,
    attempt: Attempt,
    answers: list[Answer],
    questions: Mapping[int, QuestionBase],
    now: datetime | None,
) -> Attempt:
    types = {e.position: e.item.get("type") for e in papers.iter_items(attempt.paper)}
    items = [
        GradedItem.of_answer(a, types.get(a.position) or "", _topics(questions.get(a.question_version_id)))
        for a in answers
    ]
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


__all__ = [
    "GradedItem",
    "build_results",
    "grade_attempt",
    "grade_item",
    "regrade_attempt",
    "section_result",
    "inputs_from_sections",
    "store_results",
    "try_grade",
    "summary_for_candidate",
    "effective_score",
]
