"""Human review: overriding a reply criterion's points and deciding on candidates, always audited.

``Answer.overrides`` maps rubric criterion ids to the points a reviewer gave (``{"courtesy": 12.0}``);
the grader's :func:`exam.grading.rubric.recompute_score` turns them into the reply's total. After a
change the attempt is regraded at once (``regrade``), so its hiring score, band and rank follow.
Each change writes an :class:`~exam.models.AuditLog` entry on the attempt (``target_type="attempt"``)
with who, when, the state before and after, and the reviewer's comment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, col, select

from exam.db import transactional
from exam.errors import UserError
from exam.hiring.explain import hiring_of
from exam.hiring.score import round1
from exam.models import Answer, Attempt, JobProfileVersion, Opening, User
from exam.security import N_
from exam.services import access, webhooks
from exam.services.accounts import audit
from exam.services.ranking import DECISIONS, ranks_and_percentiles
from exam.services.reports import person
from exam.services.results import regrade_attempt

log = logging.getLogger("exam.hiring")

__all__ = [
    "DECISIONS",
    "ReviewError",
    "bulk_decide",
    "decide",
    "effective_points",
    "override_criterion",
    "profile_of",
    "regrade",
]

MAX_COMMENT = 2000


class ReviewError(UserError):
    """A refused review action; ``message`` is an English msgid."""


def _comment(comment: str | None) -> str:
    text = " ".join((comment or "").split())
    if not text:
        raise ReviewError(N_("Write a comment that says why."))
    if len(text) > MAX_COMMENT:
        raise ReviewError(N_("The comment is too long (at most %(n)s characters)."), n=MAX_COMMENT)
    return text


def profile_of(session: Session, opening: Opening) -> dict[str, Any]:
    """The pinned job profile content of an opening (empty when missing)."""
    row = session.exec(
        select(JobProfileVersion).where(
            JobProfileVersion.profile_id == opening.profile_id, JobProfileVersion.version == opening.profile_version
        )
    ).first()
    return dict(row.content) if row is not None else {}


def effective_points(answer: Answer) -> dict[str, float]:
    """A reply's points per criterion, overrides applied."""
    overrides = answer.overrides or {}
    return {
        c["id"]: float(overrides.get(c["id"], c.get("points") or 0.0))
        for c in (answer.result or {}).get("criteria") or []
    }


def regrade(session: Session, attempt: Attempt) -> None:
    """Recompute the attempt's results and hiring score from its answers (overrides included).

    The exam engine's :func:`~exam.services.results.regrade_attempt` does it, the same way it
    grades a submitted attempt: reply scores follow their overrides, then the sections, inputs and
    hiring score are built again.
    """
    regrade_attempt(session, attempt)
    session.add(attempt)
    session.flush()


def _snapshot(attempt: Attempt) -> dict[str, Any]:
    return {
        "hiring_score": attempt.hiring_score,
        "band": attempt.band,
        "hard_requirements_met": attempt.hard_requirements_met,
    }


@transactional
def override_criterion(
    session: Session, actor: User, answer: Answer, criterion_id: str, points: float | None, comment: str
) -> Attempt:
    """Set (or, with ``points=None``, remove) a reviewer's points for one rubric criterion of a reply.

    Refused without a comment, for a non-reply answer, an unknown criterion or points outside 0..max.
    The answer's score and the attempt's results, hiring score, band and rank follow at once.
    """
    attempt = session.get(Attempt, answer.attempt_id)
    if attempt is None:
        raise ReviewError(N_("The attempt no longer exists."))
    access.require_opening(session, actor, attempt.opening_id, "edit")
    text = _comment(comment)
    criteria = {c["id"]: c for c in (answer.result or {}).get("criteria") or []}
    if not criteria:
        raise ReviewError(N_("Only reply answers have rubric criteria to override."))
    criterion = criteria.get(criterion_id)
    if criterion is None:
        raise ReviewError(N_("This reply has no criterion %(id)s."), id=criterion_id[:64])
    maximum = float(criterion.get("max") or 0.0)
    if points is not None:
        if points != points or not 0 <= points <= maximum:
            raise ReviewError(N_("Points must be between 0 and %(max)s."), max=f"{maximum:g}")
        points = round1(points)
    old_overrides = dict(answer.overrides or {})
    auto = float(criterion.get("points") or 0.0)
    before_points = float(old_overrides.get(criterion_id, auto))
    if points is None and criterion_id not in old_overrides:
        raise ReviewError(N_("This mark is not overridden."))
    before = {
        "answer_id": answer.id,
        "question_id": answer.question_id,
        "criterion": criterion_id,
        "points": before_points,
        "overridden": criterion_id in old_overrides,
        "answer_score": answer.score,
        **_snapshot(attempt),
    }
    new_overrides = dict(old_overrides)
    if points is None:
        new_overrides.pop(criterion_id, None)
    else:
        new_overrides[criterion_id] = points
    answer.overrides = new_overrides  # reassign: JSON columns do not track in-place changes
    session.add(answer)
    session.flush()
    regrade(session, attempt)  # the answer's score follows its overrides there
    after = {
        "answer_id": answer.id,
        "question_id": answer.question_id,
        "criterion": criterion_id,
        "points": points if points is not None else auto,
        "overridden": points is not None,
        "automatic_points": auto,
        "answer_score": answer.score,
        **_snapshot(attempt),
    }
    audit(
        session,
        actor,
        "review.override" if points is not None else "review.override_removed",
        "attempt",
        str(attempt.id),
        before=before,
        after=after,
        comment=text,
    )
    webhooks.emit(session, "attempt.overridden", attempt)  # the outbox, in this transaction
    return attempt


def _check_decision(decision: str) -> str | None:
    decision = (decision or "").strip()
    if decision == "":
        raise ReviewError(N_("Choose a decision (or “Clear the decision”)."))
    if decision == "none":
        return None
    if decision not in DECISIONS:
        raise ReviewError(N_("Unknown decision %(d)s."), d=decision[:32])
    return decision


@transactional
def decide(session: Session, actor: User, attempt: Attempt, decision: str, note: str) -> bool:
    """Record a decision (shortlist, hold, reject, hire; empty clears it) with a required note.

    Returns whether anything changed (the same decision with the same note is a no-op).
    """
    access.require_opening(session, actor, attempt.opening_id, "edit")
    value = _check_decision(decision)
    text = _comment(note)
    if attempt.decision == value and attempt.decision_note == text:
        return False
    before = {"decision": attempt.decision, "note": attempt.decision_note, **_snapshot(attempt)}
    attempt.decision = value
    attempt.decision_note = text
    session.add(attempt)
    audit(
        session,
        actor,
        "review.decision",
        "attempt",
        str(attempt.id),
        before=before,
        after={"decision": value, "note": text, **_snapshot(attempt)},
        comment=text,
    )
    webhooks.emit(session, "attempt.decided", attempt)  # the outbox, in this transaction
    return True


@transactional
def bulk_decide(session: Session, actor: User, attempts: Iterable[Attempt], decision: str, note: str) -> int:
    """The same decision and note for several attempts (each audited); returns how many changed."""
    value = _check_decision(decision)
    _comment(note)
    changed = 0
    for attempt in attempts:
        changed += decide(session, actor, attempt, value or "", note)
    return changed


def attempts_in(session: Session, opening_id: int, ids: Iterable[int]) -> dict[int, Attempt]:
    """The attempts with these ids that belong to the opening, by id."""
    wanted = list(ids)
    rows = session.exec(
        select(Attempt).where(col(Attempt.id).in_(wanted or [-1]), Attempt.opening_id == opening_id)
    ).all()
    return {a.id: a for a in rows}  # type: ignore[misc]


def override(
    session: Session,
    actor: User,
    attempt_id: int,
    answer_id: int,
    criterion_id: str,
    points: float | None,
    comment: str,
) -> Attempt | None:
    """Override one criterion of an answer of this attempt, the answer row locked (None: no such answer)."""
    answer = session.get(Answer, answer_id, with_for_update=True)  # row lock on PostgreSQL (SQLite: BEGIN IMMEDIATE)
    if answer is None or answer.attempt_id != attempt_id:
        return None
    return override_criterion(session, actor, answer, criterion_id, points, comment)


def compare_items(
    session: Session, opening: Opening, ids: list[int], profile: Mapping[str, Any]
) -> list[tuple[Attempt, str, Any, int | None, float | None]] | None:
    """(attempt, name, hiring result, rank, percentile) of each id, in order (None when one is not found)."""
    found = attempts_in(session, opening.id, ids)  # type: ignore[arg-type]
    if len(found) != len(ids):
        return None
    ranks = ranks_and_percentiles(session, opening.id, ids)  # type: ignore[arg-type]
    items = []
    for i in ids:
        attempt = found[i]
        rank, pct = ranks.get(i, (None, None))
        items.append((attempt, person(session, attempt)[0], hiring_of(attempt, profile), rank, pct))
    return items


def answer_of(session: Session, attempt_id: int, answer_id: int) -> Answer | None:
    """An answer of this attempt (None when it is another attempt's or does not exist)."""
    answer = session.get(Answer, answer_id)
    return answer if answer is not None and answer.attempt_id == attempt_id else None
