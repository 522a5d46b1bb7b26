"""API v1: openings, invitations (one or a batch, with links and QR codes), results and decisions."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from exam.errors import UserError
from exam.hiring.explain import (
    decision_label,
    explain_requirement,
    explain_score,
    explanation_rows,
    signal_label,
    status_label,
)
from exam.i18n import gettext as _
from exam.models import Attempt, Invitation, Opening
from exam.security import N_
from exam.services import api_data, invitation_links, openings
from exam.timeutil import as_utc
from exam.web.api import schemas as s
from exam.web.api.auth import ApiError, Caller, etag_response, needs
from exam.web.deps import MAX_ID, IdPath, SessionDep, public_base_url

router = APIRouter(prefix="/api/v1")

ERRORS: dict[int | str, dict] = {
    401: {"model": s.ErrorOut, "description": N_("No valid API token.")},
    403: {"model": s.ErrorOut, "description": N_("The token lacks a scope.")},
    404: {"model": s.ErrorOut, "description": N_("Not found (or not one of the token owner's openings).")},
    422: {"model": s.ErrorOut, "description": N_("A value is not valid.")},
    429: {"model": s.ErrorOut, "description": N_("Too many requests; wait for Retry-After seconds.")},
}
After = Annotated[int, Query(ge=0, le=MAX_ID, description=N_("Cursor: the last id of the previous page."))]
Limit = Annotated[int, Query(ge=1, le=100, description=N_("Rows per page (at most 100)."))]
Since = Annotated[datetime | None, Query(description=N_("Only those created at or after this time (ISO 8601)."))]
Until = Annotated[datetime | None, Query(description=N_("Only those created before this time (ISO 8601)."))]
READ_INVITATIONS = ("invitations:write", "results:read")


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _next(request: Request, page: api_data.Page, last_id: int | None) -> str | None:
    if not page.more or last_id is None:
        return None
    query = {k: v for k, v in request.query_params.items() if k != "after"}
    query["after"] = str(last_id)
    return f"{public_base_url(request)}{request.url.path}?{urlencode(query)}"


def _user_error(exc: UserError, status: int = 422, code: str = "invalid") -> ApiError:
    return ApiError(status, code, exc.translated())


def _opening_out(request: Request, opening: Opening) -> s.OpeningOut:
    return s.OpeningOut(
        id=opening.id,  # type: ignore[arg-type]
        title=opening.title,
        profile_id=opening.profile_id,
        profile_version=opening.profile_version,
        opens_at=opening.opens_at,
        closes_at=opening.closes_at,
        status=openings.window_state(opening),  # type: ignore[arg-type]
        created_at=opening.created_at,
        url=f"{public_base_url(request)}/hr/openings/{opening.id}",
    )


def _invitation_fields(request: Request, row: api_data.InvitationRow) -> dict:
    inv: Invitation = row.invitation
    keys = request.app.state.secret_keys
    return {
        "id": inv.id,
        "opening_id": inv.opening_id,
        "name": inv.name,
        "phone": inv.phone,
        "email": inv.email,
        "extra_time_factor": inv.extra_time_factor,
        "status": row.status,
        "status_label": (
            _(openings.STATUS_LABELS[row.status]) if row.status in openings.STATUS_LABELS else status_label(row.status)
        ),
        "created_at": inv.created_at,
        "expires_at": inv.expires_at,
        "revoked_at": inv.revoked_at,
        "attempt_id": row.attempt.id if row.attempt else None,
        "link": invitation_links.link(public_base_url(request), keys, inv),
    }


def _qr_data_url(link: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(invitation_links.qr_svg_file(link, scale=4)).decode()


def _decision_out(attempt: Attempt) -> s.DecisionOut:
    return s.DecisionOut(
        attempt_id=attempt.id,  # type: ignore[arg-type]
        decision=attempt.decision,  # type: ignore[arg-type]
        decision_label=decision_label(attempt.decision),
        note=attempt.decision_note or "",
    )


# --- openings ---------------------------------------------------------------------------------


@router.get(
    "/openings",
    response_model=s.OpeningPage,
    responses=ERRORS,
    summary=N_("List openings"),
    description=N_("The openings the token's owner owns or that are shared with them, by id, a page at a time."),
)
def list_openings(
    request: Request,
    caller: Caller,
    session: SessionDep,
    status: Annotated[s.OpeningState | None, Query(description=N_("upcoming, open or closed."))] = None,
    created_after: Since = None,
    created_before: Until = None,
    after: After = 0,
    limit: Limit = 50,
) -> Response:
    """List openings."""
    page = api_data.opening_page(
        session,
        caller.user,
        status=status,
        created_after=_utc(created_after),
        created_before=_utc(created_before),
        after=after,
        limit=limit,
    )
    last = page.rows[-1].id if page.rows else None
    out = s.OpeningPage(
        items=[_opening_out(request, o) for o in page.rows], total=page.total, next=_next(request, page, last)
    )
    return etag_response(request, out)


@router.get(
    "/openings/{opening_id}",
    response_model=s.OpeningDetailOut,
    responses=ERRORS,
    summary=N_("Read an opening"),
    description=N_("The opening with its counts of invitations, exams by status, bands and decisions."),
)
def get_opening(request: Request, opening_id: IdPath, caller: Caller, session: SessionDep) -> Response:
    """Read an opening."""
    found = api_data.opening(session, caller.user, opening_id)
    out = s.OpeningDetailOut(
        **_opening_out(request, found.opening).model_dump(),
        invitations=found.invitations,
        attempts=found.stats.statuses,
        bands=found.stats.bands,
        decisions=found.stats.decisions,
        mean_score=found.stats.mean,
    )
    return etag_response(request, out)


# --- invitations ------------------------------------------------------------------------------


@router.post(
    "/openings/{opening_id}/invitations",
    response_model=s.CreatedInvitations,
    status_code=201,
    responses=ERRORS,
    summary=N_("Invite candidates"),
    dependencies=[needs("invitations:write")],
    description=N_(
        "One invitation (an object) or a batch (a list of up to 500): all are created or none. Each created "
        "invitation comes with its personal link and the link's QR code. Needs the scope invitations:write."
    ),
)
def create_invitations(
    request: Request,
    opening_id: IdPath,
    caller: Caller,
    session: SessionDep,
    body: Annotated[s.InvitationIn | list[s.InvitationIn], Body()],
    qr: Annotated[
        bool, Query(description=N_("Include each link's QR code; false answers large batches faster."))
    ] = True,
) -> Response:
    """Invite candidates."""
    people = [p.model_dump() for p in (body if isinstance(body, list) else [body])]
    try:
        created = api_data.invite_batch(
            session, caller.user, opening_id, people, secret_key=request.app.state.secret_key
        )
    except api_data.BatchRefused as exc:
        problems = "；".join(f"#{i + 1}：{e.translated()}" for i, e in exc.errors[:20])
        raise ApiError(422, "invalid", f"{exc.translated()} {problems}") from None
    except UserError as exc:
        raise _user_error(exc) from None
    base = public_base_url(request)
    items = []
    for invitation, token in created:
        row = api_data.InvitationRow(invitation, None, "invited")
        link = f"{base}/i/{token}"
        items.append(
            s.CreatedInvitation(
                **{**_invitation_fields(request, row), "link": link, "qr": _qr_data_url(link) if qr else None}
            )
        )
    return etag_response(request, s.CreatedInvitations(items=items), status_code=201)


@router.get(
    "/openings/{opening_id}/invitations",
    response_model=s.InvitationPage,
    responses=ERRORS,
    summary=N_("List an opening's invitations"),
    dependencies=[needs(*READ_INVITATIONS)],
    description=N_("By id, a page at a time. Needs the scope invitations:write or results:read."),
)
def list_invitations(
    request: Request,
    opening_id: IdPath,
    caller: Caller,
    session: SessionDep,
    status: Annotated[s.InvitationState | None, Query(description=N_("Only invitations with this status."))] = None,
    created_after: Since = None,
    created_before: Until = None,
    after: After = 0,
    limit: Limit = 50,
) -> Response:
    """List an opening's invitations."""
    page = api_data.invitation_page(
        session,
        caller.user,
        opening_id,
        status=status,
        created_after=_utc(created_after),
        created_before=_utc(created_before),
        after=after,
        limit=limit,
    )
    last = page.rows[-1].invitation.id if page.rows else None
    items = [s.InvitationOut(**_invitation_fields(request, row)) for row in page.rows]
    return etag_response(request, s.InvitationPage(items=items, total=page.total, next=_next(request, page, last)))


@router.get(
    "/invitations/{invitation_id}",
    response_model=s.InvitationOut,
    responses=ERRORS,
    summary=N_("Read an invitation's status"),
    dependencies=[needs(*READ_INVITATIONS)],
    description=N_("Needs the scope invitations:write or results:read."),
)
def get_invitation(request: Request, invitation_id: IdPath, caller: Caller, session: SessionDep) -> Response:
    """Read an invitation's status."""
    row = api_data.invitation(session, caller.user, invitation_id)
    return etag_response(request, s.InvitationOut(**_invitation_fields(request, row)))


# --- results and decisions --------------------------------------------------------------------


@router.get(
    "/attempts/{attempt_id}/result",
    response_model=s.ResultOut,
    responses={**ERRORS, 409: {"model": s.ErrorOut, "description": N_("The exam is not graded yet.")}},
    summary=N_("Read a finished candidate's result"),
    dependencies=[needs("results:read")],
    description=N_(
        "The hiring score with each criterion and its input, the hard requirements, the recommendation band, "
        "integrity signals, the decision and the link to the report. Needs the scope results:read."
    ),
)
def get_result(request: Request, attempt_id: IdPath, caller: Caller, session: SessionDep) -> Response:
    """Read a finished candidate's result."""
    try:
        found = api_data.result(session, caller.user, attempt_id)
    except api_data.NotFinished as exc:
        raise _user_error(exc, 409, "not_graded") from None
    attempt, hiring = found.attempt, found.hiring
    criteria, requirements = explanation_rows(hiring, found.labels) if hiring else ([], [])
    out = s.ResultOut(
        attempt_id=attempt.id,  # type: ignore[arg-type]
        opening_id=attempt.opening_id,
        invitation_id=attempt.invitation_id,
        status=attempt.status,
        submitted_at=attempt.submitted_at,
        graded_at=attempt.graded_at,
        hiring_score=hiring.score if hiring else attempt.hiring_score,
        band=hiring.band if hiring else attempt.band,
        band_by_score=hiring.band_by_score if hiring else None,
        hard_requirements_met=hiring.hard_requirements_met if hiring else attempt.hard_requirements_met,
        explanation=explain_score(hiring) if hiring else "",
        criteria=[
            s.CriterionOut(
                id=row["c"].id,
                label=row["c"].label,
                input=row["c"].input,
                input_label=row["input_label"],
                value=row["c"].value,
                value_text=row["value"],
                points=row["c"].points,
                weight=row["c"].weight,
                share=row["c"].share,
                contribution=row["c"].contribution,
                scale_zero=(row["c"].scale or {}).get("zero"),
                scale_full=(row["c"].scale or {}).get("full"),
                missing=row["c"].missing,
                explanation=row["text"],
            )
            for row in criteria
        ],
        requirements=[
            s.RequirementOut(
                input=row["r"].input,
                label=row["r"].label,
                input_label=row["input_label"],
                min=row["r"].min,
                value=row["r"].value,
                met=row["r"].met,
                explanation=explain_requirement(row["r"], found.labels),
            )
            for row in requirements
        ],
        signals=[s.SignalOut(kind=k, label=signal_label(k), count=n) for k, n in found.signals.items()],
        decision=_decision_out(attempt),
        report_url=f"{public_base_url(request)}/hr/attempts/{attempt.id}",
    )
    return etag_response(request, out)


@router.put(
    "/attempts/{attempt_id}/decision",
    response_model=s.DecisionOut,
    responses=ERRORS,
    summary=N_("Set a decision"),
    dependencies=[needs("decisions:write")],
    description=N_(
        "shortlist, hold, reject or hire (None clears it), with a note that says why; recorded in the audit log "
        "and shown on the report page. Needs the scope decisions:write."
    ),
)
def put_decision(
    request: Request, attempt_id: IdPath, caller: Caller, session: SessionDep, body: s.DecisionIn
) -> Response:
    """Set a decision."""
    try:
        attempt = api_data.set_decision(session, caller.user, attempt_id, body.decision, body.note)
    except UserError as exc:
        raise _user_error(exc) from None
    return etag_response(request, _decision_out(attempt))
