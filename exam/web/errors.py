"""Error pages: 401/403/404/413/422/… rendered as Chinese pages (and as JSON for the exam page's requests)."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from exam.i18n import gettext as _
from exam.security import N_
from exam.services.access import NoAccess
from exam.web import deps
from exam.web.templating import render

log = logging.getLogger("exam")

PAGE_STATUSES = (401, 403, 404, 405, 409, 410, 413, 422, 429)
INVALID_INPUT = N_(
    "Some of the request's values are not valid (a number out of range, a missing field or a wrong type)."
)
TOO_LARGE = N_("The request is too large.")
API_REFUSALS = {
    401: ("unauthorized", N_("Send an API token: the header Authorization: Bearer <token>.")),
    403: ("forbidden", N_("You may not do this.")),
    404: ("not_found", N_("Not found.")),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    406: ("not_acceptable", N_("The API answers only in JSON.")),
    409: ("conflict", N_("The request conflicts with the current state.")),
    413: ("too_large", TOO_LARGE),
    415: ("unsupported_media_type", N_("Send the body as JSON.")),
}


BUSY = N_("The server is very busy right now. Nothing you saved is lost: please try again in a moment.")
BUSY_RETRY_SECONDS = 2


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "busy" (a lock or a connection not granted in time), not a bug."""
    if isinstance(exc, SATimeoutError):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return any(
        marker in text
        for marker in ("database is locked", "database table is locked", "lock timeout", "deadlock detected")
    )


EXAM_API = re.compile(r"^/candidate/attempts/[^/]+/(state|events|items/.*)$")


def wants_json(request: Request) -> bool:
    """Whether the client is a script (the exam page's fetch calls, JSON bodies), not a browser navigation."""
    if EXAM_API.match(request.url.path) or request.url.path.startswith(deps.API_PREFIX):
        return True
    accept = request.headers.get("accept", "")
    ctype = request.headers.get("content-type", "")
    if request.headers.get("HX-Request") == "true":
        return False
    return ctype.startswith("application/json") or ("application/json" in accept and "text/html" not in accept)


def refusal(request: Request, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> Response:
    """A refusal in the client's language and format: JSON ``{ok, error, message}`` or an error page."""
    if request.url.path.startswith(deps.API_PREFIX):  # the JSON API's refusals: {error, message}
        return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)
    if wants_json(request):
        return JSONResponse({"ok": False, "error": code, "message": message}, status_code=status)
    return render(request, "errors/error.html", {"status": status, "detail": message}, status_code=status)


def busy_response(request: Request, exc: BaseException) -> Response:
    """The 503 "busy, try again" with Retry-After for a database that did not answer in time."""
    log.warning("database busy path=%s: %s", request.url.path, str(exc).splitlines()[0][:200])
    response = refusal(request, 503, _(BUSY), "busy")
    response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


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

    async def _busy(request: Request, exc: Exception) -> Response:
        if not is_busy(exc):
            raise exc
        return busy_response(request, exc)

    app.add_exception_handler(OperationalError, _busy)
    app.add_exception_handler(SATimeoutError, _busy)

    @app.exception_handler(NoAccess)
    async def _no_access(request: Request, exc: NoAccess) -> Response:
        if exc.status == 403 and request.url.path.startswith(deps.API_PREFIX):
            return refusal(request, 403, _(API_REFUSALS[403][1]), "forbidden")
        if exc.status == 403:
            return render(request, "errors/403.html", {"status": 403}, status_code=403)
        return refusal(request, 404, _("Not found."), "not_found")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        log.info("invalid request path=%s fields=%s", request.url.path, fields[:10])
        if any((e.get("loc") or [None])[0] == "path" for e in exc.errors()):
            return refusal(request, 404, _("Not found."), "not_found")  # /hr/openings/abc names no page
        return refusal(request, 422, _(INVALID_INPUT), "invalid")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(deps.API_PREFIX):
            code, message = API_REFUSALS.get(exc.status_code, ("refused", N_("The request was refused.")))
            headers = getattr(exc, "headers", None)
            return refusal(request, exc.status_code, _page_detail(exc) or _(message), code, headers)
        if exc.status_code in PAGE_STATUSES:
            if exc.status_code == 413:
                return refusal(request, 413, _(TOO_LARGE), "too_large")
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
