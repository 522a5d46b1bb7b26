"""A cap on request bodies for every endpoint (413), counted while the body streams in, JSON included."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exam.services import openings
from exam.services import workspace as ws
from exam.settings import Settings

JSON_MAX_BYTES = 256 * 1024  # an answer (at most a few thousand characters) or a batch of integrity events
UPLOAD_PATHS = re.compile(r"^/trainer/(bank/upload|calibration/import)$")
CSV_PATHS = re.compile(r"^/hr/openings/\d+/invitations/csv$")
MULTIPART_SLACK = 256 * 1024  # boundaries, headers and the other form fields around a file


def limit_for(settings: Settings, path: str, content_type: str) -> int:
    """The largest body accepted for this path and content type."""
    if UPLOAD_PATHS.match(path):
        return max(settings.max_body_bytes, ws.MAX_UPLOAD_BYTES + MULTIPART_SLACK)
    if CSV_PATHS.match(path):
        return max(settings.max_body_bytes, openings.MAX_CSV_BYTES + MULTIPART_SLACK)
    if content_type.startswith("application/json"):
        return min(settings.max_body_bytes, JSON_MAX_BYTES)
    return settings.max_body_bytes


class BodyLimit:
    """ASGI middleware: refuse a body over the limit with 413, by its Content-Length or while it streams in.

    The body is never read past the limit: the app's ``receive`` stops delivering it, and whatever the app
    would have answered is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers") or []}
        ctype = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = limit_for(self.settings, scope.get("path", ""), ctype)
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = limit + 1
            if size > limit:
                await self._refuse(scope, send)
                return
        state: dict[str, Any] = {"received": 0, "exceeded": False, "refused": False}

        async def limited_receive() -> Message:
            if state["exceeded"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["exceeded"] = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if state["exceeded"]:
                if not state["refused"]:
                    state["refused"] = True
                    await self._refuse(scope, send)
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not state["exceeded"]:
                raise
        if state["exceeded"] and not state["refused"]:
            state["refused"] = True
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        """Send the 413 (a Chinese page, or JSON for scripts)."""
        from exam.i18n import gettext
        from exam.web.errors import TOO_LARGE, refusal  # the error pages need the templates (import late)

        request = Request(scope)
        response = refusal(request, 413, gettext(TOO_LARGE), "too_large")
        response.headers["Connection"] = "close"

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, no_body, send)
