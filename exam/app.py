"""The FastAPI application factory."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from exam import i18n, security
from exam.db import engine_for
from exam.settings import Settings, get_settings
from exam.timeutil import set_display_timezone
from exam.web import deps
from exam.web.templating import render

log = logging.getLogger("exam")

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, *, engine=None, run_background: bool = True) -> FastAPI:  # type: ignore[no-untyped-def]
    """Build the app for these settings (the engine may be given, e.g. by tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = []
        if run_background:
            from exam.web import background

            tasks = background.start(app)
        yield
        for task in tasks:
            task.cancel()

    app = FastAPI(title="网店客服招聘考试", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(deps.csrf_protect)])
    app.state.settings = settings
    set_display_timezone(settings.timezone)
    app.state.engine = engine if engine is not None else engine_for(settings)
    app.state.secret_key = settings.resolved_secret_key()

    @app.middleware("http")
    async def request_context(request: Request, call_next):  # type: ignore[no-untyped-def]
        cookie = request.cookies.get(deps.CSRF_COOKIE)
        new_cookie = None
        if not cookie or len(cookie) < 20:
            new_cookie = cookie = security.new_token()
        request.state.csrf_token = security.csrf_token_for(app.state.secret_key, cookie)
        request.state.user = None
        locale = i18n.pick_locale(request.cookies.get(deps.LOCALE_COOKIE), None, None, settings.default_locale)
        i18n.set_locale(locale)
        response: Response = await call_next(request)
        if new_cookie:
            response.set_cookie(deps.CSRF_COOKIE, new_cookie, httponly=True, samesite="lax",
                                secure=_secure(settings, request), path="/")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if request.url.path.startswith(("/candidate", "/i/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_pages(app)

    from exam.web import admin, auth, candidate, hr, trainer

    for module in (auth, admin, hr, trainer, candidate):
        app.include_router(module.router)
    from exam.web import hr_review; app.include_router(hr_review.router)  # noqa: E702  (issue 6: ranking, reports)
    return app


def _secure(settings: Settings, request: Request) -> bool:
    """Whether cookies get the Secure flag."""
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    proto = request.headers.get("x-forwarded-proto") if settings.trusted_proxies else None
    return (proto or request.url.scheme) == "https"


def _install_error_pages(app: FastAPI) -> None:
    """Render 401/403/404/... as pages (and as htmx-friendly fragments)."""

    @app.exception_handler(deps.LoginRequired)
    async def _login_required(request: Request, exc: deps.LoginRequired) -> Response:
        next_url = request.url.path
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": f"/login?next={next_url}"})
        return render(request, "errors/401.html", {"next": next_url}, status_code=401)

    @app.exception_handler(deps.CSRFError)
    async def _csrf(request: Request, exc: deps.CSRFError) -> Response:
        log.warning("CSRF refused path=%s reason=%s", request.url.path, exc)
        return render(request, "errors/403.html", {"reason": "csrf"}, status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (401, 403, 404, 405, 409, 410, 422, 429):
            template = {401: "errors/401.html", 403: "errors/403.html"}.get(exc.status_code, "errors/error.html")
            return render(request, template, {"status": exc.status_code, "detail": exc.detail},
                          status_code=exc.status_code, headers=getattr(exc, "headers", None))
        return Response(status_code=exc.status_code, headers=getattr(exc, "headers", None))


def home_redirect(role: str) -> RedirectResponse:
    """Redirect to a role's home page."""
    return RedirectResponse(deps.HOME_BY_ROLE.get(role, "/"), status_code=303)


__all__ = ["create_app", "HTTPException", "home_redirect"]
