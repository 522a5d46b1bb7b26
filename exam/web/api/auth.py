"""Who calls the API: the bearer token of the Authorization header (never a cookie), its scopes, JSON refusals."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from exam.i18n import gettext as _
from exam.security import N_
from exam.services import api_tokens
from exam.web.deps import client_ip

bearer = HTTPBearer(
    auto_error=False, description=N_("An API token made on the page API tokens or with exam token create.")
)


class ApiError(Exception):
    """A refusal of the API: status, a stable code and a message already in the reader's language."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON body of every API refusal: {"error": code, "message": text}."""
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def api_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> api_tokens.ApiCaller:
    """The token's caller; 401 without a valid token (a session cookie is never enough), 429 when throttled."""
    raw = credentials.credentials.strip() if credentials and credentials.scheme.lower() == "bearer" else None
    try:
        return api_tokens.authenticate(
            request.app.state.engine,
            request.app.state.settings,
            raw,
            request.method,
            request.url.path,
            client_ip(request),
        )
    except api_tokens.ApiRefused as exc:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        if exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        raise ApiError(exc.status, exc.code, exc.translated(), headers) from None


Caller = Annotated[api_tokens.ApiCaller, Depends(api_caller)]


def needs(*scopes: str) -> Any:
    """A dependency: 403 unless the token has one of these scopes (the message names them)."""

    def check(caller: Caller) -> None:
        if not caller.scopes.intersection(scopes):
            wanted = _(" or ").join(scopes)
            message = _("This token lacks the scope %(scope)s.") % {"scope": wanted}
            raise ApiError(403, "missing_scope", message, {"X-Missing-Scope": " ".join(scopes)})

    return Depends(check)


def etag_response(request: Request, model: BaseModel | Any, status_code: int = 200) -> Response:
    """A JSON response with a strong ETag; 304 without a body when If-None-Match names it."""
    data = jsonable_encoder(model)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    wanted = [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]
    if tag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)
