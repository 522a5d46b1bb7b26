"""HR: a candidate's report, overrides of reply marks, decisions, and the candidate's data rights."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from exam.hiring.explain import DECISION_LABELS, decision_label, status_label
from exam.i18n import gettext as _
from exam.models import Attempt
from exam.security import N_
from exam.services import access, accounts, data_rights, review
from exam.services.reports import build_report
from exam.web.deps import HRAttempt, HRUser, IdPath, ReviewerUser, SessionDep
from exam.web.hr.common import COMMON, opening_or_404
from exam.web.templating import render

router = APIRouter(prefix="/hr")


# --- report ----------------------------------------------------------------------------------------


def _report_response(
    request: Request,
    session: Session,
    attempt: Attempt,
    user: Any,
    *,
    error: str | None = None,
    error_for: str | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    opening = opening_or_404(session, attempt.opening_id)
    profile = review.profile_of(session, opening)
    hr = user.role == "hr"  # trainers read the replies under a pseudonym, to calibrate the rubrics
    report = build_report(session, attempt, profile, pseudonymous=not hr)
    return render(
        request,
        "hr/review/report.html",
        {
            **COMMON,
            "r": report,
            "opening": opening,
            "error": error,
            "error_for": error_for,
            "notice": notice,
            "decisions": list(DECISION_LABELS.items()),
            "decision_label": decision_label,
            "status_label": status_label,
            "can_decide": hr,
            "can_delete": hr and access.allowed(session, user, opening, "owner"),
            "pseudonymous": not hr,
        },
        status_code=status_code,
    )


@router.get("/attempts/{attempt_id}")
def report_page(request: Request, attempt_id: IdPath, user: ReviewerUser, session: SessionDep) -> Response:
    """A candidate's report: hiring score explained, every section with evidence, integrity timeline, audit.

    HR users see the attempts of their openings; trainers see any attempt, under a pseudonym, without contact
    details, review history or the ability to change marks (they calibrate rubrics, they do not hire).
    """
    attempt = access.require_attempt(session, user, attempt_id, "view" if user.role == "hr" else "calibrate")
    notice = {
        "override": _("The mark was changed; the scores and the ranking are updated."),
        "decision": _("The decision was saved."),
    }.get(request.query_params.get("saved", ""))
    return _report_response(request, session, attempt, user, notice=notice)


def _float_or_none(value: str) -> float | None:
    value = (value or "").strip().replace(",", ".")
    if value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise review.ReviewError(N_("Points must be a number.")) from None


@router.post("/attempts/{attempt_id}/override")
def override(
    request: Request,
    attempt: HRAttempt,
    user: HRUser,
    session: SessionDep,
    answer_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    criterion_id: Annotated[str, Form()],
    points: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    remove: Annotated[str, Form()] = "",
) -> Response:
    """Override (or restore) one reply criterion's points, with a required comment; regrades at once (HR only)."""
    attempt_id = attempt.id
    assert attempt_id is not None
    try:
        value = None if remove else _float_or_none(points)
        if value is None and not remove:
            raise review.ReviewError(N_("Give the points, or restore the automatic mark."))
        if review.override(session, user, attempt_id, answer_id, criterion_id, value, comment) is None:
            raise HTTPException(404)
    except review.ReviewError as exc:
        answer = review.answer_of(session, attempt_id, answer_id)
        known = {c.get("id") for c in ((answer.result if answer else None) or {}).get("criteria") or []}
        return _report_response(
            request,
            session,
            access.require_attempt(session, user, attempt_id),
            user,
            error=exc.translated(),
            error_for=f"{answer_id}:{criterion_id}" if criterion_id in known else None,
            status_code=422,
        )
    return RedirectResponse(f"/hr/attempts/{attempt.id}?saved=override#answer-{answer_id}", status_code=303)


@router.post("/attempts/{attempt_id}/decision")
def decision(
    request: Request,
    attempt: HRAttempt,
    user: HRUser,
    session: SessionDep,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record HR's decision on a candidate, with a required note."""
    attempt_id = attempt.id
    try:
        review.decide(session, user, attempt, decision, note)
    except review.ReviewError as exc:
        return _report_response(
            request,
            session,
            access.require_attempt(session, user, attempt_id),  # type: ignore[arg-type]
            user,
            error=exc.translated(),
            error_for="decision",
            status_code=422,
        )
    return RedirectResponse(f"/hr/attempts/{attempt.id}?saved=decision#decision", status_code=303)


# --- data rights ----------------------------------------------------------------------------------


@router.get("/attempts/{attempt_id}/data.json")
def candidate_data(request: Request, attempt: HRAttempt, user: HRUser, session: SessionDep) -> Response:
    """Everything held on this attempt's candidate, as a JSON download (audited)."""
    try:
        data = data_rights.export_candidate(session, attempt.candidate_id, actor=user)
    except data_rights.DataRightsError as exc:
        raise HTTPException(404, exc.translated()) from exc
    accounts.audit_now(
        request.app.state.engine,
        user,
        "candidate.export",
        "attempt",
        str(attempt.id),
        after={"candidate_id": attempt.candidate_id},
    )
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="candidate-{attempt.candidate_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/attempts/{attempt_id}/delete")
def delete_candidate(
    request: Request,
    attempt_id: IdPath,
    user: HRUser,
    session: SessionDep,
    comment: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Delete this attempt's candidate and all their data (audited; the opening's owner only)."""
    attempt = access.require_attempt(session, user, attempt_id, "owner")
    opening_id = attempt.opening_id
    try:
        if confirm != "yes":
            raise data_rights.DataRightsError(N_("Tick the box to confirm the deletion."))
        data_rights.delete_candidate(session, user, attempt.candidate_id, comment)
    except data_rights.DataRightsError as exc:
        return _report_response(
            request,
            session,
            access.require_attempt(session, user, attempt_id),
            user,
            error=exc.translated(),
            error_for="delete",
            status_code=422,
        )
    return RedirectResponse(f"/hr/openings/{opening_id}/ranking?deleted=1", status_code=303)
