"""UTC time helpers: store UTC, normalise on read."""

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes as UTC and convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC."""
    return as_utc(value).isoformat()


def parse_iso(value: object) -> datetime | None:
    """An ISO 8601 string as an aware UTC datetime (None when it is not one)."""
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


_display_tz: tzinfo = UTC


def set_display_timezone(name: str) -> None:
    """Set the time zone in which people read and enter times (e.g. Asia/Shanghai)."""
    global _display_tz
    _display_tz = UTC if name.upper() == "UTC" else ZoneInfo(name)


def display_timezone() -> tzinfo:
    """The time zone in which people read and enter times."""
    return _display_tz


def to_display(value: datetime) -> datetime:
    """A stored (UTC) datetime in the display time zone."""
    return as_utc(value).astimezone(_display_tz)


def from_display(value: datetime) -> datetime:
    """A datetime entered in the display time zone (naive) as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_display_tz)
    return value.astimezone(UTC)


def display_tz_label() -> str:
    """The display time zone's offset as people write it: UTC, UTC+8, UTC+5:30."""
    offset = utcnow().astimezone(_display_tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")
