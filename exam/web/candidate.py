"""Candidate pages: the invitation link, the data notice, the timed exam (autosave, clocks, integrity
signals) and the confirmation. Parsing and rendering only; exam_service does the work and owns the transactions."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session

from exam import security
from exam.i18n import gettext as _
from exam.models import User
from exam.services import candidate_exam as exam_service
from exam.services import candidate_views
from exam.services.candidate_exam import ExamError
from exam.services.openings import STATUS_LABELS
from exam.settings import Settings
from exam.timeutil import utcnow
from exam.web.cookies import SESSION_COOKIE, set_session_cookie
from exam.web.deps import CandidateUser, IdPath, OptionalUser, PositionPath, SessionDep, SettingsDep, client_ip
from exam.web.templating import render

router = APIRouter()

RESERVED_FIELDS = {"csrf_token", "version", "inputs", "page", "restored", "seconds"}
MAX_VERSION = 2**31 - 1
UNREADABLE = "_unreadable"  # a body that is not JSON we can read (e.g. nested too deeply)
ACCEPT_VALUES = ("1", "on", "yes", "true")


# --- parsing ----------------------------------------------------------------------------------------


def json_payload(raw: bytes) -> dict[str, Any]:
    """A JSON body as a dict ({} when it is not one; the UNREADABLE mark when nested too deeply)."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    except RecursionError:
        return {UNREADABLE: True}
    return body if isinstance(body, dict) else {}


async def _payload(request: Request) -> dict[str, Any]:
    """A JSON body, or form fields (several values of a key kept as a list)."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        return json_payload(await request.body())
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form.keys():
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if len(values) > 1 else (values[0] if values else "")
    return out


def _json_body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """The OpenAPI request body of an exam call (the page sends JSON; the handlers parse it themselves)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


SAVE_BODY = _json_body(
    {
        "version": {"type": "integer", "minimum": 0},
        "answer": {"type": "object", "additionalProperties": True},
        "meta": {"type": "object", "additionalProperties": True},
    },
    ["version", "answer"],
)
EVENTS_BODY = _json_body({"events": {"type": "array", "items": {"type": "object", "additionalProperties": True}}})
FLAG_BODY = _json_body({"flagged": {"type": "boolean"}})


# Parsed in an async dependency so that the handlers can be plain functions: their blocking database work
# then runs in the threadpool instead of stalling the event loop.
Payload = Annotated[dict[str, Any], Depends(_payload)]


def _int(value: Any, default: int | None = None) -> int | None:
    """An integer within 0..2^31-1 (anything else: the default)."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or len(text) > 10 or int(text) > MAX_VERSION:
        return default
    return int(text)


def _client(request: Request) -> exam_service.Client:
    return exam_service.Client.of(
        request.cookies.get(SESSION_COOKIE), client_ip(request), request.headers.get("user-agent", "")
    )


def _answer_parts(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(answer data, page counters) of a save: JSON ``{"answer", "meta"}`` or plain form fields."""
    if "answer" in body and isinstance(body["answer"], dict):
        data, meta = body["answer"], body.get("meta") if isinstance(body.get("meta"), dict) else {}
    else:
        data = {k: v for k, v in body.items() if k not in RESERVED_FIELDS}
        meta = {"inputs": _int(body.get("inputs")), "page": body.get("page"), "restored": body.get("restored")}
        meta["seconds"] = _int(body.get("seconds"))
    if meta.get("restored") in (True, "1", "true"):
        meta = {"seconds": meta.get("seconds")}  # text restored after a reload: no keystroke comparison
    return data, meta


# --- rendering --------------------------------------------------------------------------------------


def _json_error(exc: ExamError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error": exc.code, "message": exc.translated()}
    body.update({k: v for k, v in exc.extra.items() if k in ("version", "response")})
    return JSONResponse(body, status_code=exc.status)


def _json_not_found() -> JSONResponse:
    return JSONResponse({"ok": False, "error": "not_found", "message": _("Not found.")}, status_code=404)


def _page_not_found(request: Request) -> Response:
    return render(request, "errors/error.html", {"status": 404}, status_code=404)


def _intro_page(request: Request, context: dict[str, Any], error: str | None = None, status: int = 200) -> Response:
    context = {
        **context,
        "error": error,
        "type_labels": candidate_views.TYPE_LABELS,
        "grace": request.app.state.settings.answer_grace_seconds,
    }
    return render(request, "candidate/invitation.html", context, status_code=status)


def _to_attempt(attempt_id: int, done: bool = False) -> RedirectResponse:
    return RedirectResponse(f"/candidate/attempts/{attempt_id}" + ("/done" if done else ""), status_code=303)


# --- the invitation link -------------------------------------------------------------------------


def _follow(
    request: Request, session: SessionDep, settings: SettingsDep, token: str, user: OptionalUser, switch: bool
) -> Response:
    outcome = exam_service.follow_link(
        session,
        settings,
        token,
        user,
        switch=switch,
        client=_client(request),
        old_session_token=request.cookies.get(SESSION_COOKIE),
    )
    if outcome.kind == "error":
        return render(
            request,
            "candidate/link_error.html",
            {"reason": outcome.reason, "opening": outcome.opening},
            status_code=outcome.status,
        )
    if outcome.kind == "switch":
        return render(request, "candidate/switch.html", {"token": token, "opening": outcome.opening})
    response = RedirectResponse(outcome.target, status_code=303)
    if outcome.session_token:
        set_session_cookie(request, response, settings, outcome.session_token)
    return response


@router.get("/i/{token}")
def follow_link(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, user: OptionalUser
) -> Response:
    """A candidate's personal link: signs them in (first time: creates their account) and shows the exam."""
    return _follow(request, session, settings, token, user, switch=False)


@router.post("/i/{token}")
def follow_link_switch(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, user: OptionalUser
) -> Response:
    """Continue as the invited candidate after being signed in as staff (ends the staff session)."""
    return _follow(request, session, settings, token, user, switch=True)


# --- home and intro --------------------------------------------------------------------------------


@router.get("/candidate")
def home(request: Request, user: CandidateUser, session: SessionDep) -> Response:
    """The candidate's exams."""
    return render(
        request, "candidate/home.html", {"rows": exam_service.home_rows(session, user), "labels": STATUS_LABELS}
    )


@router.get("/candidate/invitations/{invitation_id}")
def intro(request: Request, invitation_id: IdPath, user: CandidateUser, session: SessionDep) -> Response:
    """What the exam contains, how long it takes, and the data notice to accept."""
    invitation = exam_service.own_invitation(session, user, invitation_id)
    if invitation is None:
        return _page_not_found(request)
    attempt = exam_service.attempt_of(session, invitation)
    if attempt is not None:
        return _to_attempt(attempt.id, done=attempt.status != "in_progress")  # type: ignore[arg-type]
    return _intro_page(request, exam_service.intro(session, invitation))


@router.post("/candidate/invitations/{invitation_id}/start")
def start(
    request: Request, payload: Payload, invitation_id: IdPath, user: CandidateUser, session: SessionDep
) -> Response:
    """Accept the data notice and start the exam (a second start returns the same attempt)."""
    invitation = exam_service.own_invitation(session, user, invitation_id)
    if invitation is None:
        return _page_not_found(request)
    existing = exam_service.attempt_of(session, invitation)
    if existing is not None:
        return _to_attempt(existing.id)  # type: ignore[arg-type]
    if payload.get("accept") not in ACCEPT_VALUES:
        return _intro_page(
            request,
            exam_service.intro(session, invitation),
            _("Please read the data notice and tick the box to accept it."),
            422,
        )
    try:
        attempt = exam_service.start(session, user, invitation)
    except ExamError as exc:
        return _intro_page(request, exam_service.intro(session, invitation), exc.translated(), exc.status)
    return _to_attempt(attempt.id)  # type: ignore[arg-type]


# --- the exam -----------------------------------------------------------------------------------------


@router.get("/candidate/attempts/{attempt_id}")
def exam_page(
    request: Request, attempt_id: IdPath, user: CandidateUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The running section: items, clock, autosave."""
    attempt = exam_service.open_attempt(session, user, attempt_id, settings, _client(request))
    if attempt is None:
        return _page_not_found(request)
    if attempt.status != "in_progress":
        return _to_attempt(attempt.id, done=True)  # type: ignore[arg-type]
    return render(
        request,
        "candidate/exam.html",
        {
            **exam_service.exam_view(session, attempt),
            "grace": settings.answer_grace_seconds,
            "stage_labels": candidate_views.STAGE_LABELS,
            "page_id": security.new_token()[:12],
        },
    )


@router.get("/candidate/attempts/{attempt_id}/state")
def state(
    request: Request, attempt_id: IdPath, user: CandidateUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The server's clock and the attempt's state (the page follows it; mostly answered by exam.web.fast_exam)."""
    return state_response(request, session, user, attempt_id, settings)


def state_response(request: Request, session: Session, user: User, attempt_id: int, settings: Settings) -> Response:
    """The state poll's answer (shared by the route and the fast path)."""
    attempt = exam_service.open_attempt(session, user, attempt_id, settings, _client(request))
    if attempt is None:
        return _json_not_found()
    return JSONResponse(exam_service.state(session, attempt))


@router.post("/candidate/attempts/{attempt_id}/items/{position}", openapi_extra=SAVE_BODY)
def save(
    payload: Payload,
    attempt_id: IdPath,
    position: PositionPath,
    user: CandidateUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Autosave one answer: JSON ``{"version", "answer": {...}, "meta": {...}}`` or form fields + ``version``.

    409 ``stale`` when ``version`` is not the stored one, 409 ``closed`` after the deadline plus the grace.
    Most saves do not come here: :mod:`exam.web.fast_exam` answers them with :func:`save_response` directly.
    """
    return save_response(session, user, attempt_id, position, payload, settings)


def save_response(
    session: Session, user: User, attempt_id: int, position: int, payload: dict[str, Any], settings: Settings
) -> Response:
    """The autosave's answer to a parsed body (shared by the route and the fast path)."""
    version = _int(payload.get("version"))
    if version is None or payload.get(UNREADABLE):
        return JSONResponse(
            {"ok": False, "error": "invalid", "message": _("The answer's version is missing.")}, status_code=422
        )
    data, meta = _answer_parts(payload)
    try:
        saved = exam_service.save(session, user, attempt_id, position, data, version, meta, settings)
    except ExamError as exc:
        return _json_error(exc)
    if saved is None:
        return _json_not_found()
    return JSONResponse(
        {
            "ok": True,
            "version": saved.version,
            "saved_at": saved.saved_at,
            "answered": saved.answered,
            "typing": saved.typing,
        }
    )


@router.post("/candidate/attempts/{attempt_id}/items/{position}/start")
def start_typing(
    attempt_id: IdPath, position: PositionPath, user: CandidateUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Start a typing test's clock on the server (start button or first keystroke)."""
    try:
        saved = exam_service.start_typing(session, user, attempt_id, position, settings)
    except ExamError as exc:
        return _json_error(exc)
    if saved is None:
        return _json_not_found()
    return JSONResponse(
        {"ok": True, "version": saved.version, "typing": saved.typing, "server_now": utcnow().isoformat()}
    )


@router.post("/candidate/attempts/{attempt_id}/items/{position}/flag", openapi_extra=FLAG_BODY)
def flag(
    payload: Payload,
    attempt_id: IdPath,
    position: PositionPath,
    user: CandidateUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Flag a question for review, or clear the flag."""
    wanted = payload.get("flagged") in (True, 1, "1", "true", "on")
    try:
        flagged = exam_service.flag(session, user, attempt_id, position, wanted, settings)
    except ExamError as exc:
        return _json_error(exc)
    if flagged is None:
        return _json_not_found()
    return JSONResponse({"ok": True, "flagged": flagged})


@router.post("/candidate/attempts/{attempt_id}/events", openapi_extra=EVENTS_BODY)
def events(payload: Payload, attempt_id: IdPath, user: CandidateUser, session: SessionDep) -> Response:
    """Integrity events from the page, in batches (``navigator.sendBeacon`` on pagehide sends a form)."""
    batch = payload.get("events")
    if isinstance(batch, str):
        try:
            batch = json.loads(batch)
        except (ValueError, RecursionError):
            batch = None
    if payload.get(UNREADABLE):
        return JSONResponse(
            {"ok": False, "error": "invalid", "message": _("The request could not be read.")}, status_code=422
        )
    stored = exam_service.record_events(session, user, attempt_id, batch)
    if stored is None:
        return _json_not_found()
    return JSONResponse({"ok": True, "stored": stored})


@router.post("/candidate/attempts/{attempt_id}/sections/{section_id}/submit")
def submit_section(
    request: Request,
    payload: Payload,
    attempt_id: IdPath,
    section_id: Annotated[str, Path(max_length=64)],
    user: CandidateUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Submit the running section (the button, or the page when the timer reaches zero). Harmless twice."""
    attempt = exam_service.submit_section(
        session, user, attempt_id, section_id, settings, auto=payload.get("auto") == "1"
    )
    if attempt is None:
        return _page_not_found(request)
    finished = attempt.status != "in_progress"
    if payload.get("auto") == "1" and not finished:
        # the clock ran out: the next part says so, visibly
        return RedirectResponse(f"/candidate/attempts/{attempt.id}?timeup=1", status_code=303)
    return _to_attempt(attempt.id, done=finished)  # type: ignore[arg-type]


@router.get("/candidate/attempts/{attempt_id}/done")
def done(
    request: Request, attempt_id: IdPath, user: CandidateUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The confirmation page (and a result summary when the opening allows it)."""
    attempt = exam_service.open_attempt(session, user, attempt_id, settings, _client(request))
    if attempt is None:
        return _page_not_found(request)
    if attempt.status == "in_progress":
        return _to_attempt(attempt.id)  # type: ignore[arg-type]
    return render(request, "candidate/done.html", {"attempt": attempt, **exam_service.finished(session, attempt)})
