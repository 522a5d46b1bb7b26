"""Cookie flags shared by the login and the candidate's invitation link."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from exam.settings import Settings

SESSION_COOKIE = "exam_session"
CSRF_COOKIE = "exam_csrf"
LOCALE_COOKIE = "exam_locale"


def is_secure(settings: Settings, request: Request) -> bool:
    """Whether cookies get the Secure flag (forced by settings, else when the request came over https)."""
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    proto = request.headers.get("x-forwarded-proto") if settings.trusted_proxies else None
    return (proto or request.url.scheme) == "https"


def set_session_cookie(request: Request, response: Response, settings: Settings, token: str) -> None:
    """Set the session cookie: HttpOnly, SameSite=Lax, Secure behind https."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=is_secure(settings, request),
        path="/",
        max_age=settings.session_absolute_hours * 3600,
    )
