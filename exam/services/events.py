"""An attempt's integrity events: what the page reports (paste, leaving the tab …) and what the server notes
(sessions and devices, submission). Signal kinds raise the attempt's signal count for HR."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from exam.integrity import CLIENT_KINDS, SIGNAL_KINDS
from exam.models import Attempt, IntegrityEvent
from exam.timeutil import utcnow

MAX_EVENTS_PER_ATTEMPT = 3000
MAX_EVENTS_PER_BATCH = 50


def add_event(
    session: Session, attempt: Attempt, kind: str, detail: Mapping[str, Any] | None = None, at: datetime | None = None
) -> IntegrityEvent | None:
    """Store one integrity event; signal kinds raise the attempt's signal count."""
    event = IntegrityEvent(
        attempt_id=attempt.id,
        at=at or utcnow(),
        kind=kind[:32],  # type: ignore[arg-type]
        detail=_clean_detail(detail or {}),
    )
    session.add(event)
    if kind in SIGNAL_KINDS:
        # atomic in the database; the "evaluate" synchronisation updates the loaded attempt too
        session.execute(update(Attempt).where(Attempt.id == attempt.id).values(signal_count=Attempt.signal_count + 1))
    return event


def _clean_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """A small JSON-safe copy of an event's detail (strings cut, numbers kept)."""
    out: dict[str, Any] = {}
    for key, value in list(detail.items())[:12]:
        key = str(key)[:32]
        if isinstance(value, bool) or value is None:
            out[key] = value
        elif isinstance(value, (int, float)):
            out[key] = value if value == value and abs(value) < 1e12 else None
        else:
            out[key] = str(value)[:200]
    return out


def record_client_events(session: Session, attempt: Attempt, events: Any, now: datetime | None = None) -> int:
    """Store a batch of integrity events sent by the exam page; unknown kinds and excess are dropped."""
    now = now or utcnow()
    if not isinstance(events, list):
        return 0
    stored = session.exec(select(IntegrityEvent.id).where(IntegrityEvent.attempt_id == attempt.id)).all()
    room = MAX_EVENTS_PER_ATTEMPT - len(stored)
    count = 0
    for raw in events[:MAX_EVENTS_PER_BATCH]:
        if count >= room or not isinstance(raw, Mapping):
            break
        kind = raw.get("kind")
        if kind not in CLIENT_KINDS:
            continue
        age = raw.get("age_ms")
        age_s = min(max(float(age) / 1000, 0.0), 3600.0) if isinstance(age, (int, float)) and age == age else 0.0
        detail = raw.get("detail") if isinstance(raw.get("detail"), Mapping) else {}
        add_event(session, attempt, kind, detail, now - timedelta(seconds=age_s))
        count += 1
    return count


def session_seen(session: Session, attempt: Attempt, session_key: str) -> bool:
    """Whether this login session has opened the attempt before."""
    key = session_key[:16]
    seen = session.exec(
        select(IntegrityEvent).where(
            IntegrityEvent.attempt_id == attempt.id, IntegrityEvent.kind.in_(["session_start", "second_session"])
        )  # type: ignore[attr-defined]
    ).all()
    return any((e.detail or {}).get("session") == key for e in seen)


def note_session(
    session: Session,
    attempt: Attempt,
    session_key: str,
    *,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> bool:
    """Remember which login sessions opened the attempt; a second one is a signal. True if it was new."""
    key = session_key[:16]
    if session_seen(session, attempt, key):
        return False
    seen = session.exec(
        select(IntegrityEvent.id).where(
            IntegrityEvent.attempt_id == attempt.id, IntegrityEvent.kind.in_(["session_start", "second_session"])
        )  # type: ignore[attr-defined]
    ).first()
    kind = "second_session" if seen is not None else "session_start"
    add_event(session, attempt, kind, {"session": key, "ip": ip[:64], "user_agent": user_agent[:200]}, now)
    return True
