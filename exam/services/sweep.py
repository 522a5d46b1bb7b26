"""The background sweep: close attempts whose deadline passed (abandoned) and grade them with what was saved.

Safe to run in several processes at once: each attempt is re-read with a row lock and its status
checked before anything changes.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, or_, select

from exam.db import session_scope
from exam.models import Attempt
from exam.services import attempts, results
from exam.timeutil import utcnow

log = logging.getLogger("exam.sweep")

BATCH = 200


def due_attempts(session: Session, settings, now: datetime) -> list[int]:  # type: ignore[no-untyped-def]
    """Ids of attempts past their deadline (plus grace) still in progress, and submitted ones not graded."""
    cutoff = now - attempts.grace(settings)
    stmt = (
        select(Attempt.id)
        .where(or_(Attempt.status == "submitted", (Attempt.status == "in_progress") & (Attempt.deadline_at < cutoff)))  # type: ignore[operator]
        .order_by(Attempt.deadline_at)
        .limit(BATCH)
    )
    return list(session.exec(stmt).all())  # type: ignore[arg-type]


def sweep(engine: Engine, settings, now: datetime | None = None) -> int:  # type: ignore[no-untyped-def]
    """Close and grade every due attempt; returns how many were graded."""
    now = now or utcnow()
    with Session(engine) as session:
        ids = due_attempts(session, settings, now)
    done = 0
    for attempt_id in ids:
        try:
            with session_scope(engine) as session:
                attempt = attempts.lock_attempt(session, attempt_id)
                if attempt is None or attempt.status == "graded":
                    continue
                if attempt.status == "in_progress":
                    if not attempts.sync(session, attempt, settings, now):
                        continue
                results.grade_attempt(session, attempt)
                done += 1
        except Exception:  # noqa: BLE001 - one broken attempt must not stop the others
            log.exception("sweep: attempt %s could not be closed or graded", attempt_id)
    if done:
        log.info("sweep: closed and graded %d attempt(s)", done)
    return done
