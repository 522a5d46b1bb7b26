"""Error pages: 401/403/404/… rendered as pages (and as htmx-friendly responses)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from exam.web import deps
from exam.web.templating import render

log = logging.getLogger("exam")

PAGE_STATUSES = (401, 403, 404, 405, 409, 410, 422, 429)


def install_error_pages(app: FastAPI) -> None:
    """Register the exception handlers that render error pages."""

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
        if exc.status_code in PAGE_STATUSES:
            template = {401: "errors/401.html", 403: "errors/403.html"}.get(exc.status_code, "errors/error.html")
            return render(
                request,
                template,
                {"status": exc.status_code, "detail": exc.detail},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return Response(status_code=exc.status_code, headers=getattr(exc, "headers", None))
