"""Autosave on the hot path: the answer is read and checked on a read snapshot, then stored by one short
compare-and-set ``UPDATE answer … WHERE version = ?`` in a short write transaction, which on SQLite is shared by
the saves that arrive together (``exam.db.write_together``: group commit).

The work (question model, the type's ``read_answer`` and ``on_save``) is done before the write transaction, so
SQLite's single write lock is held for one UPDATE (and the integrity events the save raises). The UPDATE also
requires the attempt to be still running in the same section, so a save that races a submission or a deadline
changes nothing. Whatever the fast path cannot decide alone (a passed deadline to apply, a closed attempt, a
section that moved on) goes back to the locked path of ``candidate_exam.save`` (``Slow``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, update
from sqlmodel import Session, select

from exam.db import write_together
from exam.models import Answer, Attempt, AttemptSection, QuestionVersion
from exam.questions.base import AnswerRefused, SaveContext
from exam.questions.registry import get_type
from exam.security import N_
from exam.services import papers
from exam.services.attempts import ExamError, decode_choices, grace, public_response, spent_seconds
from exam.services.events import add_event
from exam.timeutil import as_utc

# built once (every save runs them): the attempt, its running section's clock, the answer and its question's
# version key, in one query
_READ = (
    select(
        Attempt.status,
        Attempt.deadline_at,
        Attempt.current_section,
        Attempt.started_at,
        AttemptSection.deadline_at,
        Answer.id,
        Answer.version,
        Answer.response,
        Answer.question_version_id,
        QuestionVersion.question_id,
        QuestionVersion.content_hash,
    )
    .select_from(Attempt)
    .join(Answer, and_(Answer.attempt_id == Attempt.id, Answer.position == bindparam("pos")))
    .join(QuestionVersion, QuestionVersion.id == Answer.question_version_id)
    .outerjoin(
        AttemptSection,
        and_(AttemptSection.attempt_id == Attempt.id, AttemptSection.position == Attempt.current_section),
    )
    .where(Attempt.id == bindparam("aid"), Attempt.candidate_id == bindparam("cid"))
)
_ANSWER = Answer.__table__.c  # type: ignore[attr-defined]
# the compare-and-set: only the version the client saw, only while the attempt runs the same section
_WRITE = (
    update(Answer)
    .where(
        Answer.id == bindparam("a_id"),
        Answer.version == bindparam("expected"),
        exists().where(
            Attempt.id == bindparam("aid"),
            Attempt.status == "in_progress",
            Attempt.current_section == bindparam("sec"),
        ),
    )
    .values(
        response=bindparam("resp", type_=_ANSWER.response.type),
        version=bindparam("newv", type_=_ANSWER.version.type),
        updated_at=bindparam("now", type_=_ANSWER.updated_at.type),
    )
)
_WRITE_SPENT = _WRITE.values(
    seconds=func.coalesce(Answer.seconds, 0.0) + bindparam("spent", type_=_ANSWER.seconds.type)
)
_STILL_OPEN_SHARED = (
    select(Attempt.id)
    .where(Attempt.id == bindparam("aid"), Attempt.status == "in_progress", Attempt.current_section == bindparam("sec"))
    .with_for_update(read=True)
)
_OWN = select(Attempt.id).where(Attempt.id == bindparam("aid"), Attempt.candidate_id == bindparam("cid"))
_PAPERS_MAX = 5000
_papers: dict[tuple[str, int, str], dict[str, Any]] = {}  # (database, attempt id, started at) -> paper


class Slow(Exception):
    """The fast path cannot decide this save alone: take the locked path."""


@dataclass
class FastSaved:
    """A stored answer: its new version, when, whether it holds an answer, the type's page figures."""

    version: int
    updated_at: datetime
    answered: bool
    typing: dict[str, Any] | None = None


def _paper(session: Session, attempt_id: int, started_at: datetime) -> dict[str, Any]:
    """An attempt's paper (fixed once the attempt has started), read once per process."""
    key = (str(session.get_bind().url), attempt_id, as_utc(started_at).isoformat())
    paper = _papers.get(key)
    if paper is None:
        paper = dict(session.exec(select(Attempt.paper).where(Attempt.id == attempt_id)).one() or {})
        if len(_papers) >= _PAPERS_MAX:
            _papers.clear()
        _papers[key] = paper
    return paper


def save(
    session: Session,
    candidate_id: int,
    attempt_id: int,
    position: int,
    data: Mapping[str, Any],
    version: int,
    settings: Any,
    meta: Mapping[str, Any],
    now: datetime,
) -> FastSaved | None:
    """Store an answer if ``version`` is the stored one; None: no such attempt of this candidate.

    ExamError 409 "stale" (with the stored version and answer), 404 "no_item", 422 "invalid", or the type's
    refusal; Slow when the attempt's state needs the locked path.
    """
    row = session.execute(_READ, {"aid": attempt_id, "cid": candidate_id, "pos": position}).first()
    if row is None:
        if session.execute(_OWN, {"aid": attempt_id, "cid": candidate_id}).first() is None:
            return None
        raise ExamError(404, "no_item", N_("There is no such question on your paper."))
    (status, deadline_at, current_section, started_at, section_deadline, answer_id, stored_version) = row[:7]
    stored_response, version_id, question_id, digest = row[7:]
    g = grace(settings)
    if status != "in_progress" or now > as_utc(deadline_at) + g:
        raise Slow()
    if section_deadline is not None and now > as_utc(section_deadline) + g:
        raise Slow()
    entry = next(
        (e for e in papers.iter_items(_paper(session, attempt_id, started_at)) if e.position == position), None
    )
    if entry is None:
        raise ExamError(404, "no_item", N_("There is no such question on your paper."))
    if entry.section_index != current_section:
        raise ExamError(409, "closed", N_("This section is closed; answers to it can no longer change."))
    if version != stored_version:
        raise _stale(stored_version, stored_response, entry.item)
    question = papers.cached_model(question_id, digest) or papers.load_versions(session, [version_id]).get(version_id)
    session.commit()  # the read is over: nothing below reads the database until the write
    if question is None:
        raise ExamError(404, "no_item", N_("There is no such question on your paper."))
    qtype = get_type(question.type)
    try:
        response = qtype.read_answer(question, decode_choices(entry.item, data))
    except ValueError as exc:
        raise ExamError(422, "invalid", N_("This answer cannot be stored."), detail=str(exc)[:300]) from exc
    ctx = SaveContext(now=now, grace_seconds=g.total_seconds(), section_deadline=section_deadline, meta=meta)
    try:
        saving = qtype.on_save(question, dict(stored_response or {}), response, ctx)
    except AnswerRefused as exc:
        raise ExamError(409, exc.code, exc.message) from exc
    response = saving.response
    inputs = meta.get("inputs")
    if isinstance(inputs, int) and 0 <= inputs < 10**7:
        response["_inputs"] = inputs
        response["_page"] = str(meta.get("page") or "")[:40]
    seconds = spent_seconds(meta)
    params = {"a_id": answer_id, "expected": version, "aid": attempt_id, "sec": current_section}
    params.update({"resp": response, "newv": version + 1, "now": now})
    if seconds:
        params["spent"] = seconds

    def write(ws: Session) -> bool:
        conn = ws.connection()
        # PostgreSQL: a share lock on the attempt row, so a submission (FOR UPDATE) in flight finishes first and its
        # grading never misses a save it did not see; concurrent saves share it. SQLite: the write lock orders all.
        held = conn.dialect.name != "postgresql" or conn.execute(_STILL_OPEN_SHARED, params).first() is not None
        done = held and conn.execute(_WRITE_SPENT if seconds else _WRITE, params).rowcount == 1  # type: ignore[attr-defined]
        if done:
            for kind, detail in saving.signals:
                add_event(ws, Attempt(id=attempt_id), kind, detail, now)  # type: ignore[call-arg]
        return done

    # SQLite: saves that arrive together share one write transaction (each answered after its commit)
    stored = write_together(session.get_bind(), write)  # type: ignore[arg-type]
    if not stored:
        fresh = session.exec(select(Answer.version, Answer.response).where(Answer.id == answer_id)).one()
        session.commit()
        if fresh[0] != version:
            raise _stale(fresh[0], fresh[1], entry.item)
        raise Slow()  # the attempt moved on (submitted, next section): the locked path says how
    answered = qtype.is_answered(response)
    return FastSaved(version + 1, now, answered, (saving.page or {}).get("typing"))


def _stale(version: int, response: Any, item: Mapping[str, Any]) -> ExamError:
    return ExamError(
        409,
        "stale",
        N_("This answer was changed in another window or device."),
        version=version,
        response=public_response(response, item),
    )
