"""Times are stored in UTC and shown and entered in the display time zone."""

from datetime import UTC, datetime

import pytest

from exam import timeutil


@pytest.fixture(autouse=True)
def _restore():
    yield
    timeutil.set_display_timezone("UTC")


def test_beijing_time_round_trip() -> None:
    timeutil.set_display_timezone("Asia/Shanghai")
    entered = datetime(2026, 3, 1, 9, 0)  # 09:00 Beijing time, as typed in a form
    stored = timeutil.from_display(entered)
    assert stored == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    assert timeutil.to_display(stored).strftime("%H:%M") == "09:00"
    assert timeutil.display_tz_label() == "UTC+8"


def test_utc_and_half_hour_offsets() -> None:
    timeutil.set_display_timezone("UTC")
    assert timeutil.display_tz_label() == "UTC"
    assert timeutil.from_display(datetime(2026, 3, 1, 9, 0)).hour == 9
    timeutil.set_display_timezone("Asia/Kolkata")
    assert timeutil.display_tz_label() == "UTC+5:30"


def test_unknown_time_zone_is_refused() -> None:
    from exam.settings import Settings

    with pytest.raises(ValueError, match="unknown time zone"):
        Settings(timezone="Mars/Olympus")
