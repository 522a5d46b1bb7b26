"""Error pages: 401/403/404/… rendered as pages (and as htmx-friendly responses)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from exam.i18n import gettext as _
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

    @app.get("/favicon.ico", include_in_schema=False)
    def _favicon() -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # A malformed path (/hr/openings/abc) names no page; malformed fields are a refused request.
        in_path = any((e.get("loc") or [None])[0] == "path" for e in exc.errors())
        status = 404 if in_path else 422
        detail = (
            "" if in_path else _("Some fields are missing or not in the expected format. Check them and try again.")
        )
        if _wants_json(request):
            return JSONResponse({"detail": detail or _("Not found"), "error": "invalid"}, status_code=status)
        return render(request, "errors/error.html", {"status": status, "detail": detail}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in PAGE_STATUSES:
            template = {401: "errors/401.html", 403: "errors/403.html"}.get(exc.status_code, "errors/error.html")
            return render(
                request,
                template,
                {"status": exc.status_code, "detail": _page_detail(exc)},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return Response(status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _page_detail(exc: StarletteHTTPException) -> str:
    """The message to show: the handler's own words, never the bare English status phrase ("Not Found")."""
    detail = exc.detail if isinstance(exc.detail, str) else ""
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = ""
    return "" if detail.strip().lower() == phrase.lower() else detail


def _wants_json(request: Request) -> bool:
    """Whether the client asked for JSON (the exam page's fetch calls) rather than a page."""
    accept = request.headers.get("accept", "")
    ctype = request.headers.get("content-type", "")
    return "application/json" in ctype or ("application/json" in accept and "text/html" not in accept)
