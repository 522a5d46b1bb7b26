"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from exam.db import engine_for
from exam.services import jobs
from exam.settings import Settings, get_settings
from exam.timeutil import set_display_timezone
from exam.web import admin, api, auth, candidate, deps, desk, hr, trainer
from exam.web.context import CONTENT_SECURITY_POLICY, RequestContext
from exam.web.errors import install_error_pages
from exam.web.fast_exam import FastExam
from exam.web.limits import BodyLimit

STATIC_DIR = Path(__file__).parent / "static"
ROUTERS = (auth.router, admin.router, hr.router, trainer.router, candidate.router, desk.router, api.router)


def create_app(settings: Settings | None = None, *, engine=None, run_background: bool = True) -> FastAPI:  # type: ignore[no-untyped-def]
    """Build the app for these settings (the engine may be given, e.g. by tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # request threads per worker: more threads than the database can use at once only add GIL contention
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
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

    app.add_middleware(FastExam)  # innermost: the autosave's common case, past the body limit and the context
    app.add_middleware(BodyLimit, settings=settings)  # inside request_context: the 413 gets the same headers

    app.add_middleware(RequestContext, settings=settings, secret_key=app.state.secret_key)  # outermost

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_pages(app)
    api.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


__all__ = ["CONTENT_SECURITY_POLICY", "create_app"]
