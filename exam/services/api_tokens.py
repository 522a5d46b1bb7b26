"""API tokens: HR users create and revoke them; every API request is checked, rate-limited and logged here.

A token is ``exk_`` followed by 256 random bits; only its SHA-256 is stored (a random token needs no slow
hash), so it is shown once, when it is made. A token acts as its owner, within its scopes: it reaches only
the openings its owner may reach (:mod:`exam.services.access`). Each accepted request adds an
:class:`~exam.models.ApiTokenUse` row; the rate limit counts those rows over the last minute, so it holds
across several server processes. A refused request (throttled, expired, revoked, unknown) is logged, not
stored, like a throttled login: waiting the ``Retry-After`` seconds is always enough.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from exam import security
from exam.db import session_scope, transactional
from exam.errors import UserError
from exam.models import ApiToken, ApiTokenUse, Role, User
from exam.security import N_
from exam.services.accounts import audit, get_user
from exam.settings import Settings
from exam.timeutil import as_utc, utcnow

log = logging.getLogger("exam.api")

PREFIX = "exk_"
SCOPES: dict[str, str] = {
    "invitations:write": N_("Create invitations and read their status"),
    "results:read": N_("Read candidates' results"),
    "decisions:write": N_("Set decisions on candidates"),
}
MAX_NAME = 100
MAX_DAYS = 3650
WINDOW_SECONDS = 60
USE_LOG_DAYS = 90  # the use log is kept this long (the rate limit needs only the last minute)

__all__ = [
    "SCOPES",
    "ApiCaller",
    "ApiRefused",
    "TokenError",
    "authenticate",
    "create_token",
    "create_token_for",
    "revoke_token",
    "tokens_of",
]


class TokenError(UserError):
    """A refused token operation; ``message`` is an English msgid."""


class ApiRefused(UserError):
    """An API request refused before it reaches its handler: 401 (no valid token) or 429 (too many requests)."""

    def __init__(self, status: int, code: str, message: str, retry_after: int = 0, **params: object) -> None:
        super().__init__(message, **params)
        self.status, self.code, self.retry_after = status, code, retry_after


@dataclass(frozen=True)
class ApiCaller:
    """Who makes an API request: the token's id and scopes, and its owner (detached from any session)."""

    token_id: int
    scopes: frozenset[str]
    user: User


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = sorted({s.strip() for s in scopes if s and s.strip()})
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise TokenError(N_("Unknown scope %(scope)s."), scope=unknown[0][:40])
    if not wanted:
        raise TokenError(N_("Choose at least one scope."))
    return wanted


@transactional
def create_token(
    session: Session,
    owner: User,
    name: str,
    scopes: Iterable[str],
    expires_days: int | None,
    *,
    actor: User | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token of an active HR user: (row, the token itself, to show once). ``expires_days`` None: never."""
    now = now or utcnow()
    if getattr(owner.role, "value", owner.role) != Role.hr.value or not owner.is_active:
        raise TokenError(N_("Only active HR accounts can have API tokens."))
    name = " ".join((name or "").split())
    if not name:
        raise TokenError(N_("Give the token a name (what uses it)."))
    if len(name) > MAX_NAME:
        raise TokenError(N_("The name is too long (at most %(n)s characters)."), n=MAX_NAME)
    wanted = _clean_scopes(scopes)
    if expires_days is not None and not 1 <= expires_days <= MAX_DAYS:
        raise TokenError(N_("A token expires after 1 to %(n)s days."), n=MAX_DAYS)
    raw = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=owner.id,  # type: ignore[arg-type]
        name=name,
        token_hash=security.token_hash(raw),
        prefix=raw[: len(PREFIX) + 4],
        scopes=wanted,
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(row)
    session.flush()
    audit(session, actor or owner, "api_token.create", "api_token", str(row.id), after={"name": name, "scopes": wanted})
    return row, raw


def create_token_for(
    session: Session, username: str, name: str, scopes: Iterable[str], expires_days: int | None
) -> tuple[ApiToken, str]:
    """A new token for the user of this name (the command line's way in)."""
    owner = get_user(session, username)
    if owner is None:
        raise TokenError(N_("There is no account %(name)s."), name=username[:64])
    return create_token(session, owner, name, scopes, expires_days)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """A user's tokens, newest first (revoked and expired ones too, for the record)."""
    return list(
        session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id).desc())).all()
    )


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """ "active", "expired" or "revoked"."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and as_utc(token.expires_at) <= now:
        return "expired"
    return "active"


@transactional
def revoke_token(session: Session, token_id: int, *, actor: User | None = None) -> ApiToken:
    """Revoke a token (its owner, or the command line when ``actor`` is None); revoking twice changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None or (actor is not None and token.user_id != actor.id):
        raise TokenError(N_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit(session, actor, "api_token.revoke", "api_token", str(token.id), before={"name": token.name})
    return token


def authenticate(
    engine: Engine, settings: Settings, raw: str | None, method: str, path: str, ip: str, now: datetime | None = None
) -> ApiCaller:
    """The caller of an API request, after the token, owner and rate checks; the use is logged (own transaction).

    Raises :class:`ApiRefused` (401 or 429) otherwise.
    """
    now = now or utcnow()
    if not raw:
        raise ApiRefused(401, "unauthorized", N_("Send an API token: the header Authorization: Bearer <token>."))
    if not raw.startswith(PREFIX) or len(raw) > 100:
        log.warning("api refused: malformed token ip=%s path=%s", ip, path[:100])
        raise ApiRefused(401, "invalid_token", N_("The API token is not valid."))
    with session_scope(engine) as session:  # BEGIN IMMEDIATE on SQLite: the check and the log are one step
        token = session.exec(select(ApiToken).where(ApiToken.token_hash == security.token_hash(raw))).first()
        if token is None:
            log.warning("api refused: unknown token ip=%s path=%s", ip, path[:100])
            raise ApiRefused(401, "invalid_token", N_("The API token is not valid."))
        state = token_state(token, now)
        if state != "active":
            log.warning("api refused: %s token id=%s ip=%s", state, token.id, ip)
            if state == "revoked":
                raise ApiRefused(401, "token_revoked", N_("The API token has been revoked."))
            raise ApiRefused(401, "token_expired", N_("The API token has expired."))
        owner = session.get(User, token.user_id)
        if owner is None or not owner.is_active or getattr(owner.role, "value", owner.role) != Role.hr.value:
            log.warning("api refused: token id=%s of a disabled account ip=%s", token.id, ip)
            raise ApiRefused(401, "invalid_token", N_("The API token is not valid."))
        since = now - timedelta(seconds=WINDOW_SECONDS)
        used, oldest = session.exec(
            select(func.count(), func.min(ApiTokenUse.at)).where(
                ApiTokenUse.token_id == token.id,
                ApiTokenUse.at > since,  # type: ignore[operator]
            )
        ).one()
        if int(used) >= settings.api_rate_per_minute:
            wait = max(1, math.ceil((as_utc(oldest) + timedelta(seconds=WINDOW_SECONDS) - now).total_seconds()))
            log.warning("api throttled token id=%s for %ss ip=%s path=%s", token.id, wait, ip, path[:100])
            raise ApiRefused(
                429, "rate_limited", N_("Too many requests with this token; try again in %(n)s s."), wait, n=wait
            )
        session.add(ApiTokenUse(token_id=token.id, at=now, method=method[:8], path=path[:300], ip=ip[:64]))  # type: ignore[arg-type]
        token.last_used_at = now
        session.add(token)
        return ApiCaller(token_id=token.id, scopes=frozenset(token.scopes or ()), user=owner)  # type: ignore[arg-type]


def recent_uses(session: Session, token_id: int, limit: int = 20) -> list[ApiTokenUse]:
    """A token's latest uses, newest first."""
    return list(
        session.exec(
            select(ApiTokenUse)
            .where(ApiTokenUse.token_id == token_id)
            .order_by(col(ApiTokenUse.at).desc(), col(ApiTokenUse.id).desc())
            .limit(limit)
        ).all()
    )


def prune_uses(engine: Engine, now: datetime | None = None) -> int:
    """Delete use-log rows older than USE_LOG_DAYS (a background job); returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=USE_LOG_DAYS)
    with session_scope(engine) as session:
        result = session.exec(delete(ApiTokenUse).where(col(ApiTokenUse.at) < cutoff))  # type: ignore[call-overload]
        return int(result.rowcount or 0)
