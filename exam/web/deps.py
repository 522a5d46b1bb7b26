"""Dependencies shared by the routers: DB session, current user, role guards, CSRF."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import Depends, HTTPException, Path, Query, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from exam import security
from exam.db import writer
from exam.models import Attempt, Opening, Role, User
from exam.services import access, accounts
from exam.settings import Settings
from exam.web.cookies import CSRF_COOKIE, SESSION_COOKIE

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
API_PREFIX = "/api/"  # the JSON API: bearer tokens only, never cookies (exam.web.api)


class LoginRequired(Exception):
    """Raised when a page needs a signed-in user (rendered as a 401 page)."""


class CSRFError(Exception):
    """Raised when a state-changing request lacks a valid CSRF token (rendered as 403)."""


async def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


# State-changing requests whose service reads on the request's session and writes in a short transaction of its
# own (the autosave): their session reads without taking SQLite's write lock.
# The start is one too: it draws the paper on a read snapshot, then stores it in a write transaction of its own.
READ_FIRST_PATHS = re.compile(r"^/candidate/(attempts/\d+/items/\d+|invitations/\d+/start)$")


# The light dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in the threadpool, a hop that
# cost more than the work of these few lines. Only the ones that touch the database stay plain functions.
async def get_session(request: Request) -> AsyncIterator[Session]:
    """A DB session; state-changing requests take SQLite's write lock up front (BEGIN IMMEDIATE).

    Creating it does no I/O (a connection is taken on first use, in the handler's thread).
    """
    engine = request.app.state.engine
    if request.method not in SAFE_METHODS and not READ_FIRST_PATHS.match(request.url.path):
        engine = writer(engine)
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            # a transaction left open: its rollback is I/O, done in a thread, but never queued behind the requests
            # waiting for the request threads: its connection would stay checked out meanwhile, and with enough
            # such sessions a bounded pool (PostgreSQL) is exhausted by requests that wait for threads the
            # handlers hold while they wait for a connection
            await anyio.to_thread.run_sync(session.close, limiter=_closing_limiter())
        else:
            session.close()


_CLOSERS: RunVar[anyio.CapacityLimiter] = RunVar("exam_session_closers")


def _closing_limiter() -> anyio.CapacityLimiter:
    """The threads that close sessions, apart from the request threads (one limiter per event loop)."""
    try:
        return _CLOSERS.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(4)
        _CLOSERS.set(limiter)
        return limiter


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

# Bounded integers for every path and query parameter: a number the database cannot hold (2^63 and up) is a 422
# with a Chinese page, never a 500.
MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
PositionPath = Annotated[int, Path(ge=0, le=100_000)]
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


async def form_data(request: Request) -> FormData:
    """The request's form, parsed in an async dependency so that handlers can stay plain functions."""
    return await request.form()


# Handlers that touch the database are plain `def` (run in the threadpool); anything that must be awaited,
# like the form, comes from an async dependency.
FormDep = Annotated[FormData, Depends(form_data)]
SessionDep = Annotated[Session, Depends(get_session)]

RowT = TypeVar("RowT")


def get_or_404(session: Session, model: type[RowT], key: Any) -> RowT:
    """The row of ``model`` with this primary key; a 404 when there is none."""
    row = session.get(model, key)
    if row is None:
        raise HTTPException(404)
    return row


LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def public_base_url(request: Request) -> str:
    """The base of every link the app prints (invitation links): EXAM_BASE_URL, never a client's Host header.

    Without EXAM_BASE_URL, the Host of the request is used only when it names the address the server listens
    on, or localhost on that port (a laptop); any other Host (``Host: evil.example``) gets links to the
    listening address instead. Behind a proxy or under a public name, set EXAM_BASE_URL.
    """
    settings: Settings = request.app.state.settings
    if settings.base_url:
        return settings.base_url.rstrip("/")
    server = request.scope.get("server") or ("127.0.0.1", 80)
    host, port = str(server[0] or ""), int(server[1] or 80)
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if request.url.scheme == "https" else "http"
    default = port == (443 if scheme == "https" else 80)
    names = [h for h in (host, *LOCAL_NAMES) if h not in WILDCARD_HOSTS and h != "[::]"]
    allowed = {n for h in names for n in ((h, f"{h}:{port}") if default else (f"{h}:{port}",))}
    given = request.headers.get("host", "").strip().lower()
    if given in allowed:
        return f"{scheme}://{given}"
    shown = host if host not in WILDCARD_HOSTS and host != "[::]" else "127.0.0.1"
    return f"{scheme}://{shown}" + ("" if default else f":{port}")


def client_ip(request: Request) -> str:
    """The client address (X-Forwarded-For only when proxies are trusted)."""
    settings: Settings = request.app.state.settings
    if settings.trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


async def csrf_protect(request: Request) -> None:
    """Refuse cross-site and token-less state changes (forms: csrf_token field; htmx/fetch: X-CSRF-Token)."""
    if request.method in SAFE_METHODS or request.scope.get("path", "").startswith(API_PREFIX):
        return  # the API ignores cookies (a cross-site request carries none it could use)
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CSRFError("cross-site request")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("x-forwarded-host") if request.app.state.settings.trusted_proxies else None
        if urlsplit(origin).netloc != (host or request.headers.get("host", "")):
            raise CSRFError("origin mismatch")
    elif origin == "null":
        raise CSRFError("opaque origin")
    submitted = request.headers.get("x-csrf-token")
    if not submitted:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            submitted = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    if not security.csrf_token_valid(request.app.state.secret_key, cookie, submitted):
        raise CSRFError("missing or invalid CSRF token")


def current_user_optional(request: Request) -> User | None:
    """The signed-in user, or None.

    Read on a session of its own, never the request's: a state-changing request's session takes SQLite's one
    write lock at its first statement, and a user lookup must not hold every other writer up.
    """
    if hasattr(request.state, "user_resolved"):
        return request.state.user
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        user = accounts.current_user(session, request.app.state.settings, request.cookies.get(SESSION_COOKIE))
    request.state.user = user
    request.state.user_resolved = True
    return user


async def current_user(user: Annotated[User | None, Depends(current_user_optional)]) -> User:
    """The signed-in user; 401 otherwise."""
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(current_user_optional)]


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency allowing only these roles (403 for the others)."""
    allowed = {r.value for r in roles}

    async def guard(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(status_code=403)
        return user

    return guard


AdminUser = Annotated[User, Depends(require_role(Role.admin))]
HRUser = Annotated[User, Depends(require_role(Role.hr))]
TrainerUser = Annotated[User, Depends(require_role(Role.trainer))]
ReviewerUser = Annotated[User, Depends(require_role(Role.hr, Role.trainer))]
CandidateUser = Annotated[User, Depends(require_role(Role.candidate))]


# --- openings belong to people (the rule lives in exam.services.access) --------------------------------


def hr_opening(opening_id: IdPath, user: HRUser, session: SessionDep) -> Opening:
    """The opening of the path if this HR user owns it or it is shared with them (else 404)."""
    return access.require_opening(session, user, opening_id, "view")


def hr_attempt(attempt_id: IdPath, user: HRUser, session: SessionDep) -> Attempt:
    """The attempt of the path if its opening is this HR user's (owned or shared; else 404)."""
    return access.require_attempt(session, user, attempt_id, "view")


HROpening = Annotated[Opening, Depends(hr_opening)]
HRAttempt = Annotated[Attempt, Depends(hr_attempt)]

HOME_BY_ROLE = {"admin": "/admin", "hr": "/hr", "trainer": "/trainer", "candidate": "/candidate"}
