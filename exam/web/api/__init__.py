"""The JSON API for the systems shops already use (/api/v1/), its OpenAPI schema and its documentation page.

The API takes only bearer tokens (exam.services.api_tokens), never the session cookie, so it needs no CSRF
token; every refusal is JSON ``{"error": code, "message": text}``. The schema holds only the API's routes,
its words translated into the reader's language (Chinese first).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response

from exam import i18n
from exam.i18n import gettext as _
from exam.security import N_
from exam.web.api import v1
from exam.web.api.auth import ApiError, error_response
from exam.web.templating import render

router = APIRouter()
router.include_router(v1.router)

API_TITLE = N_("CS Exam API")
API_DESCRIPTION = N_(
    "Create invitations, read results and set decisions from your own systems. Send the header "
    "Authorization: Bearer <token> with a token made on the page API tokens (HR) or with exam token create; "
    "a token acts as its owner and reaches only their openings. Lists are read a page at a time (the next "
    "link); GET responses carry an ETag (send If-None-Match for a 304). Refusals are JSON "
    "{error, message}; 429 comes with Retry-After."
)
TRANSLATED_KEYS = ("summary", "description")
_schemas: dict[str, dict[str, Any]] = {}


def _translate(node: Any) -> Any:
    """The schema with its summaries and descriptions in the current language (msgids without one stay)."""
    if isinstance(node, dict):
        return {k: (_(v) if k in TRANSLATED_KEYS and isinstance(v, str) else _translate(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_translate(v) for v in node]
    return node


def openapi_schema() -> dict[str, Any]:
    """The OpenAPI schema of API v1 in the current language (built once per language)."""
    locale = i18n.get_locale()
    if locale not in _schemas:
        raw = get_openapi(title=API_TITLE, version="1", description=API_DESCRIPTION, routes=v1.router.routes)
        raw["info"]["title"] = _(API_TITLE)
        _schemas[locale] = _translate(raw)
    return _schemas[locale]


@router.get("/api/openapi.json", include_in_schema=False)
def openapi_json() -> JSONResponse:
    """The API's OpenAPI schema."""
    return JSONResponse(openapi_schema())


@router.get("/api/docs", include_in_schema=False)
def docs_page(request: Request) -> Response:
    """The API's documentation as a page (no scripts: the schema rendered on the server)."""
    schema = openapi_schema()
    operations = [
        {"method": method.upper(), "path": path, **op}
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    ]
    return render(
        request,
        "api/docs.html",
        {"schema": schema, "operations": operations, "models": schema.get("components", {}).get("schemas", {})},
    )


def install(app: FastAPI) -> None:
    """Register the API's JSON refusals on the app."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)


__all__ = ["install", "openapi_schema", "router"]
