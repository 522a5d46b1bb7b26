"""Applying a rubric edit to past replies: save the new version, regrade, keep the old scores, show whose rank moved.

A trainer applies an edited reply question (after a dry run). The edit is saved as a new version; then
every reply to the question in a finished attempt whose task the candidate saw unchanged (facts,
messages, stage, customer type, length limit) is graded again with the new rubric and moved to the new
version (the answer and the paper item), and its attempt's results and hiring score are recomputed.
Reviewers' overrides stay for criteria the new rubric still has. Each regraded attempt gets an audit
entry with the old and new reply score, version, hiring score, band and rank; each attempt whose hiring
score or rank changed gets a :class:`~exam.models.RankChange` that HR sees on the opening's ranking.
Replies to versions whose task text differs are left as they were (counted as skipped).

From the web, :func:`queue_edit` saves the version and queues the regrade; the background job
:func:`run_due` claims queued regrades one at a time, in order (compare-and-set with a lease, so several
processes can run it), grades outside the write transaction with progress, and writes in one short batch
(:mod:`exam.services.regrade_batch`). :func:`apply_edit` does the same at once in the caller's session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from exam.db import CommitSignal, session_scope, transactional
from exam.models import AuditLog, Opening, Question, RankChange, RubricRegrade, User
from exam.security import N_
from exam.services import regrade_batch, workspace
from exam.services.bank_store import store_question
from exam.services.blind import BlindError
from exam.services.ranking import load_rows
from exam.settings import Settings
from exam.timeutil import as_utc, utcnow

__all__ = ["RegradeReport", "apply_edit", "on_queued", "queue_edit", "rank_changes", "run_due"]

log = logging.getLogger("exam.regrade")

LEASE = timedelta(minutes=5)  # a worker holds a running regrade this long past its last progress report
UNFINISHED = ("queued", "running")
QUEUED = CommitSignal("regrade_queued")  # wakes this process's job after the commit


@dataclass
class RegradeReport:
    """What applying an edit did."""

    outcome: str  # "updated" | "queued" | "unchanged" | "invalid"
    version: int
    regrade: RubricRegrade | None = None
    changes: list[RankChange] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)


def _save_version(
    session: Session, actor: User, question_id: str, yaml_text: str, base_version: int, note: str, status: str
) -> RegradeReport:
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
    from_version = row.current_version
    outcome, version = store_question(session, parsed.model, actor.id, (note.strip() or "rubric calibration")[:500])
    if outcome == "unchanged":
        return RegradeReport("unchanged", version.version)
    regrade = RubricRegrade(
        question_id=question_id, from_version=from_version, to_version=version.version, actor_id=actor.id, status=status
    )
    session.add(regrade)
    session.flush()
    return RegradeReport(status, version.version, regrade)


@transactional
def queue_edit(
    session: Session, actor: User, question_id: str, yaml_text: str, base_version: int, note: str = ""
) -> RegradeReport:
    """Save an edited reply question and queue the regrade of past replies for the background job."""
    report = _save_version(session, actor, question_id, yaml_text, base_version, note, "queued")
    if report.outcome == "queued":
        QUEUED.raise_on(session)
    return report


@transactional
def apply_edit(
    session: Session, actor: User, question_id: str, yaml_text: str, base_version: int, note: str = ""
) -> RegradeReport:
    """Save an edited reply question and regrade past replies with it now, in this session (BlindError when refused)."""
    report = _save_version(session, actor, question_id, yaml_text, base_version, note, "running")
    if report.outcome != "running":
        return report
    regrade = report.regrade
    with regrade_batch.paused_gc():
        plan = regrade_batch.plan(session, regrade)  # type: ignore[arg-type]
        graded = regrade_batch.grade(lambda ids: regrade_batch.responses(session, ids), plan, lambda done: None)
        regrade_batch.store(session, plan, graded, regrade_batch.compute(session, plan, graded), actor.id)
    session.expire_all()  # the batch wrote with executemany: reload what the caller holds
    changes = list(session.exec(select(RankChange).where(RankChange.regrade_id == regrade.id)).all())  # type: ignore[union-attr]
    return RegradeReport("updated", report.version, regrade, changes)


# --- the background job ----------------------------------------------------------------------------


def on_queued(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` after each commit that queued a regrade; returns its remover."""
    return QUEUED.subscribe(callback)


def _claim(engine: Engine, now: datetime) -> int | None:
    """Take the oldest unfinished regrade (regrades run in order), unless another worker holds it."""
    with session_scope(engine) as session:
        row = session.exec(
            select(RubricRegrade.id, RubricRegrade.status, RubricRegrade.lease_until)
            .where(col(RubricRegrade.status).in_(UNFINISHED))
            .order_by(col(RubricRegrade.id))
            .limit(1)
        ).first()
        if row is None or (row[1] == "running" and row[2] is not None and as_utc(row[2]) > now):
            return None
        taken = session.execute(
            update(RubricRegrade)
            .where(
                col(RubricRegrade.id) == row[0],
                col(RubricRegrade.status).in_(UNFINISHED),
                or_(col(RubricRegrade.lease_until).is_(None), col(RubricRegrade.lease_until) < now),
            )
            .values(status="running", lease_until=now + LEASE)
        )
        return row[0] if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def _progress(engine: Engine, regrade_id: int, **values: Any) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(RubricRegrade)
            .where(col(RubricRegrade.id) == regrade_id, col(RubricRegrade.status) == "running")
            .values(lease_until=utcnow() + LEASE, **values)
        )


def _run(engine: Engine, regrade_id: int) -> None:
    """Plan, grade and compute on read snapshots (progress committed per chunk), then write in one transaction."""
    with session_scope(engine, write=False) as session:
        regrade = session.get(RubricRegrade, regrade_id)
        plan = regrade_batch.plan(session, regrade)  # type: ignore[arg-type]
        actor_id = regrade.actor_id  # type: ignore[union-attr]
    _progress(engine, regrade_id, answers=len(plan.todo), skipped=plan.skipped, done=0)

    def read(ids: Any) -> list[tuple[int, Any]]:
        with session_scope(engine, write=False) as session:
            return regrade_batch.responses(session, ids)

    started = time.perf_counter()
    graded = regrade_batch.grade(read, plan, lambda done: _progress(engine, regrade_id, done=done))
    with session_scope(engine, write=False) as session:
        batch = regrade_batch.compute(session, plan, graded)
    computed = time.perf_counter()
    with session_scope(engine) as session:
        still_mine = session.execute(
            update(RubricRegrade)
            .where(col(RubricRegrade.id) == regrade_id, col(RubricRegrade.status) == "running")
            .values(lease_until=utcnow() + LEASE)
        )
        if still_mine.rowcount != 1:  # type: ignore[attr-defined]
            return  # another worker finished it meanwhile
        regrade_batch.store(session, plan, graded, batch, actor_id)
    log.info(
        "regrade %s: %s replies graded and results computed in %.2f s, written in %.2f s (one write transaction)",
        regrade_id,
        len(graded),
        computed - started,
        time.perf_counter() - computed,
    )


def run_due(engine: Engine, settings: Settings | None = None) -> int:
    """Run the queued regrades, oldest first (the background job); returns how many were finished."""
    finished = 0
    while (regrade_id := _claim(engine, utcnow())) is not None:
        try:
            with regrade_batch.paused_gc():
                _run(engine, regrade_id)
            finished += 1
        except Exception as exc:  # noqa: BLE001 - record the failure, keep the queue moving
            log.exception("regrade %s failed", regrade_id)
            with session_scope(engine) as session:
                session.execute(
                    update(RubricRegrade)
                    .where(col(RubricRegrade.id) == regrade_id)
                    .values(status="failed", lease_until=None, finished_at=utcnow(), error=repr(exc)[:2000])
                )
    return finished


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
    regrade = session.get(RubricRegrade, regrade_id, populate_existing=True)  # fresh: the job moves it on
    if regrade is None:
        return None
    if regrade.status != "done":
        actor = session.get(User, regrade.actor_id) if regrade.actor_id else None
        return {"regrade": regrade, "openings": [], "actor": (actor.display_name or actor.username) if actor else ""}
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
