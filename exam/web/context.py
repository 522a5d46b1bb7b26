"""The request context of every response: the CSRF cookie and token, the UI language and the security headers.

A plain ASGI middleware (no ``BaseHTTPMiddleware``): it sets the request's state and adds headers as the
response starts, without running the app in a task of its own or copying the response through a stream, which
cost a sizeable share of the CPU of a short JSON request such as an autosave.
"""

from __future__ import annotations

from fastapi.responses import Response
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exam import i18n, security
from exam.settings import Settings
from exam.web.cookies import CSRF_COOKIE, LOCALE_COOKIE, is_secure
from exam.web.deps import API_PREFIX

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("content-security-policy", CONTENT_SECURITY_POLICY),
)


class RequestContext:
    """ASGI middleware: CSRF cookie and token, locale, security headers (``no-store`` on candidates' pages)."""

    def __init__(self, app: ASGIApp, settings: Settings, secret_key: str) -> None:
        self.app, self.settings, self.secret_key = app, settings, secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie = request.cookies.get(CSRF_COOKIE)
        new_cookie = None
        if not cookie or len(cookie) < 20:
            new_cookie = cookie = security.new_token()
        request.state.csrf_cookie = cookie  # the page's token is derived from it when a template needs it
        request.state.user = None
        i18n.set_locale(i18n.pick_locale(request.cookies.get(LOCALE_COOKIE), None, None, self.settings.default_locale))
        no_store = scope.get("path", "").startswith(("/candidate", "/i/"))
        set_cookie = ""
        if new_cookie and not scope.get("path", "").startswith(API_PREFIX):  # scripts on the API need no CSRF cookie
            carrier = Response()
            carrier.set_cookie(
                CSRF_COOKIE,
                new_cookie,
                httponly=True,
                samesite="lax",
                secure=is_secure(self.settings, request),
                path="/",
            )
            set_cookie = carrier.headers["set-cookie"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if set_cookie:
                    headers.append("set-cookie", set_cookie)
                for name, value in SECURITY_HEADERS:
                    if name not in headers:
                        headers[name] = value
                if no_store and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
