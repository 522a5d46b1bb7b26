"""Candidates' data rights: export one candidate's data, delete a candidate, purge after the retention period.

- :func:`export_candidate` gathers everything the platform holds on one candidate (account,
  invitations, attempts with papers, answers, results and integrity events, decisions, and the
  audit entries about them) as JSON-ready data.
- :func:`delete_candidate` deletes it (the account, invitations and attempts with their answers,
  section clocks and integrity events) and writes an audit entry that keeps no personal data.
- :func:`purge_expired` applies each opening's ``retention_days``, counted from the day the opening
  closes: afterwards its candidates' invitations and attempts are deleted, and candidate accounts
  left with nothing are deleted too. It runs as a background job and as ``exam purge``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from exam.db import transactional, writer
from exam.errors import UserError
from exam.models import (
    Answer,
    Attempt,
    AttemptSection,
    AuditLog,
    BlindScore,
    ExportChunk,
    ExportJob,
    HireOutcome,
    IntegrityEvent,
    Invitation,
    Opening,
    RankChange,
    Role,
    User,
    UserSession,
)
from exam.security import N_
from exam.services import access
from exam.services.accounts import audit
from exam.timeutil import as_utc, utcnow

log = logging.getLogger("exam.hiring")

__all__ = [
    "DataRightsError",
    "PurgeReport",
    "delete_candidate",
    "export_candidate",
    "purge_expired",
    "retention_deadline",
]

EXPORT_FORMAT = "exam-candidate-data/1"


class DataRightsError(UserError):
    """A refused data-rights action; ``message`` is an English msgid."""


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _row(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A table row as JSON-ready data (datetimes as ISO 8601 UTC)."""
    out: dict[str, Any] = {}
    for name in obj.__class__.model_fields:
        if name in skip:
            continue
        value = getattr(obj, name)
        if isinstance(value, datetime):
            value = _iso(value)
        elif hasattr(value, "value"):
            value = value.value
        out[name] = value
    return out


def _candidate(session: Session, candidate_id: int) -> User:
    user = session.get(User, candidate_id)
    if user is None:
        raise DataRightsError(N_("This candidate no longer exists."))
    if user.role != Role.candidate and user.role != "candidate":
        raise DataRightsError(N_("Only candidates' data can be exported or deleted here."))
    return user


def _openings_of(session: Session, candidate_id: int) -> set[int]:
    """The openings a candidate has an attempt or an invitation in."""
    ids = set(session.exec(select(col(Attempt.opening_id)).where(Attempt.candidate_id == candidate_id)).all())
    ids |= set(session.exec(select(col(Invitation.opening_id)).where(Invitation.candidate_id == candidate_id)).all())
    return ids


def _require(session: Session, actor: User | None, candidate_id: int, action: access.Action) -> None:
    """NoAccess unless ``actor`` may do ``action`` to every opening the candidate is in (None: the system)."""
    if actor is None:
        return
    for opening_id in sorted(_openings_of(session, candidate_id)):
        access.require_opening(session, actor, opening_id, action)


def export_candidate(
    session: Session, candidate_id: int, *, actor: User | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Everything held on one candidate, as JSON-ready data (``actor`` must see every opening they are in)."""
    user = _candidate(session, candidate_id)
    _require(session, actor, candidate_id, "view")
    attempts = session.exec(select(Attempt).where(Attempt.candidate_id == candidate_id).order_by(col(Attempt.id))).all()
    attempt_ids = [a.id for a in attempts]
    invitations = session.exec(
        select(Invitation)
        .where(
            or_(
                col(Invitation.candidate_id) == candidate_id,
                col(Invitation.id).in_([a.invitation_id for a in attempts if a.invitation_id] or [-1]),
            )
        )
        .order_by(col(Invitation.id))
    ).all()
    answers = session.exec(
        select(Answer)
        .where(col(Answer.attempt_id).in_(attempt_ids or [-1]))
        .order_by(col(Answer.attempt_id), col(Answer.position))
    ).all()
    sections = session.exec(
        select(AttemptSection)
        .where(col(AttemptSection.attempt_id).in_(attempt_ids or [-1]))
        .order_by(col(AttemptSection.attempt_id), col(AttemptSection.position))
    ).all()
    events = session.exec(
        select(IntegrityEvent)
        .where(col(IntegrityEvent.attempt_id).in_(attempt_ids or [-1]))
        .order_by(col(IntegrityEvent.attempt_id), col(IntegrityEvent.at))
    ).all()
    audits = session.exec(
        select(AuditLog)
        .where(
            or_(
                (col(AuditLog.target_type) == "attempt")
                & col(AuditLog.target_id).in_([str(i) for i in attempt_ids] or ["-"]),
                (col(AuditLog.target_type) == "user") & (col(AuditLog.target_id) == str(candidate_id)),
                (col(AuditLog.target_type) == "invitation")
                & col(AuditLog.target_id).in_([str(i.id) for i in invitations] or ["-"]),
            )
        )
        .order_by(col(AuditLog.id))
    ).all()
    outcomes = {
        o.attempt_id: o
        for o in session.exec(select(HireOutcome).where(col(HireOutcome.attempt_id).in_(attempt_ids or [-1]))).all()
    }
    blind = session.exec(select(BlindScore).where(col(BlindScore.answer_id).in_([x.id for x in answers] or [-1]))).all()
    openings = {
        o.id: o
        for o in session.exec(
            select(Opening).where(
                col(Opening.id).in_({a.opening_id for a in attempts} | {i.opening_id for i in invitations} or {-1})
            )
        ).all()
    }
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(now or utcnow()),
        "candidate": _row(user, skip=("password_hash",)),
        "invitations": [
            _row(i, skip=("token_hash",))
            | {"opening_title": openings[i.opening_id].title if i.opening_id in openings else None}
            for i in invitations
        ],
        "attempts": [
            _row(a)
            | {
                "opening_title": openings[a.opening_id].title if a.opening_id in openings else None,
                "sections": [_row(s) for s in sections if s.attempt_id == a.id],
                "answers": [
                    _row(x) | {"blind_scores": [b.score for b in blind if b.answer_id == x.id]}
                    for x in answers
                    if x.attempt_id == a.id
                ],
                "outcome": _row(outcomes[a.id], skip=("recorded_by_id",)) if a.id in outcomes else None,
                "integrity_events": [_row(e) for e in events if e.attempt_id == a.id],
            }
            for a in attempts
        ],
        "audit": [_row(e) for e in audits],
    }


def _delete_attempts(session: Session, attempt_ids: list[int]) -> None:
    """Delete attempts with their answers, section clocks and integrity events (explicitly, on any engine)."""
    if not attempt_ids:
        return
    # the openings' ranking exports may name these candidates: their files go too (HR can export again)
    openings = select(col(Attempt.opening_id)).where(col(Attempt.id).in_(attempt_ids)).distinct()
    jobs = select(col(ExportJob.id)).where(col(ExportJob.opening_id).in_(openings))
    session.exec(sa_delete(ExportChunk).where(col(ExportChunk.job_id).in_(jobs)))  # type: ignore[call-overload]
    session.exec(sa_delete(ExportJob).where(col(ExportJob.opening_id).in_(openings)))  # type: ignore[call-overload]
    answer_ids = select(Answer.id).where(col(Answer.attempt_id).in_(attempt_ids))
    session.exec(sa_delete(BlindScore).where(col(BlindScore.answer_id).in_(answer_ids)))  # type: ignore[call-overload]
    for table in (HireOutcome, RankChange, Answer, AttemptSection, IntegrityEvent):
        session.exec(sa_delete(table).where(col(table.attempt_id).in_(attempt_ids)))  # type: ignore[call-overload,attr-defined]
    session.exec(sa_delete(Attempt).where(col(Attempt.id).in_(attempt_ids)))  # type: ignore[call-overload]


@transactional
def delete_candidate(session: Session, actor: User | None, candidate_id: int, comment: str) -> dict[str, Any]:
    """Delete a candidate and everything about them; the audit entry keeps only ids and counts.

    ``actor`` must own every opening the candidate is in (None: the system, e.g. the retention purge).
    """
    text = " ".join((comment or "").split())
    if not text:
        raise DataRightsError(N_("Write a comment that says why."))
    _candidate(session, candidate_id)
    _require(session, actor, candidate_id, "owner")
    attempts = session.exec(select(Attempt).where(Attempt.candidate_id == candidate_id)).all()
    attempt_ids = [a.id for a in attempts if a.id is not None]
    invitation_ids = set(
        session.exec(
            select(col(Invitation.id)).where(  # type: ignore[call-overload]
                Invitation.candidate_id == candidate_id
            )
        ).all()
    )
    invitation_ids |= {a.invitation_id for a in attempts if a.invitation_id}
    summary = {
        "candidate_id": candidate_id,
        "attempts": attempt_ids,
        "invitations": sorted(invitation_ids),
        "openings": sorted({a.opening_id for a in attempts}),
    }
    _delete_attempts(session, attempt_ids)
    if invitation_ids:
        session.exec(sa_delete(Invitation).where(col(Invitation.id).in_(list(invitation_ids))))  # type: ignore[call-overload]
    session.exec(sa_delete(UserSession).where(col(UserSession.user_id) == candidate_id))  # type: ignore[call-overload]
    session.exec(sa_delete(User).where(col(User.id) == candidate_id))  # type: ignore[call-overload]
    audit(session, actor, "candidate.delete", "user", str(candidate_id), before=summary, after=None, comment=text)
    session.flush()
    return summary


def retention_deadline(opening: Opening) -> datetime:
    """When an opening's candidate data is due for deletion."""
    return as_utc(opening.closes_at) + timedelta(days=int(opening.retention_days))


@dataclass
class PurgeReport:
    """What a retention purge deleted."""

    openings: list[int] = field(default_factory=list)
    attempts: int = 0
    invitations: int = 0
    candidates: int = 0


def purge_expired(
    session: Session, *, now: datetime | None = None, dry_run: bool = False, batch: int = 500
) -> PurgeReport:
    """Delete the candidate data of openings whose retention period is over (audited per opening)."""
    now = as_utc(now or utcnow())
    report = PurgeReport()
    # Closed openings; the exact deadline (closing + retention) is checked per opening.
    candidates = session.exec(select(Opening).where(col(Opening.closes_at) <= now)).all()
    for opening in candidates:
        if retention_deadline(opening) > now:
            continue
        attempt_rows = session.exec(
            select(col(Attempt.id), col(Attempt.candidate_id)).where(  # type: ignore[call-overload]
                Attempt.opening_id == opening.id
            )
        ).all()
        invitation_rows = session.exec(
            select(col(Invitation.id), col(Invitation.candidate_id)).where(  # type: ignore[call-overload]
                Invitation.opening_id == opening.id
            )
        ).all()
        if not attempt_rows and not invitation_rows:
            continue
        report.openings.append(opening.id)  # type: ignore[arg-type]
        report.attempts += len(attempt_rows)
        report.invitations += len(invitation_rows)
        people = {c for _, c in attempt_rows if c} | {c for _, c in invitation_rows if c}
        if dry_run:
            report.candidates += len(people)
            continue
        ids = [a for a, _ in attempt_rows]
        for start in range(0, len(ids), batch):
            _delete_attempts(session, ids[start : start + batch])
        inv_ids = [i for i, _ in invitation_rows]
        for start in range(0, len(inv_ids), batch):
            session.exec(sa_delete(Invitation).where(col(Invitation.id).in_(inv_ids[start : start + batch])))  # type: ignore[call-overload]
        orphans = _orphan_candidates(session, list(people))
        for start in range(0, len(orphans), batch):
            chunk = orphans[start : start + batch]
            session.exec(sa_delete(UserSession).where(col(UserSession.user_id).in_(chunk)))  # type: ignore[call-overload]
            session.exec(sa_delete(User).where(col(User.id).in_(chunk)))  # type: ignore[call-overload]
        report.candidates += len(orphans)
        audit(
            session,
            None,
            "retention.purge",
            "opening",
            str(opening.id),
            before={"attempts": len(attempt_rows), "invitations": len(invitation_rows)},
            after={"candidates_deleted": len(orphans)},
            comment=f"retention {opening.retention_days} days after closing",
        )
        session.flush()
    return report


def _orphan_candidates(session: Session, user_ids: list[int]) -> list[int]:
    """Candidate accounts among these with no attempt and no invitation left."""
    out: list[int] = []
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start : start + 500]
        busy = set(
            session.exec(
                select(col(Attempt.candidate_id)).where(  # type: ignore[call-overload]
                    col(Attempt.candidate_id).in_(chunk)
                )
            ).all()
        )
        busy |= set(
            session.exec(
                select(col(Invitation.candidate_id)).where(  # type: ignore[call-overload]
                    col(Invitation.candidate_id).in_(chunk)
                )
            ).all()
        )
        rows = session.exec(select(col(User.id)).where(col(User.id).in_(chunk), col(User.role) == "candidate")).all()  # type: ignore[call-overload]
        out.extend(u for u in rows if u not in busy)
    return out


def purge(engine: Engine, *, dry_run: bool = False, now: datetime | None = None) -> PurgeReport:
    """Purge in its own write transaction (the background job and `exam purge`); a dry run changes nothing."""
    with Session(writer(engine), expire_on_commit=False) as session:
        report = purge_expired(session, now=now, dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    if report.openings and not dry_run:
        log.info(
            "retention purge: openings %s, %s attempts, %s invitations, %s candidates",
            report.openings,
            report.attempts,
            report.invitations,
            report.candidates,
        )
    return report
