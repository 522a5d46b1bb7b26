"""The candidate's reception desk (模拟接待台): a live stream of the desk (server-sent events) and sending messages.

Customer messages reach the page through server-sent events (FastAPI's own ``fastapi.sse``): one long
request per open desk. A stream sleeps until the desk's next customer event is due (or a message was sent),
then asks the desk service to catch up and pushes what is new. Each process has one ``DeskHub`` that reads
the connected desks' small clock rows in a single query a second, so that a message sent through another
process or tab wakes the stream too. On every (re)connect the stream starts with a full snapshot, so a
reload or a lost connection resumes the same desk; the browser's EventSource reconnects by itself.

Why SSE rather than polling: a customer's message is shown when it happens (response times are measured
from it, so a polling delay of up to 2 s would count against the candidate), and 500 candidates cost 500
idle connections plus one query a second instead of 250 polling requests a second.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.sse import EventSourceResponse, format_sse_event

from exam.i18n import gettext as _
from exam.services import desk as desk_service
from exam.services.desk import DeskView, ExamError, StreamStart
from exam.timeutil import utcnow
from exam.web.cookies import SESSION_COOKIE

log = logging.getLogger("exam.desk")
router = APIRouter()

TICK_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 2000


# --- the hub: one clock read a second for every connected desk of this process ------------------------------


@dataclass(eq=False)
class Watcher:
    """One open stream of one desk: what it has sent so far and when its next customer event is due."""

    answer_id: int
    seq: int  # messages the desk has (as last read or told)
    due_at: datetime | None
    known: int = 0  # messages the page has
    event: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, seconds: float) -> bool:
        """Sleep until woken or ``seconds`` passed; whether it was woken."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout=max(0.0, seconds))
            woke = True
        except TimeoutError:
            woke = False
        self.event.clear()
        return woke


class DeskHub:
    """The connected desks of this process; wakes a stream when its desk changed elsewhere."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.watchers: dict[int, set[Watcher]] = {}
        self.task: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def watch(self, view: DeskView) -> Watcher:
        """Register a stream (starts the hub's clock reads)."""
        watcher = Watcher(view.answer_id, view.seq, view.due_at, view.seq)
        self.watchers.setdefault(view.answer_id, set()).add(watcher)
        self.loop = asyncio.get_running_loop()
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())
        return watcher

    def unwatch(self, watcher: Watcher) -> None:
        """Forget a closed stream."""
        group = self.watchers.get(watcher.answer_id)
        if group is not None:
            group.discard(watcher)
            if not group:
                del self.watchers[watcher.answer_id]

    def sent(self, view: DeskView) -> None:
        """A message was sent (from any thread): the page has the desk as ``view``; its next event may be sooner."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        def note() -> None:
            for watcher in list(self.watchers.get(view.answer_id, ())):
                if view.seq >= watcher.seq:
                    watcher.seq, watcher.known, watcher.due_at = view.seq, view.seq, view.due_at
                watcher.event.set()

        loop.call_soon_threadsafe(note)

    async def _run(self) -> None:
        while self.watchers:
            await asyncio.sleep(TICK_SECONDS)
            ids = list(self.watchers)
            if not ids:
                break
            try:
                rows = await run_in_threadpool(desk_service.clocks, self.engine, ids)
            except Exception:  # noqa: BLE001 - a failed read must not end the streams; the next tick retries
                log.exception("reading the desk clocks failed")
                continue
            for answer_id, (seq, due_at) in rows.items():
                for watcher in list(self.watchers.get(answer_id, ())):
                    if seq != watcher.seq or due_at != watcher.due_at:  # changed by another process or tab
                        watcher.seq, watcher.due_at = max(seq, watcher.seq), due_at
                        watcher.event.set()


def hub_of(request: Request) -> DeskHub:
    """This app's hub (made on first use)."""
    state = request.app.state
    hub = getattr(state, "desk_hub", None)
    if hub is None:
        hub = state.desk_hub = DeskHub(state.engine)
    return hub


# --- the stream --------------------------------------------------------------------------------------------


def _event(name: str, data: Any, event_id: int | None = None, retry: int | None = None) -> bytes:
    return format_sse_event(
        data_str=json.dumps(data, ensure_ascii=False),
        event=name,
        id=str(event_id) if event_id is not None else None,
        retry=retry,
    )


async def _events(hub: DeskHub, start: StreamStart) -> AsyncIterator[bytes]:
    """Snapshot, then updates as they happen, until the desk is over or its section closed."""
    view = start.view
    known = {c["id"]: c["count"] for c in view.chats}
    last_chats = view.chats
    watcher = hub.watch(view)
    try:
        yield _event("snapshot", view.as_dict(), view.seq, RETRY_MS)
        if view.closed or not view.live:
            yield _event("closed" if view.closed else "over", {})
            return
        ends_at = view.ends_at
        clock = asyncio.get_running_loop().time
        last_write = clock()
        while True:
            now = utcnow()
            wait = min(KEEPALIVE_SECONDS - (clock() - last_write), (ends_at - now).total_seconds() + 0.05)
            if watcher.due_at is not None:
                wait = min(wait, (watcher.due_at - now).total_seconds() + 0.02)
            await watcher.wait(wait)
            now = utcnow()
            due = (watcher.due_at is not None and now >= watcher.due_at) or now >= ends_at
            if not (due or watcher.seq != watcher.known):
                if clock() - last_write >= KEEPALIVE_SECONDS - 0.05:
                    last_write = clock()
                    yield b": ping\n\n"
                continue
            fresh = await run_in_threadpool(
                partial(desk_service.catch_up, due=due),
                hub.engine,
                start.user_id,
                start.attempt_id,
                start.position,
                known,
            )
            if fresh is None:
                yield _event("closed", {})
                return
            watcher.seq, watcher.known, watcher.due_at = fresh.seq, fresh.seq, fresh.due_at
            if fresh.messages or fresh.chats != last_chats or fresh.closed or not fresh.live:
                known = {c["id"]: c["count"] for c in fresh.chats}
                last_chats = fresh.chats
                last_write = clock()
                yield _event("update", fresh.as_dict(), fresh.seq)
            if fresh.closed or not fresh.live:
                yield _event("closed" if fresh.closed else "over", {})
                return
    finally:
        hub.unwatch(watcher)


def _refused(status: int) -> JSONResponse:
    """The JSON answer to a request that may not see this desk: 401 signed out, 403 not a candidate, 404."""
    if status == 401:
        return JSONResponse({"ok": False, "error": "login", "message": _("Please sign in again.")}, status_code=401)
    if status == 403:
        return JSONResponse(
            {"ok": False, "error": "forbidden", "message": _("Your account may not use the reception desk.")},
            status_code=403,
        )
    return JSONResponse({"ok": False, "error": "not_found", "message": _("Not found.")}, status_code=404)


@router.get("/candidate/attempts/{attempt_id}/desk/{position}/stream")
async def stream(request: Request, attempt_id: int, position: int) -> Response:
    """The desk's live stream (text/event-stream): ``snapshot``, ``update``, then ``over`` or ``closed``."""
    start = await run_in_threadpool(
        desk_service.open_stream,
        request.app.state.engine,
        request.app.state.settings,
        request.cookies.get(SESSION_COOKIE),
        attempt_id,
        position,
    )
    if isinstance(start, int):
        return _refused(start)
    return EventSourceResponse(
        _events(hub_of(request), start), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


# --- sending -------------------------------------------------------------------------------------------------


async def _json_body(request: Request) -> dict[str, Any]:
    """A JSON object body ({} when it is not one)."""
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


JsonBody = Annotated[dict[str, Any], Depends(_json_body)]


@router.post("/candidate/attempts/{attempt_id}/desk/{position}/messages")
async def send(request: Request, body: JsonBody, attempt_id: int, position: int) -> Response:
    """One message to one customer: JSON ``{"customer", "text", "cid", "pasted", "known": {chat: count}}``.

    The hot path: no request-wide database session (the service reads and writes in short transactions).
    """
    state = request.app.state
    user = await run_in_threadpool(
        desk_service.signed_in, state.engine, state.settings, request.cookies.get(SESSION_COOKIE)
    )
    if user is None or user.role != "candidate":
        return _refused(401 if user is None else 403)
    try:
        view = await run_in_threadpool(
            desk_service.send, state.engine, user, attempt_id, position, body, state.settings
        )
    except ExamError as exc:
        return JSONResponse({"ok": False, "error": exc.code, "message": exc.translated()}, status_code=exc.status)
    if view is None:
        return JSONResponse({"ok": False, "error": "not_found", "message": _("Not found.")}, status_code=404)
    hub_of(request).sent(view)
    return JSONResponse({"ok": True, **view.as_dict()})
