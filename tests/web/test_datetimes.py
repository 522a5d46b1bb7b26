"""Datetimes are stored in UTC and come back timezone-aware on both engines."""

from datetime import UTC, datetime, timedelta, timezone

from sqlmodel import select

from exam.models import LoginAttempt


def test_aware_utc_roundtrip(session) -> None:
    shanghai = timezone(timedelta(hours=8))
    local = datetime(2026, 11, 23, 20, 30, tzinfo=shanghai)
    session.add(LoginAttempt(username="x", ip="1.2.3.4", at=local))
    session.add(LoginAttempt(username="y", ip="1.2.3.4", at=datetime(2026, 11, 23, 12, 30)))  # naive = UTC
    session.commit()
    session.expunge_all()
    rows = {r.username: r.at for r in session.exec(select(LoginAttempt)).all()}
    assert rows["x"].tzinfo is not None and rows["x"].utcoffset() == timedelta(0)
    assert rows["x"] == local
    assert rows["x"].hour == 12
    assert rows["y"] == datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
    # comparisons in SQL use UTC too
    later = session.exec(select(LoginAttempt).where(LoginAttempt.at > datetime(2026, 11, 23, 12, 0, tzinfo=UTC))).all()
    assert {r.username for r in later} == {"x", "y"}
