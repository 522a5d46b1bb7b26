"""Attempts: start and resume, the server-side clocks, saving answers with a version counter,
section and exam submission, and integrity signals.

Every function takes the current time explicitly (``now``) so that the rules are testable; callers
run state changes in a write transaction (BEGIN IMMEDIATE on SQLite) and the attempt row is locked
``FOR UPDATE`` (PostgreSQL) before its state changes.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from exam.models import Answer, Attempt, AttemptSection, IntegrityEvent, Invitation, Opening, User
from exam.questions.base import AnswerRefused, SaveContext
from exam.questions.registry import TYPES, get_type
from exam.security import N_
from exam.services import exposure, papers, webhooks
from exam.services.events import add_event
from exam.services.openings import window_state
from exam.timeutil import as_utc, utcnow

log = logging.getLogger("exam.attempts")

MAX_SPENT_SECONDS = 3600  # one save reports at most an hour spent on its item


class ExamError(Exception):
    """A refused candidate action: HTTP-like ``status``, a short ``code`` and an English msgid."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def translated(self) -> str:
        """The message in the current UI language."""
        from exam.i18n import gettext

        return gettext(self.message)


# --- loading ---------------------------------------------------------------------------------


def lock_attempt(
    session: Session, attempt_id: int, *, candidate_id: int | None = None, shared: bool = False
) -> Attempt | None:
    """Re-read an attempt with a row lock (FOR UPDATE, or FOR SHARE when ``shared``)."""
    stmt = select(Attempt).where(Attempt.id == attempt_id)
    if candidate_id is not None:
        stmt = stmt.where(Attempt.candidate_id == candidate_id)
    stmt = stmt.with_for_update(read=shared).execution_options(populate_existing=True)
    return session.exec(stmt).first()


def sections_of(session: Session, attempt: Attempt) -> list[AttemptSection]:
    """The attempt's section clocks in paper order."""
    return list(
        session.exec(
            select(AttemptSection).where(AttemptSection.attempt_id == attempt.id).order_by(AttemptSection.position)
        ).all()
    )  # type: ignore[arg-type]


def answers_of(session: Session, attempt: Attempt) -> list[Answer]:
    """The attempt's answers in paper order."""
    return list(session.exec(select(Answer).where(Answer.attempt_id == attempt.id).order_by(Answer.position)).all())  # type: ignore[arg-type]


def item_at(attempt: Attempt, position: int) -> papers.PaperItem | None:
    """The paper item at a global position."""
    for entry in papers.iter_items(attempt.paper):
        if entry.position == position:
            return entry
    return None


def factor_of(session: Session, attempt: Attempt) -> float:
    """The candidate's extra-time factor."""
    invitation = session.get(Invitation, attempt.invitation_id) if attempt.invitation_id else None
    return float(invitation.extra_time_factor) if invitation else 1.0


# --- starting -------------------------------------------------------------------------------------


def accept_notice(session: Session, invitation: Invitation, now: datetime | None = None) -> None:
    """Record that the candidate accepted the data notice."""
    if invitation.notice_accepted_at is None:
        invitation.notice_accepted_at = now or utcnow()
        session.add(invitation)


def can_start(invitation: Invitation, opening: Opening, now: datetime) -> ExamError | None:
    """Why an exam cannot start now (None when it can)."""
    if invitation.revoked_at is not None:
        return ExamError(410, "revoked", N_("This invitation has been withdrawn."))
    state = window_state(opening, now)
    if state == "upcoming":
        return ExamError(409, "upcoming", N_("The exam window has not opened yet."))
    if state == "closed" or now >= as_utc(invitation.expires_at):
        return ExamError(410, "expired", N_("The exam window has closed; the invitation has expired."))
    if invitation.notice_accepted_at is None:
        return ExamError(409, "notice", N_("Please read and accept the data notice first."))
    return None


def start_attempt(
    session: Session,
    invitation: Invitation,
    candidate: User,
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
    paper: dict[str, Any] | None = None,
) -> Attempt:
    """Start the exam (or return the one already started: one attempt per candidate and opening).

    The paper is stored now (``paper``: drawn beforehand, outside the write transaction; else drawn here),
    answers are created empty, the first section's clock starts.
    """
    now = now or utcnow()
    existing = session.exec(
        select(Attempt).where(Attempt.opening_id == invitation.opening_id, Attempt.candidate_id == candidate.id)
    ).first()
    if existing is not None:
        return existing
    opening = session.get(Opening, invitation.opening_id)
    assert opening is not None
    problem = can_start(invitation, opening, now)
    if problem is not None:
        raise problem
    if paper is None:
        paper = papers.build_paper(session, opening, rng)
    factor = float(invitation.extra_time_factor or 1.0)
    deadline = now + timedelta(seconds=papers.total_time_limit(paper) * factor)
    attempt = Attempt(
        opening_id=opening.id,
        candidate_id=candidate.id,
        invitation_id=invitation.id,  # type: ignore[arg-type]
        paper=paper,
        started_at=now,
        deadline_at=deadline,
        current_section=0,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError:
        # Another request started it a moment ago: the database constraint keeps one attempt.
        existing = session.exec(
            select(Attempt).where(Attempt.opening_id == invitation.opening_id, Attempt.candidate_id == candidate.id)
        ).first()
        if existing is None:
            raise
        return existing
    for position, section in enumerate(paper["sections"]):
        session.add(AttemptSection(attempt_id=attempt.id, section_id=section["id"], position=position))  # type: ignore[arg-type]
    session.flush()
    rows = [
        {
            "attempt_id": attempt.id,
            "question_id": entry.item["question_id"],
            "question_version_id": entry.item["version_id"],
            "section_id": entry.section_id,
            "position": entry.position,
            "response": {},
            "version": 0,
            "flagged": False,
            "updated_at": now,
            "score": None,
            "max_score": 1.0,
            "result": {},
            "overrides": {},
            "seconds": None,
        }
        for entry in papers.iter_items(paper)
    ]
    if rows:
        session.execute(insert(Answer), rows)  # one executemany, not a unit of work of N objects
    exposure.record(session, [entry.item["question_id"] for entry in papers.iter_items(paper)])
    _start_section(session, attempt, 0, now, factor)
    return attempt


def _start_section(session: Session, attempt: Attempt, index: int, now: datetime, factor: float) -> AttemptSection:
    """Start the clock of section ``index``: start + limit x factor, never past the exam deadline."""
    section = session.exec(
        select(AttemptSection).where(AttemptSection.attempt_id == attempt.id, AttemptSection.position == index)
    ).one()
    limit = int(attempt.paper["sections"][index].get("time_limit") or 0)
    section.started_at = now
    section.deadline_at = min(now + timedelta(seconds=limit * factor), as_utc(attempt.deadline_at))
    session.add(section)
    attempt.current_section = index
    session.add(attempt)
    session.flush()
    return section


# --- the clock ----------------------------------------------------------------------------------------


def grace(settings: Any) -> timedelta:
    """The stated grace after a deadline during which answers are still accepted (network latency)."""
    return timedelta(seconds=int(getattr(settings, "answer_grace_seconds", 15)))


def current(session: Session, attempt: Attempt) -> AttemptSection | None:
    """The running section (None when the attempt is over)."""
    if attempt.status != "in_progress":
        return None
    return session.exec(
        select(AttemptSection).where(
            AttemptSection.attempt_id == attempt.id, AttemptSection.position == attempt.current_section
        )
    ).first()


def needs_sync(session: Session, attempt: Attempt, settings: Any, now: datetime) -> bool:
    """Whether a deadline has passed (beyond the grace) that the stored state does not reflect yet."""
    if attempt.status != "in_progress":
        return False
    if now > as_utc(attempt.deadline_at) + grace(settings):
        return True
    section = current(session, attempt)
    return bool(section and section.deadline_at and now > as_utc(section.deadline_at) + grace(settings))


def sync(session: Session, attempt: Attempt, settings: Any, now: datetime | None = None) -> bool:
    """Apply passed deadlines: close expired sections (the next one starts now) or the whole attempt.

    Returns True when the attempt was finished by this call. Call with the attempt locked.
    """
    now = now or utcnow()
    if attempt.status != "in_progress":
        return False
    g = grace(settings)
    if now > as_utc(attempt.deadline_at) + g:
        finish(session, attempt, now=as_utc(attempt.deadline_at), reason="deadline")
        return True
    section = current(session, attempt)
    if section and section.deadline_at and now > as_utc(section.deadline_at) + g:
        return close_section(
            session,
            attempt,
            section,
            now=now,
            closed_at=as_utc(section.deadline_at),
            factor=factor_of(session, attempt),
        )
    return False


def close_section(
    session: Session,
    attempt: Attempt,
    section: AttemptSection,
    *,
    now: datetime,
    closed_at: datetime | None = None,
    factor: float | None = None,
) -> bool:
    """Close a section and start the next (or finish the attempt after the last). True when finished."""
    section.submitted_at = closed_at or now
    session.add(section)
    nxt = attempt.current_section + 1
    if nxt >= len(attempt.paper.get("sections") or []):
        finish(session, attempt, now=closed_at or now, reason="submitted")
        return True
    if now >= as_utc(attempt.deadline_at):
        finish(session, attempt, now=as_utc(attempt.deadline_at), reason="deadline")
        return True
    _start_section(session, attempt, nxt, now, factor if factor is not None else factor_of(session, attempt))
    return False


def submit_section(
    session: Session, attempt: Attempt, section_id: str, settings: Any, now: datetime | None = None
) -> bool:
    """The candidate submits the running section (or its timer ran out). Harmless when repeated.

    Returns True when the attempt is finished.
    """
    now = now or utcnow()
    if attempt.status != "in_progress":
        return True
    if sync(session, attempt, settings, now):
        return True
    section = current(session, attempt)
    if section is None or section.section_id != section_id:
        return attempt.status != "in_progress"  # an old tab submitting a section already closed
    return close_section(session, attempt, section, now=now)


def finish(session: Session, attempt: Attempt, *, now: datetime, reason: str) -> None:
    """Mark the attempt submitted (its sections closed); grading follows (results.grade_attempt)."""
    if attempt.status != "in_progress":
        return
    for section in sections_of(session, attempt):
        if section.submitted_at is None:
            section.submitted_at = now if section.started_at is not None else None
            session.add(section)
    attempt.status = "submitted"
    attempt.submitted_at = now
    session.add(attempt)
    session.add(
        IntegrityEvent(
            attempt_id=attempt.id,
            at=attempt.submitted_at,
            kind="submitted",  # type: ignore[arg-type]
            detail={"reason": reason},
        )
    )
    session.flush()
    webhooks.emit(session, "attempt.submitted", attempt)  # the outbox, in this transaction


# --- answers -----------------------------------------------------------------------------------------


@dataclass
class SaveResult:
    """A stored answer: its new version and (typing) the server's clock figures."""

    answer: Answer
    typing: dict[str, Any] | None = None


def _open_item(
    session: Session, attempt: Attempt, position: int, settings: Any, now: datetime
) -> tuple[papers.PaperItem, AttemptSection]:
    """The item at ``position`` if it belongs to the running section and its deadline (plus grace) holds."""
    entry = item_at(attempt, position)
    if entry is None:
        raise ExamError(404, "no_item", N_("There is no such question on your paper."))
    if attempt.status != "in_progress":
        raise ExamError(409, "closed", N_("The exam has been submitted; answers can no longer change."))
    g = grace(settings)
    if now > as_utc(attempt.deadline_at) + g:
        raise ExamError(409, "closed", N_("Time is up: the exam's deadline has passed."))
    section = current(session, attempt)
    if section is None or section.position != entry.section_index:
        raise ExamError(409, "closed", N_("This section is closed; answers to it can no longer change."))
    if section.deadline_at is not None and now > as_utc(section.deadline_at) + g:
        raise ExamError(409, "closed", N_("Time is up: this section's deadline has passed."))
    return entry, section


def _answer_row(session: Session, attempt: Attempt, position: int) -> Answer:
    answer = session.exec(
        select(Answer)
        .where(Answer.attempt_id == attempt.id, Answer.position == position)
        .execution_options(populate_existing=True)
    ).first()
    if answer is None:
        raise ExamError(404, "no_item", N_("There is no such question on your paper."))
    return answer


def _cas(
    session: Session,
    answer: Answer,
    expected: int,
    response: dict[str, Any],
    now: datetime,
    flagged: bool | None = None,
    seconds: float | None = None,
) -> bool:
    """Compare-and-set: store ``response`` only if the answer is still at version ``expected``.

    ``seconds``: time the page reports the candidate spent on the item since its last save (added up).
    """
    values: dict[str, Any] = {"response": response, "version": expected + 1, "updated_at": now}
    if flagged is not None:
        values["flagged"] = flagged
    if seconds:
        values["seconds"] = func.coalesce(Answer.seconds, 0.0) + seconds
    result = session.execute(update(Answer).where(Answer.id == answer.id, Answer.version == expected).values(**values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.flush()
    session.refresh(answer)
    return True


def start_clock(
    session: Session, attempt: Attempt, position: int, settings: Any, now: datetime | None = None
) -> SaveResult:
    """Start an item's own clock on the server (a typing passage: the start button or the first keystroke).

    Idempotent; 422 for items whose type has no clock of its own.
    """
    now = now or utcnow()
    entry, section = _open_item(session, attempt, position, settings, now)
    answer = _answer_row(session, attempt, position)
    question = papers.load_versions(session, [answer.question_version_id]).get(answer.question_version_id)
    qtype = get_type(entry.item.get("type") or "")
    started = qtype.start_clock(question, dict(answer.response or {}), now) if question is not None else None
    if started is None:
        raise ExamError(422, "not_typing", N_("This question is not a typing test."))
    if started != (answer.response or {}) and not _cas(session, answer, answer.version, started, now):
        answer = _answer_row(session, attempt, position)
    page = qtype.page_state(question, entry.item, answer.response or {}, section.deadline_at)  # type: ignore[arg-type]
    return SaveResult(answer, page.get("typing"))


def save_answer(
    session: Session,
    attempt: Attempt,
    position: int,
    data: Mapping[str, Any],
    version: int,
    settings: Any,
    *,
    meta: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> SaveResult:
    """Store the candidate's answer at ``position`` if ``version`` is the one stored (else 409 "stale").

    ``data`` is what the question type's read_answer takes (form fields or JSON). ``meta`` carries the
    page's counters for integrity signals (``inputs``: trusted input events since the page loaded).
    """
    now = now or utcnow()
    entry, section = _open_item(session, attempt, position, settings, now)
    answer = _answer_row(session, attempt, position)
    if version != answer.version:
        raise ExamError(
            409,
            "stale",
            N_("This answer was changed in another window or device."),
            version=answer.version,
            response=public_response(answer.response, entry.item),
        )
    question = papers.load_versions(session, [answer.question_version_id]).get(answer.question_version_id)
    if question is None:
        raise ExamError(404, "no_item", N_("There is no such question on your paper."))
    qtype = get_type(question.type)
    data = decode_choices(entry.item, data)
    try:
        response = qtype.read_answer(question, data)
    except ValueError as exc:
        raise ExamError(422, "invalid", N_("This answer cannot be stored."), detail=str(exc)[:300]) from exc
    old = dict(answer.response or {})
    ctx = SaveContext(
        now=now,
        grace_seconds=grace(settings).total_seconds(),
        section_deadline=section.deadline_at,
        meta=meta if isinstance(meta, Mapping) else {},
    )
    try:
        saving = qtype.on_save(question, old, response, ctx)
    except AnswerRefused as exc:
        raise ExamError(409, exc.code, exc.message) from exc
    response = saving.response
    if isinstance(meta, Mapping):
        inputs = meta.get("inputs")
        if isinstance(inputs, int) and 0 <= inputs < 10**7:
            response["_inputs"] = inputs
            response["_page"] = str(meta.get("page") or "")[:40]
    if not _cas(session, answer, version, response, now, seconds=spent_seconds(meta)):
        fresh = _answer_row(session, attempt, position)
        raise ExamError(
            409,
            "stale",
            N_("This answer was changed in another window or device."),
            version=fresh.version,
            response=public_response(fresh.response, entry.item),
        )
    for kind, detail in saving.signals:
        add_event(session, attempt, kind, detail, now)
    return SaveResult(answer, (saving.page or {}).get("typing"))


def spent_seconds(meta: Mapping[str, Any] | None) -> float | None:
    """The page's report of seconds spent on an item since its last save (0-3600), else None."""
    value = (meta or {}).get("seconds") if isinstance(meta, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SPENT_SECONDS:
        return None
    return round(float(value), 1)


def set_flag(
    session: Session, attempt: Attempt, position: int, flagged: bool, settings: Any, now: datetime | None = None
) -> Answer:
    """Flag a question for review (or clear the flag); does not change the answer's version."""
    now = now or utcnow()
    _open_item(session, attempt, position, settings, now)
    answer = _answer_row(session, attempt, position)
    session.execute(update(Answer).where(Answer.id == answer.id).values(flagged=bool(flagged)))
    session.flush()
    session.refresh(answer)
    return answer


def public_response(response: Mapping[str, Any] | None, item: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The parts of a stored response the candidate's own page may see (no server bookkeeping).

    Choice picks are given as positions in the candidate's option order (see ``decode_choices``).
    """
    response = dict(response or {})
    out = {k: v for k, v in response.items() if k in ("text", "choice", "choices", "answer", "started_at")}
    order = list((item or {}).get("order") or [])
    if order:
        if out.get("choice") is not None:
            out["choice"] = str(order.index(out["choice"])) if out["choice"] in order else None
        if out.get("choices") is not None:
            out["choices"] = [str(order.index(c)) for c in out["choices"] if c in order]
    return out


def decode_choices(item: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Turn picks sent as display positions ("0", "1", ...) into option ids.

    The page never carries the bank's option ids: their bank order could hint at the key.
    """
    order = list(item.get("order") or [])
    if not order:
        return dict(data)

    def one(value: Any) -> Any:
        text = str(value).strip()
        if text == "":
            return ""
        if not text.isdigit() or int(text) >= len(order):
            raise ExamError(422, "invalid", N_("This answer cannot be stored."), detail=f"no option {text[:10]}")
        return order[int(text)]

    out: dict[str, Any] = {}
    for key in data.keys():
        values = data.getlist(key) if hasattr(data, "getlist") else data[key]  # type: ignore[attr-defined]
        if key == "choice":
            out[key] = one(values[0] if isinstance(values, list) and values else values) if values is not None else None
        elif key == "choices":
            seq = values if isinstance(values, list) else ([] if values in (None, "") else [values])
            out[key] = [one(v) for v in seq if str(v).strip() != ""]
        else:
            out[key] = values
    return out


def is_answered(item_type: str, response: Mapping[str, Any] | None) -> bool:
    """Whether a response holds an answer (as its question type judges)."""
    return get_type(item_type).is_answered(response or {}) if item_type in TYPES else False
