"""The deliverer: posts due webhook deliveries with httpx, records each try, retries with exponential back-off.

A delivery is ``pending`` → ``sending`` (claimed by one deliverer with a conditional UPDATE and held for a
lease, so several processes can run this at once) → ``delivered``, or back to ``pending`` with a later try
after a failure (30 s, 2 min, 10 min, 1 h, 6 h), or ``failed`` after the last one. A failure is a network
error, a timeout, an answer other than 2xx, or a robot's 200 answer with an error code in its body.
The background job runs :func:`deliver_due` every few seconds and at once after a commit that queued
deliveries in this process; ``exam webhooks deliver`` runs it once.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, or_, select

from exam.db import session_scope
from exam.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookTry
from exam.services import webhook_formats, webhooks
from exam.settings import Settings
from exam.timeutil import utcnow

log = logging.getLogger("exam.webhooks")

RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
LEASE = timedelta(minutes=2)
BATCH = 20
WORKERS = 4
EXCERPT = 500
PENDING = ("pending", "sending")


@dataclass
class DeliverReport:
    """What one run of the deliverer did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass
class Outcome:
    """The result of one HTTP try."""

    status_code: int | None
    duration_ms: int
    error: str
    excerpt: str

    @property
    def ok(self) -> bool:
        return not self.error


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return (
        col(WebhookDelivery.status).in_(PENDING),
        or_(col(WebhookDelivery.lease_until).is_(None), col(WebhookDelivery.lease_until) < now),
    )


def claim(engine: Engine, now: datetime, limit: int = BATCH) -> list[int]:
    """Take up to ``limit`` due deliveries for this deliverer until the lease ends (compare-and-set)."""
    taken: list[int] = []
    with session_scope(engine) as session:
        due = session.exec(
            select(WebhookDelivery.id)
            .where(*_claimable(now), WebhookDelivery.next_try_at <= now)
            .order_by(col(WebhookDelivery.next_try_at), col(WebhookDelivery.id))
            .limit(limit)
        ).all()
        for delivery_id in due:
            result = session.execute(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == delivery_id, *_claimable(now))
                .values(status="sending", lease_until=now + LEASE)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                taken.append(delivery_id)  # type: ignore[arg-type]
    return taken


def _prepare(engine: Engine, settings: Settings, delivery_id: int) -> tuple[webhook_formats.Request, str] | str:
    """The request of a claimed delivery and its endpoint's kind, or why it cannot be sent."""
    with session_scope(engine, write=False) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        event = session.get(WebhookEvent, delivery.event_id) if delivery else None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
        if delivery is None or event is None or endpoint is None:
            return "the endpoint or the event no longer exists"
        payload = dict(event.payload or {})
        path = payload.pop("report_path", "") or ""
        report_url = f"{settings.base_url}{path}" if settings.base_url and path else ""
        request = webhook_formats.build(
            endpoint.kind, endpoint.url, endpoint.secret, payload, delivery.uid, report_url, time.time()
        )
        return request, endpoint.kind


def _post(client: httpx.Client, settings: Settings, request: webhook_formats.Request, kind: str) -> Outcome:
    """Make one request and judge its answer."""
    parts = urlsplit(request.url)
    refused = webhooks.check_target(settings, parts.hostname or "", parts.port)
    if refused:
        return Outcome(None, 0, f"refused target: {refused}", "")
    started = time.perf_counter()
    try:
        response = client.post(request.url, content=request.body, headers=request.headers)
    except httpx.TimeoutException as exc:
        return Outcome(None, _ms(started), f"timeout: {type(exc).__name__}", "")
    except httpx.HTTPError as exc:
        return Outcome(None, _ms(started), f"{type(exc).__name__}: {exc}"[:500], "")
    duration = _ms(started)
    text = response.text[:EXCERPT]
    if not 200 <= response.status_code < 300:
        return Outcome(response.status_code, duration, f"HTTP {response.status_code}", text)
    robot = webhook_formats.robot_error(kind, response.text[:4000])
    return Outcome(response.status_code, duration, robot or "", text)


def _ms(started: float) -> int:
    return int(round((time.perf_counter() - started) * 1000))


def _record(engine: Engine, delivery_id: int, outcome: Outcome, now: datetime) -> str:
    """Store one try and the delivery's new state; returns its status."""
    with session_scope(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return "gone"
        session.add(
            WebhookTry(
                delivery_id=delivery_id,
                at=now,
                status_code=outcome.status_code,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
                response_excerpt=outcome.excerpt,
            )
        )
        delivery.tries += 1
        delivery.lease_until = None
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.status, delivery.delivered_at = "delivered", utcnow()
        elif delivery.tries > len(RETRY_DELAYS):
            delivery.status = "failed"
        else:
            delivery.status = "pending"
            delivery.next_try_at = utcnow() + RETRY_DELAYS[delivery.tries - 1]
        session.add(delivery)
        return delivery.status


def _one(engine: Engine, settings: Settings, client: httpx.Client, delivery_id: int) -> str:
    now = utcnow()
    prepared = _prepare(engine, settings, delivery_id)
    if isinstance(prepared, str):
        outcome = Outcome(None, 0, prepared, "")
    else:
        request, kind = prepared
        outcome = _post(client, settings, request, kind)
    status = _record(engine, delivery_id, outcome, now)
    if status == "pending":
        log.warning("webhook delivery %s will be retried: %s", delivery_id, outcome.error)
    elif status == "failed":
        log.warning("webhook delivery %s failed for good: %s", delivery_id, outcome.error)
    return status


def deliver_due(engine: Engine, settings: Settings, now: datetime | None = None) -> DeliverReport:
    """Send the deliveries that are due (several at once, each endpoint's timeout bounding its request)."""
    report = DeliverReport()
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        while True:
            ids = claim(engine, now or utcnow())
            if not ids:
                break
            with ThreadPoolExecutor(max_workers=min(WORKERS, len(ids))) as pool:
                statuses = list(pool.map(lambda i: _one(engine, settings, client, i), ids))
            report.delivered += statuses.count("delivered")
            report.retrying += statuses.count("pending")
            report.failed += statuses.count("failed")
            if len(ids) < BATCH:
                break
    return report
