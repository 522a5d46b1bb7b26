"""HR pages: openings (create, list), invitations (one by one or CSV), links, status and extra time.

Rankings and reports live in exam/web/hr_review.py (``/hr/openings/{id}/ranking``, ``/hr/attempts/{id}``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import Session, select

from exam.i18n import gettext as _
from exam.models import Attempt, Invitation, JobProfile, Opening, User
from exam.security import N_
from exam.services import access, invitation_links, mail, openings
from exam.timeutil import from_display, to_display, utcnow
from exam.web.deps import HROpening, HRUser, IdPath, SessionDep, public_base_url
from exam.web.templating import _is_htmx, render

router = APIRouter(prefix="/hr")

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _profiles(session: Session) -> list[JobProfile]:
    return list(session.exec(select(JobProfile).where(JobProfile.status == "active").order_by(JobProfile.id)).all())


def _opening_rows(session: Session, user: User) -> list[dict[str, Any]]:
    opening_list = access.openings_for(session, user)
    ids = [o.id for o in opening_list] or [-1]
    invited = dict(
        session.exec(
            select(Invitation.opening_id, func.count())
            .where(Invitation.opening_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(Invitation.opening_id)
        ).all()
    )  # type: ignore[arg-type]
    started = dict(
        session.exec(
            select(Attempt.opening_id, func.count())
            .where(Attempt.opening_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(Attempt.opening_id)
        ).all()
    )  # type: ignore[arg-type]
    finished = dict(
        session.exec(
            select(Attempt.opening_id, func.count())
            .where(Attempt.status != "in_progress", Attempt.opening_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(Attempt.opening_id)
        ).all()
    )  # type: ignore[arg-type]
    profiles = {p.id: p for p in session.exec(select(JobProfile)).all()}
    return [
        {
            "opening": o,
            "profile": profiles.get(o.profile_id),
            "state": openings.window_state(o),
            "invited": invited.get(o.id, 0),
            "started": started.get(o.id, 0),
            "finished": finished.get(o.id, 0),
        }
        for o in opening_list
    ]


def _default_form() -> dict[str, Any]:
    now = to_display(utcnow()).replace(second=0, microsecond=0)
    return {
        "title": "",
        "profile_id": "",
        "opens_at": now.strftime(DATETIME_FORMAT),
        "closes_at": (now + timedelta(days=14)).strftime(DATETIME_FORMAT),
        "show_result": False,
        "retention_days": 180,
    }


def _home(
    request: Request,
    session: Session,
    user: User,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "hr/home.html",
        {
            "rows": _opening_rows(session, user),
            "profiles": _profiles(session),
            "form": form or _default_form(),
            "error": error,
            "state_labels": STATE_LABELS,
        },
        status_code=status_code,
    )


STATE_LABELS = {"upcoming": N_("Not open yet"), "open": N_("Open"), "closed": N_("Closed")}


@router.get("")
def home(request: Request, user: HRUser, session: SessionDep) -> Response:
    """The HR home page: openings, and a form to create one."""
    return _home(request, session, user)


def _parse_dt(value: str) -> datetime:
    value = (value or "").strip()
    for fmt in (DATETIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if not openings.MIN_YEAR <= parsed.year <= openings.MAX_YEAR:
            raise openings.OpeningError(
                N_("Enter a date between the years %(lo)s and %(hi)s."), lo=openings.MIN_YEAR, hi=openings.MAX_YEAR
            )
        return from_display(parsed)
    raise openings.OpeningError(N_("Enter dates as YYYY-MM-DD HH:MM."))


@router.post("/openings")
def create_opening(
    request: Request,
    user: HRUser,
    session: SessionDep,
    title: Annotated[str, Form(max_length=300)] = "",
    profile_id: Annotated[str, Form()] = "",
    opens_at: Annotated[str, Form()] = "",
    closes_at: Annotated[str, Form()] = "",
    show_result: Annotated[str, Form()] = "",
    retention_days: Annotated[str, Form()] = "180",
) -> Response:
    """Create an opening from a job profile."""
    form = {
        "title": title,
        "profile_id": profile_id,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "show_result": bool(show_result),
        "retention_days": retention_days,
    }
    try:
        try:
            days = int(retention_days)
        except ValueError:
            raise openings.OpeningError(N_("Keep the data between 1 and 3650 days.")) from None
        opening = openings.create_opening(
            session,
            title=title,
            profile_id=profile_id,
            opens_at=_parse_dt(opens_at),
            closes_at=_parse_dt(closes_at),
            show_result=bool(show_result),
            retention_days=days,
            actor=user,
        )
    except openings.OpeningError as exc:
        return _home(request, session, user, form, exc.translated(), 422)
    return RedirectResponse(f"/hr/openings/{opening.id}", status_code=303)


def _row(
    request: Request,
    session: Session,
    invitation: Invitation,
    attempts_by_candidate: dict[int, Attempt] | None = None,
    deliveries: dict[int, Any] | None = None,
) -> dict[str, Any]:
    if attempts_by_candidate is not None:
        attempt = attempts_by_candidate.get(invitation.candidate_id) if invitation.candidate_id else None  # type: ignore[arg-type]
    else:
        attempt = openings.attempt_of(session, invitation)
    status = openings.invitation_status(invitation, attempt)
    if deliveries is None:
        deliveries = mail.latest(session, [invitation.id])
    return {
        "invitation": invitation,
        "attempt": attempt,
        "status": status,
        # None when the link was made under a secret key that is no longer configured (EXAM_SECRET_KEY_PREVIOUS)
        "link": invitation_links.link(public_base_url(request), request.app.state.secret_keys, invitation),
        "delivery": deliveries.get(invitation.id),
    }


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 8 else 1


def _rows(request: Request, session: Session, opening: Opening) -> dict[str, Any]:
    """One page of the invitations list (the page and search of the query string) and its pager."""
    query = request.query_params.get("q", "")
    found = invitation_links.invitation_page(session, opening, _page_number(request), query)
    deliveries = mail.latest(session, [inv.id for inv in found.invitations])
    base = f"/hr/openings/{opening.id}"

    def page_url(n: int) -> str:
        params = {k: v for k, v in (("q", query.strip()), ("page", str(n) if n > 1 else "")) if v}
        return base + ("?" + urlencode(params) if params else "") + "#invitations"

    return {
        "rows": [_row(request, session, inv, found.attempts, deliveries) for inv in found.invitations],
        "invitations_page": found,
        "invitations_query": query.strip()[:100],
        "invitations_url": page_url,
    }


def _sharing(request: Request, session: Session, opening: Opening) -> dict[str, Any]:
    """Who owns the opening, who it is shared with, and whom the owner can still share it with."""
    user = request.state.user
    shared = access.shares_of(session, opening)
    taken = {u.id for u in shared} | {opening.owner_id}
    return {
        "owner": session.get(User, opening.owner_id) if opening.owner_id else None,
        "shared_with": shared,
        "share_candidates": [u for u in access.hr_users(session) if u.id not in taken],
        "is_owner": user is not None and opening.owner_id == user.id,
    }


def _opening_context(request: Request, session: Session, opening: Opening, **extra: Any) -> dict[str, Any]:
    profile = session.get(JobProfile, opening.profile_id)
    ctx = {
        "sharing": _sharing(request, session, opening),
        "share_error": None,
        "opening": opening,
        "profile": profile,
        "state": openings.window_state(opening),
        **_rows(request, session, opening),
        "labels": openings.STATUS_LABELS,
        "delivery_labels": mail.STATUS_LABELS,
        "smtp_enabled": request.app.state.settings.smtp_enabled,
        "state_labels": STATE_LABELS,
        "created": [],
        "problems": [],
        "error": None,
        "notice": None,
        "form": {"extra_time_factor": "1"},
        "min_factor": f"{openings.MIN_FACTOR:g}",
        "max_factor": f"{openings.MAX_FACTOR:g}",
    }
    ctx.update(extra)
    return ctx


@router.get("/openings/{opening_id}")
def opening_page(request: Request, opening: HROpening, session: SessionDep) -> Response:
    """One opening: invite candidates, see their links and status (a page at a time, searchable), extra time, sharing."""
    template = "hr/_invitations.html" if request.headers.get("HX-Target") == "invitations" else "hr/opening.html"
    return render(request, template, _opening_context(request, session, opening))


def _invitations_response(
    request: Request, session: Session, opening: Opening, status_code: int = 200, **extra: Any
) -> Response:
    template = "hr/_invitations.html" if _is_htmx(request) else "hr/opening.html"
    return render(request, template, _opening_context(request, session, opening, **extra), status_code=status_code)


@router.post("/openings/{opening_id}/invitations")
def invite(
    request: Request,
    opening: HROpening,
    user: HRUser,
    session: SessionDep,
    name: Annotated[str, Form(max_length=300)] = "",
    email: Annotated[str, Form(max_length=300)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    extra_time_factor: Annotated[str, Form(max_length=20)] = "1",
) -> Response:
    """Invite one candidate; the new link is shown at once."""
    form = {"name": name, "email": email, "phone": phone, "extra_time_factor": extra_time_factor}
    try:
        invitation, _token = openings.invite(
            session,
            opening,
            name=name,
            email=email,
            phone=phone,
            extra_time_factor=extra_time_factor or "1",
            actor=user,
            secret_key=request.app.state.secret_key,
        )
    except openings.OpeningError as exc:
        return _invitations_response(request, session, opening, 422, error=exc.translated(), form=form)
    created = [_row(request, session, invitation)]
    return _invitations_response(
        request,
        session,
        opening,
        created=created,
        notice=_("Invitation created for %(name)s.") % {"name": invitation.name}
        + _factor_note(invitation.extra_time_factor),
    )


@router.post("/openings/{opening_id}/invitations/csv")
def invite_csv(
    request: Request, opening: HROpening, user: HRUser, session: SessionDep, file: UploadFile | None = None
) -> Response:
    """Invite everyone in a CSV file (name, phone or e-mail); bad rows are reported, good rows kept."""
    if file is None or not file.filename:
        return _invitations_response(request, session, opening, 422, error=_("Choose a CSV or Excel file to upload."))
    raw = file.file.read(openings.MAX_CSV_BYTES + 1)
    try:
        report = openings.import_csv(
            session, opening, raw, secret_key=request.app.state.secret_key, actor=user, filename=file.filename or ""
        )
    except openings.OpeningError as exc:
        return _invitations_response(request, session, opening, 422, error=exc.translated())
    created = [_row(request, session, inv) for inv, _t in report.created]
    notice = _("%(good)s invitations created, %(bad)s rows refused.") % {
        "good": len(report.created),
        "bad": len(report.problems),
    }
    return _invitations_response(
        request,
        session,
        opening,
        200 if report.created or not report.problems else 422,
        created=created,
        problems=report.problems,
        notice=notice,
    )


def _row_response(
    request: Request,
    session: Session,
    invitation: Invitation,
    status_code: int = 200,
    error: str | None = None,
    notice: str = "",
) -> Response:
    if not _is_htmx(request):
        return RedirectResponse(f"/hr/openings/{invitation.opening_id}", status_code=303)
    ctx = {
        "row": _row(request, session, invitation),
        "labels": openings.STATUS_LABELS,
        "delivery_labels": mail.STATUS_LABELS,
        "smtp_enabled": request.app.state.settings.smtp_enabled,
        "row_error": error,
        "row_notice": notice,
    }
    return render(request, "hr/_invitation_row.html", ctx, status_code=status_code)


def _invitation_or_404(session: Session, user: User, invitation_id: int) -> Invitation:
    return access.require_invitation(session, user, invitation_id, "edit")


@router.post("/invitations/{invitation_id}/extra-time")
def extra_time(
    request: Request,
    invitation_id: IdPath,
    user: HRUser,
    session: SessionDep,
    extra_time_factor: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Set a candidate's extra-time factor (before the exam starts)."""
    invitation = _invitation_or_404(session, user, invitation_id)
    try:
        openings.set_extra_time(session, invitation, extra_time_factor, actor=user)
    except openings.OpeningError as exc:
        return _row_response(request, session, invitation, 422, exc.translated())
    return _row_response(request, session, invitation, notice=_factor_note(invitation.extra_time_factor).strip())


@router.post("/invitations/{invitation_id}/revoke")
def revoke(request: Request, invitation_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """Withdraw an invitation whose exam has not started."""
    invitation = _invitation_or_404(session, user, invitation_id)
    try:
        openings.revoke(session, invitation, actor=user)
    except openings.OpeningError as exc:
        return _row_response(request, session, invitation, 422, exc.translated())
    return _row_response(request, session, invitation, notice=_factor_note(invitation.extra_time_factor).strip())


def _factor_note(factor: float) -> str:
    """What a time factor other than 1 means, said when HR sets it."""
    if factor == 1:
        return ""
    return " " + _("Time factor %(f)s: every section lasts %(f)s times the normal time.") % {"f": f"{factor:g}"}


# --- sharing ---------------------------------------------------------------------------------------------


@router.post("/openings/{opening_id}/shares")
def share(
    request: Request,
    opening_id: IdPath,
    user: HRUser,
    session: SessionDep,
    user_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    """The owner shares the opening with another HR user."""
    try:
        access.share(session, user, opening_id, user_id)
    except access.SharingError as exc:
        opening = access.require_opening(session, user, opening_id)
        ctx = _opening_context(request, session, opening, share_error=exc.translated())
        return render(request, "hr/opening.html", ctx, status_code=422)
    return RedirectResponse(f"/hr/openings/{opening_id}#sharing", status_code=303)


@router.post("/openings/{opening_id}/shares/{user_id}/delete")
def unshare(request: Request, opening_id: IdPath, user_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """The owner stops sharing the opening with an HR user."""
    access.unshare(session, user, opening_id, user_id)
    return RedirectResponse(f"/hr/openings/{opening_id}#sharing", status_code=303)
