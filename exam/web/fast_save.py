"""The autosave without the framework around it: the exam's most frequent request, answered in one thread hop.

Under a campaign's load, autosaves are most of the requests, and FastAPI's routing and dependency solving cost
several times the save itself (see benchmarks/README.md). This ASGI middleware answers the common case of
``POST /candidate/attempts/{id}/items/{pos}`` (a JSON body, a valid CSRF token, a signed-in candidate) with
the route's own :func:`exam.web.candidate.save_response`; anything else (a form body, no or a bad token, no
session, another role, ids out of range) goes on to the route unchanged, with the body it already read, so
every refusal is the route's own. It sits inside the request context and the body limit.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exam.models import Role
from exam.services import accounts
from exam.web.candidate import json_payload, save_response
from exam.web.cookies import SESSION_COOKIE
from exam.web.deps import MAX_ID, CSRFError, csrf_protect
from exam.web.errors import busy_response, is_busy

SAVE_PATH = re.compile(r"^/candidate/attempts/([1-9][0-9]{0,9})/items/([0-9]{1,6})$")
MAX_POSITION = 100_000


class FastSave:
    """ASGI middleware: the autosave's common case without routing and dependency solving."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = SAVE_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        attempt_id, position = int(match.group(1)), int(match.group(2))
        request = Request(scope, receive)
        json_body = request.headers.get("content-type", "").startswith("application/json")
        if not json_body or attempt_id > MAX_ID or position > MAX_POSITION:
            await self.app(scope, receive, send)
            return
        body = await request.body()
        response = None
        try:
            await csrf_protect(request)
        except CSRFError:
            pass  # the route refuses it with its own page
        else:
            try:
                response = await run_in_threadpool(self._save, request, attempt_id, position, body)
            except (OperationalError, SATimeoutError) as exc:
                if not is_busy(exc):
                    raise
                response = busy_response(request, exc)
        if response is None:
            await self.app(scope, _replay(body, receive), send)
            return
        await response(scope, receive, send)

    @staticmethod
    def _save(request: Request, attempt_id: int, position: int, body: bytes) -> Response | None:
        """The route's answer for a signed-in candidate (None: someone else, whom the route answers)."""
        app = request.app
        with Session(app.state.engine, expire_on_commit=False) as session:
            user = accounts.current_user(session, app.state.settings, request.cookies.get(SESSION_COOKIE))
            if user is None or user.role != Role.candidate.value:
                return None
            request.state.user = user
            return save_response(session, user, attempt_id, position, json_payload(body), app.state.settings)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body already read once, then waits on the client as before."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
