"""Webhooks and group-chat robots of an opening: the endpoints HR manages, and the outbox the services write.

:func:`emit` is called by the service that submits, grades, overrides or decides an attempt, inside that
service's transaction (a transactional outbox): the event and one delivery per matching active endpoint
are committed together with the change, or not at all. ``services.webhook_delivery`` sends them.

Managing an opening's endpoints and reading their delivery log take the ``edit`` action of
``services.access`` (the owner and the HR users it is shared with), like invitations and decisions.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlmodel import Session, col, select

from exam.db import CommitSignal, transactional
from exam.errors import UserError
from exam.models import Attempt, Invitation, Opening, User, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookTry
from exam.security import N_
from exam.services import access
from exam.services.accounts import audit
from exam.services.webhook_formats import EVENTS, KINDS, PING
from exam.timeutil import utcnow

__all__ = [
    "EVENTS",
    "KINDS",
    "WebhookError",
    "LogRow",
    "add_endpoint",
    "check_target",
    "check_url",
    "deliveries",
    "emit",
    "endpoints_of",
    "on_new_deliveries",
    "remove_endpoint",
    "resend",
    "send_test",
    "set_active",
]

DEFAULT_EVENTS = {"generic": list(EVENTS), "wecom": ["attempt.graded"], "dingtalk": ["attempt.graded"]}
DEFAULT_EVENTS["feishu"] = ["attempt.graded"]
NEW_DELIVERIES = CommitSignal("webhooks_new")  # wakes this process's job after the commit


class WebhookError(UserError):
    """A refused endpoint or action; ``message`` is an English msgid."""


# --- the outbox ----------------------------------------------------------------------------------


def _candidate_name(session: Session, attempt: Attempt) -> str:
    invitation = session.get(Invitation, attempt.invitation_id) if attempt.invitation_id else None
    if invitation is not None and invitation.name:
        return invitation.name
    user = session.get(User, attempt.candidate_id)
    return (user.display_name or user.username) if user is not None else ""


def payload_of(session: Session, kind: str, event_uid: str, attempt: Attempt, opening: Opening) -> dict[str, Any]:
    """The generic JSON of an event (``report_url`` is added when sending, from the public base URL)."""
    return {
        "id": event_uid,
        "event": kind,
        "occurred_at": utcnow().isoformat().replace("+00:00", "Z"),
        "opening": {"id": opening.id, "title": opening.title},
        "attempt": {
            "id": attempt.id,
            "candidate": _candidate_name(session, attempt),
            "status": attempt.status,
            "hiring_score": attempt.hiring_score,
            "band": attempt.band,
            "hard_requirements_met": attempt.hard_requirements_met,
            "decision": attempt.decision,
        },
        "report_path": f"/hr/attempts/{attempt.id}",
    }


def emit(session: Session, kind: str, attempt: Attempt) -> WebhookEvent | None:
    """Write an event of ``attempt`` and a delivery per active endpoint of its opening that wants ``kind``.

    Runs in the caller's transaction (nothing is committed here); None when no endpoint wants the event.
    """
    rows = session.exec(
        select(WebhookEndpoint).where(
            WebhookEndpoint.opening_id == attempt.opening_id, col(WebhookEndpoint.active).is_(True)
        )
    ).all()
    targets = [e for e in rows if kind in (e.events or [])]
    if not targets:
        return None
    opening = session.get(Opening, attempt.opening_id)
    if opening is None:
        return None
    uid = "evt_" + uuid.uuid4().hex
    row = WebhookEvent(
        uid=uid,
        opening_id=opening.id,  # type: ignore[arg-type]
        attempt_id=attempt.id,
        kind=kind,
        payload=payload_of(session, kind, uid, attempt, opening),
    )
    session.add(row)
    session.flush()
    for endpoint in targets:
        session.add(WebhookDelivery(uid="dlv_" + uuid.uuid4().hex, event_id=row.id, endpoint_id=endpoint.id))  # type: ignore[arg-type]
    session.flush()
    NEW_DELIVERIES.raise_on(session)
    return row


def on_new_deliveries(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` after each commit that wrote deliveries (the in-process deliverer wakes up at once)."""
    return NEW_DELIVERIES.subscribe(callback)


# --- where requests may go (SSRF) ------------------------------------------------------------------


def _address_refused(address: str, settings: Any) -> str | None:
    """Why this IP address is no place for a webhook (None: fine)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        if settings.environment != "production" or settings.webhook_allow_private:
            return None
        return N_("Webhooks cannot be sent to this server itself (set EXAM_WEBHOOK_ALLOW_PRIVATE to allow it).")
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return N_("Webhooks cannot be sent to link-local, multicast or reserved addresses.")
    if (ip.is_private or not ip.is_global) and not settings.webhook_allow_private:
        return N_("Webhooks cannot be sent to a private network address (set EXAM_WEBHOOK_ALLOW_PRIVATE to allow it).")
    return None


def check_target(settings: Any, host: str, port: int | None) -> str | None:
    """Resolve ``host`` and return why any of its addresses is refused (None: every address is fine)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        addresses = [host.strip("[]")]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None  # unknown now: the request fails on its own, and the check runs again before each send
        addresses = sorted({str(info[4][0]) for info in infos})
    for address in addresses:
        reason = _address_refused(address, settings)
        if reason:
            return reason
    return None


def _is_loopback_host(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(settings: Any, url: str) -> str:
    """The cleaned URL of a new endpoint, or WebhookError (HTTPS; plain HTTP only to this machine; no SSRF)."""
    url = (url or "").strip()
    if not url:
        raise WebhookError(N_("Enter the address the events are sent to."))
    if len(url) > 1000 or any(ch.isspace() for ch in url):
        raise WebhookError(N_("This address is too long or contains spaces."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookError(N_("This is not a valid web address.")) from exc
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookError(N_("The address must start with https:// and name a server."))
    if parts.username or parts.password:
        raise WebhookError(N_("The address must not contain a user name or password."))
    if parts.scheme == "http" and not (_is_loopback_host(host) or settings.webhook_allow_private):
        raise WebhookError(N_("Use an https:// address (plain http:// is only allowed to this machine)."))
    reason = check_target(settings, host, port)
    if reason:
        raise WebhookError(reason)
    return url


# --- endpoints (HR) ------------------------------------------------------------------------------


def endpoints_of(session: Session, opening: Opening) -> list[WebhookEndpoint]:
    """The opening's endpoints, oldest first."""
    return list(
        session.exec(
            select(WebhookEndpoint).where(WebhookEndpoint.opening_id == opening.id).order_by(col(WebhookEndpoint.id))
        ).all()
    )


def _endpoint(session: Session, actor: User, opening_id: int, endpoint_id: int) -> WebhookEndpoint:
    access.require_opening(session, actor, opening_id, "edit")
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.opening_id != opening_id:
        raise access.NoAccess(f"webhook {endpoint_id}")
    return endpoint


def _audit_view(endpoint: WebhookEndpoint) -> dict[str, Any]:
    parts = urlsplit(endpoint.url)
    return {"kind": endpoint.kind, "host": parts.hostname, "events": endpoint.events, "active": endpoint.active}


@transactional
def add_endpoint(
    session: Session,
    settings: Any,
    actor: User,
    opening_id: int,
    *,
    kind: str,
    url: str,
    events: Iterable[str] = (),
    secret: str = "",
) -> WebhookEndpoint:
    """Add an endpoint to an opening (generic ones get a new signing secret; robots keep their own, if any)."""
    opening = access.require_opening(session, actor, opening_id, "edit")
    if kind not in KINDS:
        raise WebhookError(N_("Choose the kind of receiver."))
    clean = check_url(settings, url)
    chosen = [e for e in EVENTS if e in set(events)] or list(DEFAULT_EVENTS[kind])
    secret = (secret or "").strip()
    if kind == "generic":
        secret = "whsec_" + secrets.token_urlsafe(32)
    elif kind == "wecom":
        secret = ""
    elif len(secret) > 200:
        raise WebhookError(N_("The robot's signing secret is too long."))
    endpoint = WebhookEndpoint(
        opening_id=opening.id,  # type: ignore[arg-type]
        kind=kind,
        url=clean,
        secret=secret,
        events=chosen,
        created_by_id=actor.id,
    )
    session.add(endpoint)
    session.flush()
    audit(session, actor, "webhook.add", "opening", str(opening.id), after=_audit_view(endpoint))
    return endpoint


@transactional
def set_active(session: Session, actor: User, opening_id: int, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Pause or resume an endpoint (a paused one gets no new deliveries; pending ones still go)."""
    endpoint = _endpoint(session, actor, opening_id, endpoint_id)
    if endpoint.active != active:
        endpoint.active = active
        session.add(endpoint)
        audit(session, actor, "webhook.active" if active else "webhook.paused", "opening", str(opening_id))
    return endpoint


@transactional
def remove_endpoint(session: Session, actor: User, opening_id: int, endpoint_id: int) -> None:
    """Delete an endpoint with its deliveries and their log."""
    endpoint = _endpoint(session, actor, opening_id, endpoint_id)
    before = _audit_view(endpoint)
    ids = list(session.exec(select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)).all())
    for row in session.exec(select(WebhookTry).where(col(WebhookTry.delivery_id).in_(ids or [-1]))).all():
        session.delete(row)
    for delivery in session.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)).all():
        session.delete(delivery)
    session.flush()
    session.delete(endpoint)
    audit(session, actor, "webhook.remove", "opening", str(opening_id), before=before)


@transactional
def send_test(session: Session, actor: User, opening_id: int, endpoint_id: int) -> WebhookDelivery:
    """Queue a test event ("ping") to one endpoint, with the opening's newest attempt or a made-up one."""
    endpoint = _endpoint(session, actor, opening_id, endpoint_id)
    opening = session.get(Opening, opening_id)
    assert opening is not None
    uid = "evt_" + uuid.uuid4().hex
    payload = {
        "id": uid,
        "event": PING,
        "occurred_at": utcnow().isoformat().replace("+00:00", "Z"),
        "opening": {"id": opening.id, "title": opening.title},
        "attempt": {
            "id": None,
            "candidate": "测试候选人",
            "status": "graded",
            "hiring_score": 88.5,
            "band": "测试",
            "hard_requirements_met": True,
            "decision": None,
        },
        "report_path": f"/hr/openings/{opening.id}",
    }
    row = WebhookEvent(uid=uid, opening_id=opening.id, attempt_id=None, kind=PING, payload=payload)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    delivery = WebhookDelivery(uid="dlv_" + uuid.uuid4().hex, event_id=row.id, endpoint_id=endpoint.id)  # type: ignore[arg-type]
    session.add(delivery)
    session.flush()
    NEW_DELIVERIES.raise_on(session)
    return delivery


@transactional
def resend(session: Session, actor: User, opening_id: int, delivery_id: int) -> WebhookDelivery:
    """Queue a delivery again now (same X-Exam-Delivery id, a fresh retry schedule)."""
    access.require_opening(session, actor, opening_id, "edit")
    delivery = session.get(WebhookDelivery, delivery_id)
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if delivery is None or endpoint is None or endpoint.opening_id != opening_id:
        raise access.NoAccess(f"delivery {delivery_id}")
    if delivery.status == "sending":
        raise WebhookError(N_("This delivery is being sent right now."))
    delivery.status, delivery.tries, delivery.next_try_at, delivery.lease_until = "pending", 0, utcnow(), None
    session.add(delivery)
    session.flush()
    NEW_DELIVERIES.raise_on(session)
    audit(session, actor, "webhook.resend", "opening", str(opening_id), after={"delivery": delivery.uid})
    return delivery


# --- the delivery log ----------------------------------------------------------------------------


@dataclass
class LogRow:
    """One line of the delivery log."""

    delivery: WebhookDelivery
    event: WebhookEvent
    endpoint: WebhookEndpoint
    tries: int


def deliveries(session: Session, opening: Opening, limit: int = 50) -> list[LogRow]:
    """The opening's newest deliveries with their event, endpoint and number of tries."""
    rows = session.exec(
        select(WebhookDelivery, WebhookEvent, WebhookEndpoint)
        .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(WebhookEndpoint.opening_id == opening.id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    ).all()
    ids = [d.id for d, _e, _p in rows]
    counts = dict(
        session.exec(  # type: ignore[call-overload]
            select(WebhookTry.delivery_id, func.count())
            .where(col(WebhookTry.delivery_id).in_(ids or [-1]))
            .group_by(col(WebhookTry.delivery_id))
        ).all()
    )
    return [LogRow(d, e, p, int(counts.get(d.id, 0))) for d, e, p in rows]
