"""Delivery windows across time zones (pure)."""

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cadence import WorkingHours, delivery_time

BERLIN = WorkingHours("Europe/Berlin", 9 * 60, 17 * 60)
NEW_YORK = WorkingHours("America/New_York", 9 * 60, 17 * 60)
TOKYO = WorkingHours("Asia/Tokyo", 9 * 60, 17 * 60)


def test_inside_both_windows_is_now() -> None:
    at = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday: 16:00 Berlin, 10:00 New York
    assert delivery_time(at, BERLIN, NEW_YORK) == at


def test_waits_for_the_overlap() -> None:
    at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 10:00 Berlin, 04:00 New York
    assert delivery_time(at, BERLIN, NEW_YORK) == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


def test_skips_the_weekend() -> None:
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert delivery_time(saturday, BERLIN, NEW_YORK) == datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


def test_no_overlap_falls_back_to_the_mentees_hours() -> None:
    at = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)  # New York 13:00; Tokyo and New York never overlap 9-17
    assert delivery_time(at, NEW_YORK, TOKYO) == at
    night = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # New York 18:00: next New York morning
    assert delivery_time(night, NEW_YORK, TOKYO) == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]


@settings(max_examples=200, deadline=None)
@given(
    at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    a=st.sampled_from(ZONES),
    b=st.sampled_from(ZONES),
    a_start=st.integers(0, 20),
    b_start=st.integers(0, 20),
)
def test_delivery_is_never_outside_the_mentees_working_day(
    at: datetime, a: str, b: str, a_start: int, b_start: int
) -> None:
    mentee = WorkingHours(a, a_start * 60, a_start * 60 + 240)
    mentor = WorkingHours(b, b_start * 60, b_start * 60 + 240)
    when = delivery_time(at, mentee, mentor)
    assert when >= at
    assert mentee.contains(when)
