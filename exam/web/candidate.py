"""Candidate pages: the invitation link, the data notice, the timed exam (autosave, clocks, integrity
signals) and the confirmation. Every request is checked against the candidate's own invitation/attempt."""
from __future__ import annotations

import json
from typing import Annotated, Any, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session, select

from exam import accounts, security
from exam.db import session_scope
from exam.exam_engine import attempts, openings, papers, results, views
from exam.exam_engine import sweep as _sweep  # noqa: F401  (registers the background sweep)
from exam.i18n import gettext as _
from exam.models import Attempt, Invitation, Opening, User
from exam.timeutil import as_utc, utcnow
from exam.web.deps import SESSION_COOKIE, CandidateUser, OptionalUser, SessionDep, SettingsDep, client_ip
from exam.web.templating import render

router = APIRouter()

RESERVED_FIELDS = {"csrf_token", "version", "inputs", "page", "restored"}


# --- helpers ------------------------------------------------------------------------------------


def _session_key(request: Request) -> str:
    """A short, stable id of the browser's login session (never the cookie itself)."""
    return security.token_hash(request.cookies.get(SESSION_COOKIE) or "")[:16]


def _json_error(exc: attempts.ExamError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error": exc.code, "message": exc.translated()}
    body.update({k: v for k, v in exc.extra.items() if k in ("version", "response")})
    return JSONResponse(body, status_code=exc.status)


def _not_found() -> JSONResponse:
    return JSONResponse({"ok": False, "error": "not_found", "message": _("Not found.")}, status_code=404)


def _own_attempt(session: Session, user: User, attempt_id: int) -> Optional[Attempt]:
    """The attempt if it is this candidate's (None otherwise: other candidates' attempts do not exist)."""
    return session.exec(select(Attempt).where(Attempt.id == attempt_id, Attempt.candidate_id == user.id)).first()


def _own_invitation(session: Session, user: User, invitation_id: int) -> Optional[Invitation]:
    return session.exec(select(Invitation).where(Invitation.id == invitation_id,
                                                 Invitation.candidate_id == user.id)).first()


def _prepare(request: Request, session: Session, user: User, attempt_id: int) -> Optional[Attempt]:
    """Load the candidate's attempt after applying passed deadlines and noting a new session/device.

    Writes (rare) run in their own BEGIN IMMEDIATE transaction; the request's read snapshot is then renewed.
    """
    attempt = _own_attempt(session, user, attempt_id)
    if attempt is None:
        return None
    settings = request.app.state.settings
    now = utcnow()
    key = _session_key(request)
    new_session = attempt.status == "in_progress" and not attempts.session_seen(session, attempt, key)
    needs = attempts.needs_sync(session, attempt, settings, now) or attempt.status == "submitted"
    if new_session or needs:
        session.commit()  # end the read snapshot and give its connection back: never hold two connections
        with session_scope(request.app.state.engine) as ws:
            locked = attempts.lock_attempt(ws, attempt_id, candidate_id=user.id)
            if locked is not None:
                if new_session:
                    attempts.note_session(ws, locked, key, ip=client_ip(request),
                                          user_agent=request.headers.get("user-agent", ""), now=now)
                attempts.sync(ws, locked, settings, now)
                if locked.status == "submitted":
                    results.try_grade(ws, locked)
        attempt = session.exec(select(Attempt).where(Attempt.id == attempt_id)
                               .execution_options(populate_existing=True)).first()
    return attempt


def _locked(request: Request, session: Session, user: User, attempt_id: int) -> Optional[Attempt]:
    """The candidate's attempt, row-locked, with passed deadlines applied (POST handlers)."""
    attempt = attempts.lock_attempt(session, attempt_id, candidate_id=user.id)
    if attempt is None:
        return None
    attempts.sync(session, attempt, request.app.state.settings, utcnow())
    if attempt.status == "submitted":
        results.try_grade(session, attempt)
    return attempt


async def _payload(request: Request) -> dict[str, Any]:
    """A JSON body, or form fields (several values of a key kept as a list)."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return {}
        return body if isinstance(body, dict) else {}
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form.keys():
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if len(values) > 1 else (values[0] if values else "")
    return out


# Parsed in an async dependency so that the handlers can be plain functions: their blocking database work
# then runs in the threadpool instead of stalling the event loop.
Payload = Annotated[dict[str, Any], Depends(_payload)]


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _start_candidate_session(request: Request, session: Session, settings, candidate: User) -> str:  # type: ignore[no-untyped-def]
    accounts.end_session(session, request.cookies.get(SESSION_COOKIE))
    return accounts.start_session(session, settings, candidate, client_ip(request),
                                  request.headers.get("user-agent", ""))


def _link_error(request: Request, reason: str, status: int, opening: Opening | None = None) -> Response:
    return render(request, "candidate/link_error.html", {"reason": reason, "opening": opening}, status_code=status)


# --- the invitation link -------------------------------------------------------------------------


def _follow(request: Request, session: Session, settings, token: str, user: Optional[User],  # type: ignore[no-untyped-def]
            switch: bool) -> Response:
    invitation = openings.find_invitation(session, token)
    if invitation is None:
        return _link_error(request, "unknown", 404)
    opening = session.get(Opening, invitation.opening_id)
    if invitation.revoked_at is not None:
        return _link_error(request, "revoked", 410, opening)
    attempt = openings.attempt_of(session, invitation)
    if attempt is None and utcnow() >= as_utc(invitation.expires_at):
        return _link_error(request, "expired", 410, opening)
    if user is not None and user.role != "candidate" and not switch:
        return render(request, "candidate/switch.html", {"token": token, "opening": opening})
    target = f"/candidate/invitations/{invitation.id}"
    if user is not None and invitation.candidate_id is not None and user.id == invitation.candidate_id:
        return RedirectResponse(target, status_code=303)
    if request.method == "POST":  # the request's own transaction already holds the write lock
        candidate = openings.candidate_for(session, invitation)
        token_value = _start_candidate_session(request, session, settings, candidate)
        session.commit()
    else:
        session.commit()  # give the read connection back before taking a writer: never hold two connections
        with session_scope(request.app.state.engine) as ws:
            inv = ws.get(Invitation, invitation.id)
            assert inv is not None
            candidate = openings.candidate_for(ws, inv)
            token_value = _start_candidate_session(request, ws, settings, candidate)
    response = RedirectResponse(target, status_code=303)
    from exam.web.auth import _set_session_cookie

    _set_session_cookie(request, response, settings, token_value)
    return response


@router.get("/i/{token}")
def follow_link(request: Request, token: str, session: SessionDep, settings: SettingsDep, user: OptionalUser) -> Response:
    """A candidate's personal link: signs them in (first time: creates their account) and shows the exam."""
    return _follow(request, session, settings, token, user, switch=False)


@router.post("/i/{token}")
def follow_link_switch(request: Request, token: str, session: SessionDep, settings: SettingsDep,
                       user: OptionalUser) -> Response:
    """Continue as the invited candidate after being signed in as staff (ends the staff session)."""
    return _follow(request, session, settings, token, user, switch=True)


# --- home and intro --------------------------------------------------------------------------------


@router.get("/candidate")
def home(request: Request, user: CandidateUser, session: SessionDep) -> Response:
    """The candidate's exams."""
    rows = []
    invitations = session.exec(select(Invitation).where(Invitation.candidate_id == user.id)
                               .order_by(Invitation.created_at.desc())).all()  # type: ignore[attr-defined]
    for invitation in invitations:
        opening = session.get(Opening, invitation.opening_id)
        attempt = openings.attempt_of(session, invitation)
        rows.append({"invitation": invitation, "opening": opening, "attempt": attempt,
                     "status": openings.invitation_status(invitation, attempt)})
    return render(request, "candidate/home.html", {"rows": rows, "labels": openings.STATUS_LABELS})


def _intro_context(request: Request, session: Session, invitation: Invitation) -> dict[str, Any]:
    opening = session.get(Opening, invitation.opening_id)
    assert opening is not None
    _, profile = papers.opening_profile(session, opening)
    intro = views.intro_view(papers.summary(profile), float(invitation.extra_time_factor or 1.0))
    return {"invitation": invitation, "opening": opening, "intro": intro, "profile_title": profile.title,
            "window": openings.window_state(opening), "error": None, "type_labels": views.TYPE_LABELS,
            "grace": request.app.state.settings.answer_grace_seconds}


@router.get("/candidate/invitations/{invitation_id}")
def intro(request: Request, invitation_id: int, user: CandidateUser, session: SessionDep) -> Response:
    """What the exam contains, how long it takes, and the data notice to accept."""
    invitation = _own_invitation(session, user, invitation_id)
    if invitation is None:
        return render(request, "errors/error.html", {"status": 404}, status_code=404)
    attempt = openings.attempt_of(session, invitation)
    if attempt is not None:
        target = "done" if attempt.status != "in_progress" else ""
        return RedirectResponse(f"/candidate/attempts/{attempt.id}" + (f"/{target}" if target else ""), status_code=303)
    return render(request, "candidate/invitation.html", _intro_context(request, session, invitation))


@router.post("/candidate/invitations/{invitation_id}/start")
def start(request: Request, payload: Payload, invitation_id: int, user: CandidateUser, session: SessionDep) -> Response:
    """Accept the data notice and start the exam (a second start returns the same attempt)."""
    form = payload
    invitation = _own_invitation(session, user, invitation_id)
    if invitation is None:
        return render(request, "errors/error.html", {"status": 404}, status_code=404)
    existing = openings.attempt_of(session, invitation)
    if existing is not None:
        return RedirectResponse(f"/candidate/attempts/{existing.id}", status_code=303)
    if form.get("accept") not in ("1", "on", "yes", "true"):
        ctx = _intro_context(request, session, invitation)
        ctx["error"] = _("Please read the data notice and tick the box to accept it.")
        return render(request, "candidate/invitation.html", ctx, status_code=422)
    now = utcnow()
    attempts.accept_notice(session, invitation, now)
    try:
        attempt = attempts.start_attempt(session, invitation, user, now=now)
    except attempts.ExamError as exc:
        session.rollback()
        ctx = _intro_context(request, session, invitation)
        ctx["error"] = exc.translated()
        return render(request, "candidate/invitation.html", ctx, status_code=exc.status)
    accounts.audit(session, user, "attempt.start", "attempt", str(attempt.id),
                   after={"opening": attempt.opening_id, "deadline": as_utc(attempt.deadline_at).isoformat()})
    session.commit()
    return RedirectResponse(f"/candidate/attempts/{attempt.id}", status_code=303)


# --- the exam -----------------------------------------------------------------------------------------


@router.get("/candidate/attempts/{attempt_id}")
def exam_page(request: Request, attempt_id: int, user: CandidateUser, session: SessionDep) -> Response:
    """The running section: items, clock, autosave."""
    attempt = _prepare(request, session, user, attempt_id)
    if attempt is None:
        return render(request, "errors/error.html", {"status": 404}, status_code=404)
    if attempt.status != "in_progress":
        return RedirectResponse(f"/candidate/attempts/{attempt.id}/done", status_code=303)
    view = views.exam_view(session, attempt)
    opening = session.get(Opening, attempt.opening_id)
    settings = request.app.state.settings
    return render(request, "candidate/exam.html", {"exam": view, "opening": opening,
                                                   "grace": settings.answer_grace_seconds,
                                                   "stage_labels": views.STAGE_LABELS,
                                                   "page_id": security.new_token()[:12]})


@router.get("/candidate/attempts/{attempt_id}/state")
def state(request: Request, attempt_id: int, user: CandidateUser, session: SessionDep) -> Response:
    """The server's clock and the attempt's state (the page follows it)."""
    attempt = _prepare(request, session, user, attempt_id)
    if attempt is None:
        return _not_found()
    return JSONResponse(views.state_view(session, attempt))


@router.post("/candidate/attempts/{attempt_id}/items/{position}")
def save(request: Request, payload: Payload, attempt_id: int, position: int, user: CandidateUser, session: SessionDep) -> Response:
    """Autosave one answer: JSON ``{"version", "answer": {...}, "meta": {...}}`` or form fields + ``version``.

    409 ``stale`` when ``version`` is not the stored one, 409 ``closed`` after the deadline plus the grace.
    """
    body = payload
    attempt = _locked(request, session, user, attempt_id)
    if attempt is None:
        return _not_found()
    if "answer" in body and isinstance(body["answer"], dict):
        data, meta = body["answer"], body.get("meta") if isinstance(body.get("meta"), dict) else {}
    else:
        data = {k: v for k, v in body.items() if k not in RESERVED_FIELDS}
        meta = {"inputs": _int(body.get("inputs")), "page": body.get("page"), "restored": body.get("restored")}
    version = _int(body.get("version"))
    if version is None:
        return JSONResponse({"ok": False, "error": "invalid", "message": _("The answer's version is missing.")},
                            status_code=422)
    if meta.get("restored") in (True, "1", "true"):
        meta = {}  # text restored after a reload: no keystroke comparison
    try:
        result = attempts.save_answer(session, attempt, position, data, version, request.app.state.settings,
                                      meta=meta)
    except attempts.ExamError as exc:
        session.commit()
        return _json_error(exc)
    session.commit()
    answer = result.answer
    return JSONResponse({"ok": True, "version": answer.version, "saved_at": as_utc(answer.updated_at).isoformat(),
                         "answered": attempts.is_answered(attempts.item_at(attempt, position).item.get("type", ""),  # type: ignore[union-attr]
                                                          answer.response),
                         "typing": result.typing})


@router.post("/candidate/attempts/{attempt_id}/items/{position}/start")
def start_typing(request: Request, attempt_id: int, position: int, user: CandidateUser, session: SessionDep) -> Response:
    """Start a typing test's clock on the server (start button or first keystroke)."""
    attempt = _locked(request, session, user, attempt_id)
    if attempt is None:
        return _not_found()
    try:
        result = attempts.start_typing(session, attempt, position, request.app.state.settings)
    except attempts.ExamError as exc:
        session.commit()
        return _json_error(exc)
    session.commit()
    return JSONResponse({"ok": True, "version": result.answer.version, "typing": result.typing,
                         "server_now": utcnow().isoformat()})


@router.post("/candidate/attempts/{attempt_id}/items/{position}/flag")
def flag(request: Request, payload: Payload, attempt_id: int, position: int, user: CandidateUser, session: SessionDep) -> Response:
    """Flag a question for review, or clear the flag."""
    body = payload
    attempt = _locked(request, session, user, attempt_id)
    if attempt is None:
        return _not_found()
    flagged = body.get("flagged") in (True, 1, "1", "true", "on")
    try:
        answer = attempts.set_flag(session, attempt, position, flagged, request.app.state.settings)
    except attempts.ExamError as exc:
        session.commit()
        return _json_error(exc)
    session.commit()
    return JSONResponse({"ok": True, "flagged": answer.flagged})


@router.post("/candidate/attempts/{attempt_id}/events")
def events(request: Request, payload: Payload, attempt_id: int, user: CandidateUser, session: SessionDep) -> Response:
    """Integrity events from the page, in batches (``navigator.sendBeacon`` on pagehide sends a form)."""
    body = payload
    batch = body.get("events")
    if isinstance(batch, str):
        try:
            batch = json.loads(batch)
        except ValueError:
            batch = None
    attempt = attempts.lock_attempt(session, attempt_id, candidate_id=user.id)
    if attempt is None:
        return _not_found()
    stored = 0
    if attempt.status == "in_progress":
        stored = attempts.record_client_events(session, attempt, batch)
    session.commit()
    return JSONResponse({"ok": True, "stored": stored})


@router.post("/candidate/attempts/{attempt_id}/sections/{section_id}/submit")
def submit_section(request: Request, payload: Payload, attempt_id: int, section_id: str, user: CandidateUser,
                         session: SessionDep) -> Response:
    """Submit the running section (the button, or the page when the timer reaches zero). Harmless twice."""
    body = payload
    attempt = _locked(request, session, user, attempt_id)
    if attempt is None:
        return render(request, "errors/error.html", {"status": 404}, status_code=404)
    finished = attempts.submit_section(session, attempt, section_id, request.app.state.settings)
    if finished and attempt.status == "submitted":
        results.try_grade(session, attempt)
    if body.get("auto") == "1" and attempt.status != "in_progress":
        accounts.audit(session, user, "attempt.auto_submit", "attempt", str(attempt.id))
    session.commit()
    target = f"/candidate/attempts/{attempt.id}" + ("/done" if attempt.status != "in_progress" else "")
    return RedirectResponse(target, status_code=303)


@router.get("/candidate/attempts/{attempt_id}/done")
def done(request: Request, attempt_id: int, user: CandidateUser, session: SessionDep) -> Response:
    """The confirmation page (and a result summary when the opening allows it)."""
    attempt = _prepare(request, session, user, attempt_id)
    if attempt is None:
        return render(request, "errors/error.html", {"status": 404}, status_code=404)
    if attempt.status == "in_progress":
        return RedirectResponse(f"/candidate/attempts/{attempt.id}", status_code=303)
    opening = session.get(Opening, attempt.opening_id)
    summary = results.summary_for_candidate(attempt) if opening and opening.show_result and attempt.status == "graded" else []
    return render(request, "candidate/done.html", {"attempt": attempt, "opening": opening, "summary": summary})
