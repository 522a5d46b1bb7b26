"""Sign in and out, the home redirect, the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from exam import i18n
from exam.i18n import gettext as _
from exam.services import accounts
from exam.web.cookies import LOCALE_COOKIE, SESSION_COOKIE, set_session_cookie
from exam.web.deps import HOME_BY_ROLE, OptionalUser, SessionDep, SettingsDep, client_ip
from exam.web.templating import render

router = APIRouter()


def _safe_next(next_url: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//"):
        return None
    parts = urlsplit(next_url)
    return None if parts.scheme or parts.netloc else next_url


@router.get("/")
def index(user: OptionalUser) -> Response:
    """Send the visitor to their home page or to the login page."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME_BY_ROLE.get(user.role, "/login"), status_code=303)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    """The login page."""
    if user is not None and user.role != "candidate":
        return RedirectResponse(_safe_next(next) or HOME_BY_ROLE[user.role], status_code=303)
    return render(request, "auth/login.html", {"next": _safe_next(next) or "", "error": None})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check credentials (throttled) and open a new session."""
    result = accounts.login(
        session,
        settings,
        username,
        password,
        client_ip(request),
        request.headers.get("user-agent", ""),
        request.cookies.get(SESSION_COOKIE),
    )
    if result.user is None:
        if result.wait_seconds:
            error = _("Too many failed attempts. Please wait %(seconds)s seconds and try again.") % {
                "seconds": result.wait_seconds
            }
            status = 429
        else:
            error = _("Wrong user name or password, or the account is disabled.")
            status = 401
        headers = {"Retry-After": str(result.wait_seconds)} if result.wait_seconds else None
        return render(
            request,
            "auth/login.html",
            {"next": _safe_next(next) or "", "error": error, "username": username},
            status_code=status,
            headers=headers,
        )
    target = _safe_next(next) or HOME_BY_ROLE.get(result.user.role, "/")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, settings, result.token)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    """End this session."""
    accounts.logout(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/locale")
def set_locale(request: Request, locale: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    """Switch the interface language."""
    response = RedirectResponse(_safe_next(next) or "/", status_code=303)
    if locale in i18n.LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, samesite="lax", path="/", max_age=365 * 24 * 3600)
    return response
