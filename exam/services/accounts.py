"""Account services shared by the web layer and the CLI: users, sessions, login throttling."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from exam import security
from exam.db import transactional, writer
from exam.errors import UserError
from exam.hiring.explain import AUDIT_TARGETS, audit_label
from exam.i18n import gettext as _
from exam.models import AuditLog, JobProfile, LoginAttempt, Opening, Question, Role, User, UserSession
from exam.security import N_
from exam.settings import Settings
from exam.timeutil import as_utc, utcnow

log = logging.getLogger("exam.security")

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
ROLE_LABELS = {"admin": N_("admin"), "hr": N_("hr"), "trainer": N_("trainer"), "candidate": N_("candidate")}


class AccountError(UserError):
    """A refused account operation; the message (an English msgid) says why."""

    @classmethod
    def from_policy(cls, exc: security.PasswordPolicyError) -> AccountError:
        """Wrap a password-policy refusal."""
        return cls(exc.message, **exc.params)


def audit(
    session: Session,
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    comment: str = "",
) -> AuditLog:
    """Add an audit entry to the session (committed with the change it records)."""
    entry = AuditLog(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        comment=comment,
    )
    session.add(entry)
    return entry


def audit_now(
    engine: Engine,
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: str = "",
    after: dict | None = None,
) -> None:
    """Write one audit entry in its own short write transaction (for reads worth recording, e.g. exports)."""
    with Session(writer(engine), expire_on_commit=False) as session:
        audit(session, actor, action, target_type, target_id, after=after)
        session.commit()


def has_admin(session: Session) -> bool:
    """Whether any admin account exists."""
    return session.exec(select(User.id).where(User.role == Role.admin)).first() is not None


def list_users(session: Session, role: str | None = None, q: str = "", limit: int | None = None) -> list[User]:
    """Accounts by role and name, optionally filtered by role and a name fragment."""
    stmt = select(User).order_by(User.role, User.username)
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        stmt = stmt.where(User.username.contains(q) | User.display_name.contains(q))  # type: ignore[attr-defined]
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())


def recent_audit(session: Session, limit: int = 15) -> list[AuditLog]:
    """The newest audit entries."""
    return list(session.exec(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)).all())  # type: ignore[union-attr]


def recent_changes(session: Session, limit: int = 15) -> list[dict[str, Any]]:
    """The newest audit entries in words: when, who, what and to what (names, never raw keys)."""
    entries = recent_audit(session, limit)
    user_ids = {e.actor_id for e in entries if e.actor_id}
    user_ids |= {int(e.target_id) for e in entries if e.target_type == "user" and str(e.target_id).isdigit()}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids or {-1}))).all()}
    opening_ids = {int(e.target_id) for e in entries if e.target_type == "opening" and str(e.target_id).isdigit()}
    openings = {o.id: o for o in session.exec(select(Opening).where(col(Opening.id).in_(opening_ids or {-1}))).all()}
    out = []
    for e in entries:
        actor = users.get(e.actor_id) if e.actor_id else None
        target = ""
        tid = int(e.target_id) if str(e.target_id).isdigit() else None
        if e.target_type == "user" and tid in users:
            target = users[tid].display_name or users[tid].username
        elif e.target_type == "opening" and tid in openings:
            target = openings[tid].title
        elif e.target_type in ("question", "profile"):
            row = session.get(Question if e.target_type == "question" else JobProfile, e.target_id)
            target = f"{_(AUDIT_TARGETS[e.target_type])}「{_short(row.title)}」" if row else ""
        elif e.target_type in AUDIT_TARGETS:
            target = f"{_(AUDIT_TARGETS[e.target_type])} #{e.target_id}"
        out.append(
            {
                "at": e.at,
                "actor": (actor.display_name or actor.username) if actor else _("system"),
                "label": audit_label(e.action),
                "target": target,
            }
        )
    return out


def _short(text: str, size: int = 30) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def get_user(session: Session, username: str) -> User | None:
    """The user with this name (case-insensitive), if any."""
    return session.exec(select(User).where(func.lower(User.username) == username.strip().lower())).first()


@transactional
def create_user(
    session: Session,
    username: str,
    role: Role | str,
    password: str | None,
    *,
    display_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an account; candidates may have no password (they sign in by invitation)."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AccountError(N_("The user name must be 2 to 64 letters, digits or . _ @ -."))
    try:
        role = Role(role)
    except ValueError as exc:
        raise AccountError(N_("Unknown role %(role)s."), role=str(role)) from exc
    if get_user(session, username):
        raise AccountError(N_("The user name %(name)s is taken."), name=username)
    if password is None and role != Role.candidate:
        raise AccountError(N_("A password is required."))
    password_hash = None
    if password is not None:
        try:
            security.check_password_policy(password, username=username)
        except security.PasswordPolicyError as exc:
            raise AccountError.from_policy(exc) from exc
        password_hash = security.hash_password(password)
    user = User(
        username=username,
        role=role,
        display_name=display_name or username,
        email=email,
        phone=phone,
        password_hash=password_hash,
        password_changed_at=utcnow() if password_hash else None,
    )
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", "user", str(user.id), after={"username": username, "role": role.value})
    return user


@transactional
def set_password(session: Session, user: User, password: str, *, actor: User | None = None) -> None:
    """Change a password (policy-checked) and end the user's other sessions."""
    try:
        security.check_password_policy(password, username=user.username)
    except security.PasswordPolicyError as exc:
        raise AccountError.from_policy(exc) from exc
    user.password_hash = security.hash_password(password)
    user.password_changed_at = utcnow()
    session.add(user)
    revoke_sessions(session, user.id)
    audit(session, actor, "user.password", "user", str(user.id))


@transactional
def set_active(session: Session, user: User, active: bool, *, actor: User | None = None) -> None:
    """Disable or re-enable an account; disabling ends every session of that user."""
    before = user.is_active
    user.is_active = active
    session.add(user)
    if not active:
        revoke_sessions(session, user.id)
    audit(
        session,
        actor,
        "user.enable" if active else "user.disable",
        "user",
        str(user.id),
        before={"is_active": before},
        after={"is_active": active},
    )


def revoke_sessions(session: Session, user_id: int | None) -> None:
    """End every open session of a user."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))  # type: ignore[union-attr]
        .values(revoked_at=utcnow())
    )


# --- login throttling -----------------------------------------------------------------


FIRST_DELAY_SECONDS = 15  # the first delay after the allowed failures; it doubles with each further failure
ACCOUNT_MAX_DELAY_SECONDS = 15 * 60  # at most this long for the address the failures came from
OTHER_ADDRESS_MAX_DELAY_SECONDS = 60  # an account's delay for an address that did not fail on it
ADDRESS_FACTOR = 20  # an address may fail this many times more than one account before it is slowed
ADDRESS_MAX_DELAY_SECONDS = 60  # and an address is never held back longer than this


def address_limit(settings: Settings) -> int:
    """Failures allowed from one address in the window before its delay starts (far above one account's)."""
    return settings.login_max_failures * ADDRESS_FACTOR


def _delay(failures: int, allowed: int, cap: int) -> int:
    """The delay after ``failures`` checked failures: 0 below ``allowed``, then 15 s, 30 s, 1 min ... ``cap``."""
    if failures < allowed:
        return 0
    return min(FIRST_DELAY_SECONDS * 2 ** min(failures - allowed, 20), cap)


def _remaining(last: datetime | None, delay: int, now: datetime) -> int:
    """Whole seconds left of ``delay`` counted from ``last`` (rounded up, so that waiting that long is enough)."""
    if last is None or delay <= 0:
        return 0
    left = (as_utc(last) + timedelta(seconds=delay) - now).total_seconds()
    return max(0, math.ceil(left))


def throttle_wait(session: Session, settings: Settings, username: str, ip: str, now: datetime | None = None) -> int:
    """Seconds to wait before another login try for this account from this address (0: go ahead).

    Only checked tries count (a try refused while throttled is not stored), so waiting the returned time is
    always enough. Per account: after ``login_max_failures`` failures since its last success (within the
    window) the delay grows from 15 s up to 15 min, but an address that did not fail on the account waits
    at most a minute (a drip of wrong tries from elsewhere cannot keep the right password out). Per
    address: 20 times as many failures, and never more than a minute (an office behind one address).
    """
    now = now or utcnow()
    since = now - timedelta(minutes=settings.login_window_minutes)
    name = username.strip().lower()
    failed = LoginAttempt.success.is_(False)  # type: ignore[attr-defined]
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == name, LoginAttempt.success.is_(True))  # type: ignore[attr-defined]
    ).one()
    start = max(since, as_utc(last_success)) if last_success else since
    in_window = LoginAttempt.at > start  # type: ignore[operator]
    failures, last_failure = session.exec(
        select(func.count(), func.max(LoginAttempt.at)).where(LoginAttempt.username == name, failed, in_window)
    ).one()
    delay = _delay(int(failures), settings.login_max_failures, ACCOUNT_MAX_DELAY_SECONDS)
    if delay:
        own = session.exec(
            select(func.count()).where(LoginAttempt.username == name, LoginAttempt.ip == ip, failed, in_window)
        ).one()
        if not own:
            delay = min(delay, OTHER_ADDRESS_MAX_DELAY_SECONDS)
    account_wait = _remaining(last_failure, delay, now)
    ip_failures, ip_last = session.exec(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.ip == ip,
            failed,
            LoginAttempt.at > since,  # type: ignore[operator]
        )
    ).one()
    ip_wait = _remaining(ip_last, _delay(int(ip_failures), address_limit(settings), ADDRESS_MAX_DELAY_SECONDS), now)
    return max(account_wait, ip_wait)


def record_attempt(
    session: Session, username: str, ip: str, success: bool, reason: str = "", now: datetime | None = None
) -> None:
    """Store a login try; every failure is also logged."""
    session.add(LoginAttempt(username=username.strip().lower()[:64], ip=ip[:64], success=success, at=now or utcnow()))
    if not success:
        log.warning("login failed user=%r ip=%s reason=%s", username[:64], ip, reason or "bad credentials")


@dataclass
class LoginResult:
    """The outcome of a login try."""

    user: User | None = None
    wait_seconds: int = 0
    error: str = ""
    token: str = ""


def authenticate(
    session: Session, settings: Settings, username: str, password: str, ip: str, now: datetime | None = None
) -> LoginResult:
    """Check credentials with throttling; upgrade the stored hash when the parameters changed."""
    now = now or utcnow()
    wait = throttle_wait(session, settings, username, ip, now)
    if wait:
        # logged, not stored: a refused try neither counts as a failure nor extends the delay
        log.warning("login refused (throttled %ss) user=%r ip=%s", wait, username[:64], ip)
        return LoginResult(wait_seconds=wait, error="throttled")
    user = get_user(session, username)
    ok, new_hash = security.verify_password(password, user.password_hash if user else None)
    if not ok or user is None:
        record_attempt(session, username, ip, False, now=now)
        return LoginResult(error="invalid")
    if not user.is_active:
        record_attempt(session, username, ip, False, "disabled", now)
        return LoginResult(error="disabled")
    if new_hash:
        user.password_hash = new_hash
        session.add(user)
    record_attempt(session, username, ip, True, now=now)
    return LoginResult(user=user)


# --- sessions -----------------------------------------------------------------------------


def start_session(session: Session, settings: Settings, user: User, ip: str = "", user_agent: str = "") -> str:
    """Open a new server-side session and return its cookie token."""
    token = security.new_token()
    now = utcnow()
    session.add(
        UserSession(
            id=security.token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    return token


# one query per request for the session and its user (built once: every request runs it)
_SESSION_AND_USER = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)  # type: ignore[arg-type]
    .where(UserSession.id == bindparam("sid"))
)


def resolve_session(session: Session, settings: Settings, token: str | None) -> tuple[UserSession | None, User | None]:
    """The live session and user for a cookie token; expired, revoked or disabled give (None, None)."""
    if not token:
        return None, None
    found = session.exec(_SESSION_AND_USER, params={"sid": security.token_hash(token)}).first()  # type: ignore[call-overload]
    if found is None:
        return None, None
    record, user = found
    if record.revoked_at is not None:
        return None, None
    now = utcnow()
    if now >= as_utc(record.expires_at) or now - as_utc(record.last_seen_at) > timedelta(
        minutes=settings.session_idle_minutes
    ):
        return None, None
    if not user.is_active:
        return None, None
    return record, user


def touch_session(session: Session, record: UserSession) -> None:
    """Move the idle clock forward (at most once a minute, to spare writes)."""
    now = utcnow()
    if now - as_utc(record.last_seen_at) > timedelta(seconds=60):
        session.execute(update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now))
        session.commit()


def current_user(session: Session, settings: Settings, token: str | None) -> User | None:
    """The signed-in user of a request's session cookie (its idle clock moved forward), or None."""
    record, user = resolve_session(session, settings, token)
    # End this read now: a transaction must not span FastAPI's threadpool hops (SQLite's write lock, taken by
    # BEGIN IMMEDIATE, would be held while waiting for a thread), and touch_session's write must not upgrade
    # a read snapshot (SQLite WAL refuses that with "database is locked" when another write came in between).
    session.commit()
    if record is not None:
        touch_session(session, record)
    return user


@transactional
def login(
    session: Session,
    settings: Settings,
    username: str,
    password: str,
    ip: str,
    user_agent: str = "",
    old_token: str | None = None,
    now: datetime | None = None,
) -> LoginResult:
    """A login try: throttled credentials check; on success the old session ends and a new one starts."""
    result = authenticate(session, settings, username, password, ip, now or utcnow())
    if result.user is not None:
        end_session(session, old_token)
        result.token = start_session(session, settings, result.user, ip, user_agent)
    return result


@transactional
def logout(session: Session, token: str | None) -> None:
    """End the session of this cookie token."""
    end_session(session, token)


def end_session(session: Session, token: str | None) -> None:
    """Log out: revoke the session of this token."""
    if token:
        session.execute(
            update(UserSession).where(UserSession.id == security.token_hash(token)).values(revoked_at=utcnow())
        )
