"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from exam import i18n, security
from exam.db import engine_for
from exam.services import jobs
from exam.settings import Settings, get_settings
from exam.timeutil import set_display_timezone
from exam.web import admin, api, auth, candidate, deps, desk, hr, trainer
from exam.web.cookies import CSRF_COOKIE, LOCALE_COOKIE, is_secure
from exam.web.deps import API_PREFIX
from exam.web.errors import install_error_pages
from exam.web.limits import BodyLimit

STATIC_DIR = Path(__file__).parent / "static"
ROUTERS = (auth.router, admin.router, hr.router, trainer.router, candidate.router, desk.router, api.router)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def create_app(settings: Settings | None = None, *, engine=None, run_background: bool = True) -> FastAPI:  # type: ignore[no-untyped-def]
    """Build the app for these settings (the engine may be given, e.g. by tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = jobs.start(app.state.engine, settings) if run_background else []
        yield
        for task in tasks:
            task.cancel()

    app = FastAPI(
        title="网店客服招聘考试",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(deps.csrf_protect)],
    )
    app.state.settings = settings
    set_display_timezone(settings.timezone)
    app.state.engine = engine if engine is not None else engine_for(settings)
    app.state.secret_key = settings.resolved_secret_key()
    app.state.secret_keys = [app.state.secret_key, *settings.previous_secret_keys()]  # links made under older keys

    app.add_middleware(BodyLimit, settings=settings)  # inside request_context: the 413 gets the same headers

    @app.middleware("http")
    async def request_context(request: Request, call_next):  # type: ignore[no-untyped-def]
        cookie = request.cookies.get(CSRF_COOKIE)
        new_cookie = None
        if not cookie or len(cookie) < 20:
            new_cookie = cookie = security.new_token()
        request.state.csrf_token = security.csrf_token_for(app.state.secret_key, cookie)
        request.state.user = None
        locale = i18n.pick_locale(request.cookies.get(LOCALE_COOKIE), None, None, settings.default_locale)
        i18n.set_locale(locale)
        response: Response = await call_next(request)
        if new_cookie and not request.url.path.startswith(API_PREFIX):  # scripts on the API need no CSRF cookie
            response.set_cookie(
                CSRF_COOKIE, new_cookie, httponly=True, samesite="lax", secure=is_secure(settings, request), path="/"
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.url.path.startswith(("/candidate", "/i/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_pages(app)
    api.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


__all__ = ["create_app"]
