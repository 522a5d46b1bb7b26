"""Taking the exam: the service behind the candidate's pages (links, start, page loads, saves, submission).

Every function owns its transactions. Reads use the request's session; state changes run in a short write
transaction (BEGIN IMMEDIATE on SQLite) with the attempt row locked (FOR UPDATE on PostgreSQL), after the
read snapshot has been ended, so that a request never holds two connections or a lock across threadpool hops.
A candidate reaches only their own invitations and attempts: other people's do not exist (None / 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exam import security
from exam.db import session_scope
from exam.models import Attempt, Invitation, Opening, User
from exam.services import accounts, attempts, autosave, candidate_views, events, openings, papers, results
from exam.services.attempts import ExamError
from exam.settings import Settings
from exam.timeutil import as_utc, utcnow

__all__ = [
    "ExamError",
    "Client",
    "LinkOutcome",
    "follow_link",
    "home_rows",
    "own_invitation",
    "intro",
    "start",
    "open_attempt",
    "exam_view",
    "state",
    "save",
    "start_typing",
    "flag",
    "record_events",
    "submit_section",
    "finished",
]


@dataclass(frozen=True)
class Client:
    """Who is asking: the login session's short key, the address and the browser (for integrity signals)."""

    session_key: str = ""
    ip: str = ""
    user_agent: str = ""

    @classmethod
    def of(cls, session_token: str | None, ip: str, user_agent: str) -> Client:
        """A client from its session cookie (only a short hash of it is kept), address and user agent."""
        return cls(security.token_hash(session_token or "")[:16], ip, user_agent)


def _engine(session: Session) -> Engine:
    return session.get_bind()  # type: ignore[return-value]


def own_invitation(session: Session, user: User, invitation_id: int) -> Invitation | None:
    """The invitation if it is this candidate's."""
    return session.exec(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.candidate_id == user.id)
    ).first()


def _own_attempt(session: Session, user: User, attempt_id: int) -> Attempt | None:
    return session.exec(select(Attempt).where(Attempt.id == attempt_id, Attempt.candidate_id == user.id)).first()


# --- the invitation link ---------------------------------------------------------------------------


@dataclass
class LinkOutcome:
    """What following an invitation link leads to."""

    kind: str  # "error" | "switch" | "enter"
    reason: str = ""
    status: int = 200
    opening: Opening | None = None
    target: str = ""
    session_token: str = ""  # a new login session for the candidate ("" when the current one is theirs)


def follow_link(
    session: Session,
    settings: Settings,
    token: str,
    user: User | None,
    *,
    switch: bool,
    client: Client,
    old_session_token: str | None,
) -> LinkOutcome:
    """Resolve a personal link: refuse unknown, withdrawn or expired ones, else sign the candidate in."""
    invitation = openings.find_invitation(session, token)
    if invitation is None:
        return LinkOutcome("error", "unknown", 404)
    opening = session.get(Opening, invitation.opening_id)
    if invitation.revoked_at is not None:
        return LinkOutcome("error", "revoked", 410, opening)
    attempt = openings.attempt_of(session, invitation)
    if attempt is None and utcnow() >= as_utc(invitation.expires_at):
        return LinkOutcome("error", "expired", 410, opening)
    if user is not None and user.role != "candidate" and not switch:
        return LinkOutcome("switch", opening=opening)
    target = f"/candidate/invitations/{invitation.id}"
    if user is not None and invitation.candidate_id is not None and user.id == invitation.candidate_id:
        return LinkOutcome("enter", opening=opening, target=target)
    session.commit()  # give the read connection back before taking a writer: never hold two connections
    with session_scope(_engine(session)) as ws:
        inv = ws.get(Invitation, invitation.id)
        assert inv is not None
        candidate = openings.candidate_for(ws, inv)
        accounts.end_session(ws, old_session_token)
        new_token = accounts.start_session(ws, settings, candidate, client.ip, client.user_agent)
    return LinkOutcome("enter", opening=opening, target=target, session_token=new_token)


# --- home and intro --------------------------------------------------------------------------------


def home_rows(session: Session, user: User) -> list[dict[str, Any]]:
    """The candidate's invitations with their opening, attempt and status, newest first."""
    rows = []
    invitations = session.exec(
        select(Invitation).where(Invitation.candidate_id == user.id).order_by(Invitation.created_at.desc())
    ).all()  # type: ignore[attr-defined]
    for invitation in invitations:
        attempt = openings.attempt_of(session, invitation)
        rows.append(
            {
                "invitation": invitation,
                "opening": session.get(Opening, invitation.opening_id),
                "attempt": attempt,
                "status": openings.invitation_status(invitation, attempt),
            }
        )
    return rows


def intro(session: Session, invitation: Invitation) -> dict[str, Any]:
    """What the exam contains and how long it takes, for the data-notice page."""
    opening = session.get(Opening, invitation.opening_id)
    assert opening is not None
    _, profile = papers.opening_profile(session, opening)
    view = candidate_views.intro_view(papers.summary(profile), float(invitation.extra_time_factor or 1.0))
    return {
        "invitation": invitation,
        "opening": opening,
        "intro": view,
        "profile_title": profile.title,
        "window": openings.window_state(opening),
    }


def attempt_of(session: Session, invitation: Invitation) -> Attempt | None:
    """The attempt started from this invitation, if any."""
    return openings.attempt_of(session, invitation)


def start(session: Session, user: User, invitation: Invitation) -> Attempt:
    """Accept the data notice and start the exam (a second start returns the same attempt); ExamError if refused."""
    now = utcnow()
    # Draw the paper on the read snapshot: the write transaction (SQLite's one writer) only stores it.
    opening = session.get(Opening, invitation.opening_id)
    paper = papers.build_paper(session, opening) if opening is not None else None
    session.commit()
    with session_scope(_engine(session)) as ws:
        inv = ws.get(Invitation, invitation.id)
        candidate = ws.get(User, user.id)
        assert inv is not None and candidate is not None
        existing = openings.attempt_of(ws, inv)
        if existing is not None:
            return existing
        attempts.accept_notice(ws, inv, now)
        attempt = attempts.start_attempt(ws, inv, candidate, now=now, paper=paper)
        accounts.audit(
            ws,
            candidate,
            "attempt.start",
            "attempt",
            str(attempt.id),
            after={"opening": attempt.opening_id, "deadline": as_utc(attempt.deadline_at).isoformat()},
        )
    return attempt


# --- the exam -------------------------------------------------------------------------------------------


def open_attempt(session: Session, user: User, attempt_id: int, settings: Settings, client: Client) -> Attempt | None:
    """The candidate's attempt after applying passed deadlines and noting a new session or device.

    Writes (rare) run in their own write transaction; the request's read snapshot is then renewed.
    """
    attempt = _own_attempt(session, user, attempt_id)
    if attempt is None:
        return None
    now = utcnow()
    new_session = attempt.status == "in_progress" and not events.session_seen(session, attempt, client.session_key)
    needs = attempts.needs_sync(session, attempt, settings, now) or attempt.status == "submitted"
    if new_session or needs:
        session.commit()  # end the read snapshot and give its connection back: never hold two connections
        with session_scope(_engine(session)) as ws:
            locked = attempts.lock_attempt(ws, attempt_id, candidate_id=user.id)
            if locked is not None:
                if new_session:
                    events.note_session(
                        ws, locked, client.session_key, ip=client.ip, user_agent=client.user_agent, now=now
                    )
                attempts.sync(ws, locked, settings, now)
                if locked.status == "submitted":
                    results.try_grade(ws, locked)
        attempt = session.exec(
            select(Attempt).where(Attempt.id == attempt_id).execution_options(populate_existing=True)
        ).first()
    return attempt


def exam_view(session: Session, attempt: Attempt) -> dict[str, Any]:
    """What the running section's page shows, and the opening."""
    return {"exam": candidate_views.exam_view(session, attempt), "opening": session.get(Opening, attempt.opening_id)}


def state(session: Session, attempt: Attempt) -> dict[str, Any]:
    """The server's clock and the attempt's state."""
    return candidate_views.state_view(session, attempt)


def _write(session: Session, user: User, attempt_id: int, settings: Settings, now: datetime) -> Attempt | None:
    """The candidate's attempt, row-locked in the request's write transaction, with passed deadlines applied."""
    attempt = attempts.lock_attempt(session, attempt_id, candidate_id=user.id)
    if attempt is None:
        return None
    attempts.sync(session, attempt, settings, now)
    if attempt.status == "submitted":
        results.try_grade(session, attempt)
    return attempt


@dataclass
class Saved:
    """A stored answer as the page needs it."""

    version: int
    saved_at: str
    answered: bool
    typing: dict[str, Any] | None = None


def save(
    session: Session,
    user: User,
    attempt_id: int,
    position: int,
    data: Mapping[str, Any],
    version: int,
    meta: Mapping[str, Any],
    settings: Settings,
) -> Saved | None:
    """Autosave one answer (None: no such attempt). ExamError 409 "stale" or "closed", 422 "invalid".

    The request's session must be a plain read session: the fast path (``autosave.save``) reads, then writes
    one compare-and-set UPDATE in a short transaction of its own; a save it cannot decide alone (a deadline to
    apply, an attempt that moved on) runs locked here, in a write transaction that keeps what the deadline
    sync changed even when the save is refused.
    """
    now = utcnow()
    meta = meta if isinstance(meta, Mapping) else {}
    try:
        fast = autosave.save(session, user.id, attempt_id, position, data, version, settings, meta, now)  # type: ignore[arg-type]
    except autosave.Slow:
        session.commit()
    else:
        if fast is None:
            return None
        return Saved(fast.version, as_utc(fast.updated_at).isoformat(), fast.answered, fast.typing)
    refused: ExamError | None = None
    saved: Saved | None = None
    with session_scope(_engine(session)) as ws:
        try:
            attempt = _write(ws, user, attempt_id, settings, now)
            if attempt is not None:
                result = attempts.save_answer(ws, attempt, position, data, version, settings, meta=meta, now=now)
                entry = attempts.item_at(attempt, position)
                item_type = entry.item.get("type", "") if entry else ""
                answer = result.answer
                saved = Saved(
                    answer.version,
                    as_utc(answer.updated_at).isoformat(),
                    attempts.is_answered(item_type, answer.response),
                    result.typing,
                )
        except ExamError as exc:
            refused = exc  # committed all the same: keep what the deadline sync changed
    if refused is not None:
        raise refused
    return saved


def start_typing(session: Session, user: User, attempt_id: int, position: int, settings: Settings) -> Saved | None:
    """Start a typing test's clock on the server (None: no such attempt)."""
    now = utcnow()
    try:
        attempt = _write(session, user, attempt_id, settings, now)
        if attempt is None:
            session.commit()
            return None
        result = attempts.start_clock(session, attempt, position, settings, now=now)
    except ExamError:
        session.commit()
        raise
    session.commit()
    return Saved(result.answer.version, as_utc(result.answer.updated_at).isoformat(), False, result.typing)


def flag(
    session: Session, user: User, attempt_id: int, position: int, flagged: bool, settings: Settings
) -> bool | None:
    """Flag a question for review or clear the flag; the stored flag (None: no such attempt)."""
    now = utcnow()
    try:
        attempt = _write(session, user, attempt_id, settings, now)
        if attempt is None:
            session.commit()
            return None
        answer = attempts.set_flag(session, attempt, position, flagged, settings, now=now)
    except ExamError:
        session.commit()
        raise
    session.commit()
    return answer.flagged


def record_events(session: Session, user: User, attempt_id: int, batch: Any) -> int | None:
    """Store a batch of integrity events from the page; how many were kept (None: no such attempt)."""
    attempt = attempts.lock_attempt(session, attempt_id, candidate_id=user.id)
    if attempt is None:
        session.commit()
        return None
    stored = events.record_client_events(session, attempt, batch) if attempt.status == "in_progress" else 0
    session.commit()
    return stored


def submit_section(
    session: Session, user: User, attempt_id: int, section_id: str, settings: Settings, *, auto: bool = False
) -> Attempt | None:
    """Submit the running section (the button, or the page at zero); grades a finished attempt. Idempotent."""
    now = utcnow()
    attempt = _write(session, user, attempt_id, settings, now)
    if attempt is None:
        session.commit()
        return None
    finished_now = attempts.submit_section(session, attempt, section_id, settings, now=now)
    if finished_now and attempt.status == "submitted":
        results.try_grade(session, attempt)
    if auto and attempt.status != "in_progress":
        accounts.audit(session, user, "attempt.auto_submit", "attempt", str(attempt.id))
    session.commit()
    return attempt


def finished(session: Session, attempt: Attempt) -> dict[str, Any]:
    """The confirmation page's data: the opening and, when it allows, the candidate's own figures."""
    opening = session.get(Opening, attempt.opening_id)
    summary = (
        results.summary_for_candidate(attempt) if opening and opening.show_result and attempt.status == "graded" else []
    )
    return {"opening": opening, "summary": summary}
