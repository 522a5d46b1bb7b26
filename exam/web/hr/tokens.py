"""HR: API tokens for the shop's own systems (create, see, revoke); a new token is shown once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from exam.i18n import gettext as _
from exam.models import User
from exam.services import api_tokens
from exam.web.deps import FormDep, HRUser, IdPath, SessionDep, public_base_url
from exam.web.templating import render

router = APIRouter(prefix="/hr")
EXPIRY_CHOICES = ("30", "90", "365", "")  # days; "" never
NO_STORE = {"Cache-Control": "no-store"}  # the page may show a new token


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    new: str | None = None,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    rows = [(t, api_tokens.token_state(t)) for t in api_tokens.tokens_of(session, user)]
    return render(
        request,
        "hr/api_tokens.html",
        {
            "rows": rows,
            "scopes": api_tokens.SCOPES,
            "new_token": new,
            "error": error,
            "notice": notice,
            "form": form or {"name": "", "scopes": [], "expires_days": "90"},
            "expiry_choices": EXPIRY_CHOICES,
            "base_url": public_base_url(request),
        },
        status_code=status_code,
        headers=NO_STORE,
    )


@router.get("/api-tokens")
def tokens_page(request: Request, user: HRUser, session: SessionDep) -> Response:
    """The user's API tokens and the form for a new one."""
    notice = _("The token was revoked.") if request.query_params.get("saved") == "revoked" else None
    return _page(request, session, user, notice=notice)


@router.post("/api-tokens")
def create_token(request: Request, user: HRUser, session: SessionDep, form: FormDep) -> Response:
    """Create a token and show it once."""
    name = str(form.get("name") or "")
    scopes = [v for v in form.getlist("scope") if isinstance(v, str)]
    days = str(form.get("expires_days") or "")
    values = {"name": name[:100], "scopes": scopes, "expires_days": days}
    if days not in EXPIRY_CHOICES:
        return _page(request, session, user, error=_("Choose when the token expires."), form=values, status_code=422)
    try:
        _row, raw = api_tokens.create_token(session, user, name, scopes, int(days) if days else None)
    except api_tokens.TokenError as exc:
        return _page(request, session, user, error=exc.translated(), form=values, status_code=422)
    return _page(request, session, user, new=raw)


@router.post("/api-tokens/{token_id}/revoke")
def revoke_token(token_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """Revoke one of the user's tokens (another user's token is a 404)."""
    try:
        api_tokens.revoke_token(session, token_id, actor=user)
    except api_tokens.TokenError:
        raise HTTPException(404) from None
    return RedirectResponse("/hr/api-tokens?saved=revoked", status_code=303)
