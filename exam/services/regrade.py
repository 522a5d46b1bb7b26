"""Applying a rubric edit to past replies: save the new version, regrade, keep the old scores, show whose rank moved.

A trainer applies an edited reply question (after a dry run). The edit is saved as a new version; then
every reply to the question in a finished attempt whose task the candidate saw unchanged (facts,
messages, stage, customer type, length limit) is graded again with the new rubric and moved to the new
version (the answer and the paper item), and its attempt's results and hiring score are recomputed.
Reviewers' overrides stay for criteria the new rubric still has. Each regraded attempt gets an audit
entry with the old and new reply score, version, hiring score, band and rank; each attempt whose hiring
score or rank changed gets a :class:`~exam.models.RankChange` that HR sees on the opening's ranking.
Replies to versions whose task text differs are left as they were (counted as skipped).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from exam.db import transactional
from exam.hiring.sections import effective_score, grade_item
from exam.models import Answer, Attempt, AuditLog, Opening, Question, QuestionVersion, RankChange, RubricRegrade, User
from exam.security import N_
from exam.services import workspace
from exam.services.accounts import audit
from exam.services.bank_store import store_question
from exam.services.blind import BlindError, candidate_view
from exam.services.papers import load_versions
from exam.services.ranking import load_rows, ranks_and_percentiles
from exam.services.results import regrade_attempt

__all__ = ["RegradeReport", "apply_edit", "rank_changes"]


@dataclass
class RegradeReport:
    """What applying an edit did."""

    outcome: str  # "updated" | "unchanged"
    version: int
    regrade: RubricRegrade | None = None
    changes: list[RankChange] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)


def _ranks(session: Session, opening_ids: set[int]) -> dict[int, tuple[int, float | None]]:
    ranks: dict[int, tuple[int, float | None]] = {}
    for opening_id in opening_ids:
        ranks.update(ranks_and_percentiles(session, opening_id))
    return ranks


def _move_paper_item(attempt: Attempt, answer: Answer, version_id: int) -> None:
    """Point the attempt's paper item of this answer at the new version (the paper is reassigned)."""
    paper = copy.deepcopy(attempt.paper)
    position = 0
    for section in paper.get("sections") or []:
        for item in section.get("items") or []:
            if position == answer.position and item.get("question_id") == answer.question_id:
                item["version_id"] = version_id
            position += 1
    attempt.paper = paper


@transactional
def apply_edit(
    session: Session, actor: User, question_id: str, yaml_text: str, base_version: int, note: str = ""
) -> RegradeReport:
    """Save an edited reply question and regrade past replies with it (BlindError when refused)."""
    row = session.get(Question, question_id)
    if row is None or row.type != "reply":
        raise BlindError(N_("Only reply questions have a rubric to calibrate."))
    if base_version != row.current_version:
        raise BlindError(
            N_("Someone saved version %(v)s while you were editing version %(b)s; reload and try again."),
            v=row.current_version,
            b=base_version,
        )
    parsed = workspace.parse_question_text(yaml_text, session, editing=question_id)
    if not parsed.ok:
        return RegradeReport("invalid", row.current_version, problems=parsed.problems)
    model = parsed.model
    from_version = row.current_version
    outcome, version = store_question(session, model, actor.id, (note.strip() or "rubric calibration")[:500])
    if outcome == "unchanged":
        return RegradeReport("unchanged", version.version)
    session.flush()
    answers = session.exec(
        select(Answer)
        .join(Attempt, col(Attempt.id) == col(Answer.attempt_id))
        .where(col(Answer.question_id) == question_id, col(Attempt.status) == "graded")
        .order_by(col(Answer.attempt_id))
    ).all()
    old_models = load_versions(session, list({a.question_version_id for a in answers}))
    numbers = dict(
        session.exec(
            select(QuestionVersion.id, QuestionVersion.version).where(
                col(QuestionVersion.id).in_(set(old_models) or {-1})
            )
        ).all()
    )
    task = candidate_view(model)
    todo = [
        a
        for a in answers
        if a.question_version_id in old_models and candidate_view(old_models[a.question_version_id]) == task
    ]
    skipped = len(answers) - len(todo)
    attempts = {
        a.id: a
        for a in session.exec(select(Attempt).where(col(Attempt.id).in_({a.attempt_id for a in todo} or {-1}))).all()
    }
    openings = {a.opening_id for a in attempts.values()}
    ranks_before = _ranks(session, openings)
    before = {a.id: (a.hiring_score, a.band) for a in attempts.values()}
    regrade = RubricRegrade(
        question_id=question_id,
        from_version=from_version,
        to_version=version.version,
        actor_id=actor.id,
        answers=len(todo),
        attempts=len(attempts),
        skipped=skipped,
    )
    session.add(regrade)
    session.flush()
    criteria = {c.id for c in model.rubric.criteria}  # type: ignore[attr-defined]
    answer_before: dict[int, dict[str, Any]] = {}
    for answer in todo:
        old: dict[str, Any] = {
            "answer": answer.id,
            "version": numbers.get(answer.question_version_id),
            "score": answer.score,
        }
        old["reply_score"] = (answer.result or {}).get("score")
        kept = {k: v for k, v in (answer.overrides or {}).items() if k in criteria}
        if kept != (answer.overrides or {}):
            old["dropped_overrides"] = sorted(set(answer.overrides or {}) - set(kept))
        score, maximum, detail = grade_item(model, answer.response or {})
        answer.result, answer.max_score, answer.overrides = detail, maximum, kept
        answer.score = effective_score("reply", score, maximum, detail, kept)
        answer.question_version_id = version.id  # type: ignore[assignment]
        session.add(answer)
        attempt = attempts[answer.attempt_id]
        _move_paper_item(attempt, answer, version.id)  # type: ignore[arg-type]
        answer_before.setdefault(attempt.id, old)  # type: ignore[arg-type]
    session.flush()
    for attempt in attempts.values():
        regrade_attempt(session, attempt)
    session.flush()
    ranks_after = _ranks(session, openings)
    changes: list[RankChange] = []
    for attempt in attempts.values():
        old_score, old_band = before[attempt.id]  # type: ignore[index]
        old_rank = ranks_before.get(attempt.id, (None, None))[0]  # type: ignore[arg-type]
        new_rank = ranks_after.get(attempt.id, (None, None))[0]  # type: ignore[arg-type]
        answer = next(a for a in todo if a.attempt_id == attempt.id)
        audit(
            session,
            actor,
            "attempt.rubric_regrade",
            "attempt",
            str(attempt.id),
            before={**answer_before[attempt.id], "hiring_score": old_score, "band": old_band, "rank": old_rank},  # type: ignore[index]
            after={
                "answer": answer.id,
                "version": version.version,
                "score": answer.score,
                "reply_score": (answer.result or {}).get("score"),
                "hiring_score": attempt.hiring_score,
                "band": attempt.band,
                "rank": new_rank,
            },
            comment=f"{question_id} v{from_version} → v{version.version}",
        )
        if old_score != attempt.hiring_score or old_rank != new_rank:
            change = RankChange(
                regrade_id=regrade.id,  # type: ignore[arg-type]
                attempt_id=attempt.id,  # type: ignore[arg-type]
                opening_id=attempt.opening_id,
                old_score=old_score,
                new_score=attempt.hiring_score,
                old_rank=old_rank,
                new_rank=new_rank,
            )
            session.add(change)
            changes.append(change)
    session.flush()
    return RegradeReport("updated", version.version, regrade, changes)


def rank_changes(session: Session, opening: Opening, limit: int = 5) -> list[dict[str, Any]]:
    """The latest rubric regrades that moved candidates of this opening, each with who moved (for HR)."""
    ids = session.exec(
        select(RankChange.regrade_id)
        .where(RankChange.opening_id == opening.id)
        .distinct()
        .order_by(col(RankChange.regrade_id).desc())
        .limit(limit)
    ).all()
    out = []
    for regrade_id in ids:
        regrade = session.get(RubricRegrade, regrade_id)
        if regrade is None:
            continue
        changes = session.exec(
            select(RankChange).where(RankChange.regrade_id == regrade_id, RankChange.opening_id == opening.id)
        ).all()
        names = {a.id: name for a, name, *_contact in load_rows(session, [c.attempt_id for c in changes])}
        actor = session.get(User, regrade.actor_id) if regrade.actor_id else None
        question = session.get(Question, regrade.question_id)
        rows = sorted(changes, key=lambda c: (c.new_rank or 10**9, c.attempt_id))
        out.append(
            {
                "regrade": regrade,
                "question": question,
                "actor": (actor.display_name or actor.username) if actor else "",
                "rows": [{"change": c, "name": names.get(c.attempt_id, "")} for c in rows if c.attempt_id in names],
                "moved": sum(1 for c in rows if c.old_rank != c.new_rank),
            }
        )
    return out


def audit_entries(session: Session, attempt_id: int) -> list[AuditLog]:
    """The rubric regrades recorded on an attempt (newest first)."""
    return list(
        session.exec(
            select(AuditLog)
            .where(AuditLog.target_type == "attempt", AuditLog.target_id == str(attempt_id))
            .where(AuditLog.action == "attempt.rubric_regrade")
            .order_by(col(AuditLog.id).desc())
        ).all()
    )


def summary(session: Session, regrade_id: int) -> dict[str, Any] | None:
    """A regrade in numbers per opening, without names (the trainers' view)."""
    regrade = session.get(RubricRegrade, regrade_id)
    if regrade is None:
        return None
    changes = session.exec(select(RankChange).where(RankChange.regrade_id == regrade_id)).all()
    by_opening: dict[int, list[RankChange]] = {}
    for change in changes:
        by_opening.setdefault(change.opening_id, []).append(change)
    openings = []
    for opening_id, rows in sorted(by_opening.items()):
        opening = session.get(Opening, opening_id)
        deltas = [(c.new_score or 0.0) - (c.old_score or 0.0) for c in rows]
        openings.append(
            {
                "opening": opening,
                "changed": len(rows),
                "moved": sum(1 for c in rows if c.old_rank != c.new_rank),
                "up": sum(1 for c in rows if c.old_rank and c.new_rank and c.new_rank < c.old_rank),
                "down": sum(1 for c in rows if c.old_rank and c.new_rank and c.new_rank > c.old_rank),
                "largest": max(deltas, key=abs) if deltas else 0.0,
            }
        )
    actor = session.get(User, regrade.actor_id) if regrade.actor_id else None
    return {"regrade": regrade, "openings": openings, "actor": (actor.display_name or actor.username) if actor else ""}
