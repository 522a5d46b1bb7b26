"""The autosave and the state poll without the framework around them: the exam's most frequent requests.

Under a campaign's load, autosaves and state polls are most of the requests, and FastAPI's routing, dependency
solving and thread hops cost several times the work itself (see benchmarks/README.md). This ASGI middleware
answers the common case of ``POST /candidate/attempts/{id}/items/{pos}`` (a JSON body, a valid CSRF token, a
signed-in candidate) and ``GET /candidate/attempts/{id}/state`` (a signed-in candidate) in one thread hop, with
the routes' own :func:`exam.web.candidate.save_response` and :func:`~exam.web.candidate.state_response`.
Anything else (a form body, no or a bad token, no session, another role, ids out of range) goes on to the
route unchanged, with the body already read, so every refusal is the route's own. It sits inside the request
context and the body limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exam.models import Role, User
from exam.services import accounts
from exam.web.candidate import json_payload, save_response, state_response
from exam.web.cookies import SESSION_COOKIE
from exam.web.deps import MAX_ID, CSRFError, csrf_protect
from exam.web.errors import busy_response, is_busy

SAVE_PATH = re.compile(r"^/candidate/attempts/([1-9][0-9]{0,9})/items/([0-9]{1,6})$")
STATE_PATH = re.compile(r"^/candidate/attempts/([1-9][0-9]{0,9})/state$")
MAX_POSITION = 100_000


class FastExam:
    """ASGI middleware: the autosave's and the state poll's common case without routing and dependency solving."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope.get("path", ""), scope.get("method")
        if scope["type"] == "http" and method == "GET" and (state := STATE_PATH.match(path)) is not None:
            attempt_id = int(state.group(1))
            if attempt_id <= MAX_ID:
                request = Request(scope, receive)
                await self._answer(scope, receive, send, request, self._state, request, attempt_id)
                return
        elif scope["type"] == "http" and method == "POST" and (save := SAVE_PATH.match(path)) is not None:
            attempt_id, position = int(save.group(1)), int(save.group(2))
            request = Request(scope, receive)
            json_body = request.headers.get("content-type", "").startswith("application/json")
            if json_body and attempt_id <= MAX_ID and position <= MAX_POSITION:
                body = await request.body()
                replay = _replay(body, receive)  # the route reads the body again when it answers
                try:
                    await csrf_protect(request)
                except CSRFError:  # the route refuses it with its own page
                    await self.app(scope, replay, send)
                    return
                await self._answer(scope, replay, send, request, self._save, request, attempt_id, position, body)
                return
        await self.app(scope, receive, send)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, request: Request, work: Any, *args: Any
    ) -> None:
        """``work(*args)`` in a request thread; its response, or the route's when it gives None (``receive`` gives
        the route the body, when one was read)."""
        try:
            response = await run_in_threadpool(work, *args)
        except (OperationalError, SATimeoutError) as exc:
            if not is_busy(exc):
                raise
            response = busy_response(request, exc)
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    @staticmethod
    def _as_candidate(request: Request, answer: Callable[[Session, User], Response]) -> Response | None:
        """``answer`` for a signed-in candidate (None: someone else, whom the route answers)."""
        app = request.app
        with Session(app.state.engine, expire_on_commit=False) as session:
            user = accounts.current_user(session, app.state.settings, request.cookies.get(SESSION_COOKIE))
            if user is None or user.role != Role.candidate.value:
                return None
            request.state.user = user
            return answer(session, user)

    @staticmethod
    def _state(request: Request, attempt_id: int) -> Response | None:
        """The state poll's answer (None: the route answers)."""
        settings = request.app.state.settings
        return FastExam._as_candidate(
            request, lambda session, user: state_response(request, session, user, attempt_id, settings)
        )

    @staticmethod
    def _save(request: Request, attempt_id: int, position: int, body: bytes) -> Response | None:
        """The autosave's answer (None: the route answers)."""
        settings = request.app.state.settings
        return FastExam._as_candidate(
            request,
            lambda session, user: save_response(session, user, attempt_id, position, json_payload(body), settings),
        )


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
