"""Proposing a pair's first meeting times across time zones, clock changes and busy calendars (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cadence import WorkingHours
from bot.meeting_times import NOTICE, Proposal, local_labels, next_working_morning, propose

MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def on_shift(moment: datetime, hours: WorkingHours) -> bool:
    """An independent reading of working hours, minute by minute: a day past midnight belongs to the day it starts."""
    local = moment.astimezone(hours.zone())
    minute = local.hour * 60 + local.minute
    if hours.start_minute < hours.end_minute:
        return local.weekday() < 5 and hours.start_minute <= minute < hours.end_minute
    if hours.start_minute > hours.end_minute and minute >= hours.start_minute:
        return local.weekday() < 5
    if hours.start_minute > hours.end_minute and minute < hours.end_minute:
        return (local - timedelta(days=1)).weekday() < 5
    return False


def inside_everyones_day(start: datetime, minutes: int, people: Sequence[WorkingHours]) -> bool:
    return all(on_shift(start + timedelta(minutes=m), hours) for m in range(minutes) for hours in people)


def assert_well_formed(proposal: Proposal, after: datetime, people: Sequence[WorkingHours]) -> None:
    for start in proposal.times:
        assert start.utcoffset() == timedelta(0)
        assert start >= after + NOTICE
        assert start.minute % 15 == 0 and start.second == 0 and start.microsecond == 0
        assert inside_everyones_day(start, proposal.minutes, people)
    assert len(set(proposal.times)) == len(proposal.times)


PAIRS = {
    "same zone": (WorkingHours("Europe/London", 9 * 60, 17 * 60), WorkingHours("Europe/London", 9 * 60, 17 * 60)),
    "6 hours, New York and Berlin": (
        WorkingHours("America/New_York", 9 * 60, 17 * 60),
        WorkingHours("Europe/Berlin", 9 * 60, 17 * 60),
    ),
    "6 hours, London and Dhaka": (
        WorkingHours("Europe/London", 8 * 60, 16 * 60),
        WorkingHours("Asia/Dhaka", 10 * 60, 19 * 60),
    ),
    "12 hours, an early New York and a late Bangkok": (
        WorkingHours("America/New_York", 7 * 60, 16 * 60),
        WorkingHours("Asia/Bangkok", 12 * 60, 21 * 60),
    ),
}


@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_a_new_pair_gets_three_times_inside_both_working_days_on_different_days(
    pair: tuple[WorkingHours, WorkingHours],
) -> None:
    proposal = propose(MONDAY, pair, 30)

    assert len(proposal.times) == 3
    assert_well_formed(proposal, MONDAY, pair)
    for hours in pair:
        local_days = {start.astimezone(hours.zone()).date() for start in proposal.times}
        assert len(local_days) == 3
        assert all(day.weekday() < 5 for day in local_days)
    assert proposal.compromise is None and not proposal.suggest_async and proposal.assumed_utc == ()


def test_colleagues_in_one_zone_are_offered_a_mix_of_mornings_and_afternoons() -> None:
    proposal = propose(MONDAY, PAIRS["same zone"], 30)

    hours_of_day = {start.astimezone(PAIRS["same zone"][0].zone()).hour for start in proposal.times}
    assert len(hours_of_day) == 3
    assert min(hours_of_day) < 12 < max(hours_of_day)


def test_a_single_free_day_gets_three_times_hours_apart_not_three_adjacent_slots() -> None:
    friday_morning = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
    monday = (datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
    pair = PAIRS["same zone"]

    proposal = propose(friday_morning, pair, 30, busy=[monday], days=1)

    assert len(proposal.times) == 3
    assert_well_formed(proposal, friday_morning, pair)
    assert {start.date() for start in proposal.times} == {friday_morning.date()}
    ordered = sorted(proposal.times)
    assert all(later - earlier >= timedelta(hours=3) for earlier, later in pairwise(ordered))


def test_nobody_is_asked_to_meet_within_the_notice() -> None:
    at = datetime(2026, 11, 30, 10, 5, tzinfo=UTC)

    proposal = propose(at, PAIRS["same zone"], 30)

    assert min(proposal.times) >= datetime(2026, 11, 30, 12, 5, tzinfo=UTC)
    assert proposal.times[0] == datetime(2026, 11, 30, 12, 30, tzinfo=UTC)  # the first half hour after the notice


def test_hours_that_never_meet_give_no_times_but_the_fairest_compromise_and_an_async_thread() -> None:
    los_angeles = WorkingHours("America/Los_Angeles", 9 * 60, 17 * 60)
    singapore = WorkingHours("Asia/Singapore", 9 * 60, 17 * 60)

    proposal = propose(MONDAY, [los_angeles, singapore], 30)

    assert proposal.times == ()
    assert proposal.suggest_async
    compromise = proposal.compromise
    assert compromise is not None
    assert compromise.worst == 15
    assert [(s.person, s.minutes_early, s.minutes_late) for s in compromise.stretches] == [(0, 0, 15), (1, 15, 0)]
    assert compromise.end - compromise.start == timedelta(minutes=30)
    assert local_labels(compromise.start, 30, [los_angeles, singapore]) == [
        "Mon 30 Nov, 16:45–17:15 (America/Los_Angeles)",
        "Tue 1 Dec, 08:45–09:15 (Asia/Singapore)",
    ]


def test_a_compromise_never_lands_on_anyones_weekend() -> None:
    new_york = WorkingHours("America/New_York", 9 * 60, 17 * 60)
    tokyo = WorkingHours("Asia/Tokyo", 9 * 60, 17 * 60)

    compromise = propose(MONDAY, [new_york, tokyo], 60).compromise

    assert compromise is not None
    assert all(compromise.start.astimezone(hours.zone()).weekday() < 5 for hours in (new_york, tokyo))
    # Two hours between New York's evening and Tokyo's morning: an hour's meeting in the middle asks 90 minutes of each.
    assert [s.minutes_outside for s in compromise.stretches] == [90, 90]


def test_a_night_shift_runs_past_midnight() -> None:
    london_nights = WorkingHours("Europe/London", 22 * 60, 6 * 60)
    tokyo = WorkingHours("Asia/Tokyo", 9 * 60, 17 * 60)

    proposal = propose(MONDAY, [london_nights, tokyo], 45)

    assert len(proposal.times) == 3
    assert_well_formed(proposal, MONDAY, [london_nights, tokyo])
    assert any(start.astimezone(london_nights.zone()).hour < 6 for start in proposal.times)


def assert_never_across_a_clock_change(proposal: Proposal, people: Sequence[WorkingHours]) -> None:
    for start in proposal.times:
        for hours in people:
            local_start = start.astimezone(hours.zone())
            local_end = (start + timedelta(minutes=proposal.minutes)).astimezone(hours.zone())
            assert local_end.replace(tzinfo=None) - local_start.replace(tzinfo=None) == timedelta(
                minutes=proposal.minutes
            )
            # The wall time read back in the zone names the same instant: it exists and is the one meant.
            assert local_start.replace(tzinfo=None).replace(tzinfo=hours.zone()).astimezone(UTC) == start


def test_berlin_night_workers_are_never_offered_a_time_the_spring_forward_skips() -> None:
    berlin_nights = WorkingHours("Europe/Berlin", 22 * 60, 6 * 60)
    utc_nights = WorkingHours("UTC", 21 * 60, 5 * 60)
    wednesday = datetime(2027, 3, 24, 12, 0, tzinfo=UTC)

    proposal = propose(wednesday, [berlin_nights, utc_nights], 60, count=20, days=4)

    assert len(proposal.times) == 20
    assert_well_formed(proposal, wednesday, [berlin_nights, utc_nights])
    assert_never_across_a_clock_change(proposal, [berlin_nights, utc_nights])
    skipped_hour = [
        start
        for start in proposal.times
        if (local := start.astimezone(berlin_nights.zone())).date().isoformat() == "2027-03-28" and local.hour == 2
    ]
    assert skipped_hour == []


def test_a_weekday_night_whose_clock_jumps_forward_keeps_the_hours_on_either_side() -> None:
    # Cairo moves its clocks from 00:00 to 01:00 on Friday 30 April 2027 (22:00 UTC): inside Thursday's night shift.
    cairo_nights = WorkingHours("Africa/Cairo", 22 * 60, 6 * 60)
    utc_evenings = WorkingHours("UTC", 19 * 60, 23 * 60 + 30)
    thursday = datetime(2027, 4, 29, 12, 0, tzinfo=UTC)
    change = datetime(2027, 4, 29, 22, 0, tzinfo=UTC)

    proposal = propose(thursday, [cairo_nights, utc_evenings], 30, count=20, days=1)
    thursday_night = [start for start in proposal.times if start.date() == thursday.date()]

    assert_well_formed(proposal, thursday, [cairo_nights, utc_evenings])
    assert_never_across_a_clock_change(proposal, [cairo_nights, utc_evenings])
    assert any(start + timedelta(minutes=30) <= change for start in thursday_night)
    assert any(start >= change for start in thursday_night)
    assert not any(start.astimezone(cairo_nights.zone()).hour == 0 for start in thursday_night)


@pytest.mark.parametrize(
    "after",
    [datetime(2026, 11, 30, 0, 0, tzinfo=UTC), datetime(2027, 4, 1, 0, 0, tzinfo=UTC)],
    ids=["lord howe summer", "around lord howe's half-hour clock change"],
)
def test_half_hour_zones_lord_howe_and_kolkata(after: datetime) -> None:
    lord_howe = WorkingHours("Australia/Lord_Howe", 9 * 60, 17 * 60)
    kolkata = WorkingHours("Asia/Kolkata", 9 * 60, 17 * 60)

    proposal = propose(after, [lord_howe, kolkata], 30, count=10)

    assert len(proposal.times) == 10
    assert_well_formed(proposal, after, [lord_howe, kolkata])
    assert_never_across_a_clock_change(proposal, [lord_howe, kolkata])


def test_kolkata_and_london_labels_show_the_half_hour_offset() -> None:
    start = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    people = [WorkingHours("Europe/London", 540, 1020), WorkingHours("Asia/Kolkata", 540, 1020)]

    assert local_labels(start, 30, people) == [
        "Thu 3 Dec, 10:00–10:30 (Europe/London)",
        "Thu 3 Dec, 15:30–16:00 (Asia/Kolkata)",
    ]


def test_labels_name_each_zone_once_and_the_next_day_when_a_meeting_runs_past_midnight() -> None:
    start = datetime(2026, 12, 3, 23, 45, tzinfo=UTC)
    london = WorkingHours("Europe/London", 22 * 60, 6 * 60)

    assert local_labels(start, 30, [london, london]) == ["Thu 3 Dec, 23:45–Fri 00:15 (Europe/London)"]


def test_an_unknown_time_zone_is_assumed_to_be_utc_and_the_proposal_says_so() -> None:
    nowhere = WorkingHours("Mars/Olympus_Mons", 9 * 60, 17 * 60)
    berlin = WorkingHours("Europe/Berlin", 9 * 60, 17 * 60)

    proposal = propose(MONDAY, [berlin, nowhere], 30)

    assert proposal.assumed_utc == (1,)
    assert_well_formed(proposal, MONDAY, [berlin, nowhere])
    assert local_labels(proposal.times[0], 30, [nowhere])[0].endswith("(UTC)")


def test_busy_time_is_never_offered() -> None:
    pair = PAIRS["6 hours, New York and Berlin"]
    first = propose(MONDAY, pair, 30)
    whole_first_day = (first.times[0].replace(hour=0, minute=0), first.times[0].replace(hour=23, minute=59))
    around_second = (first.times[1] - timedelta(minutes=10), first.times[1] + timedelta(minutes=10))

    proposal = propose(MONDAY, pair, 30, busy=[whole_first_day, around_second])

    assert len(proposal.times) == 3
    for start in proposal.times:
        for since, until in (whole_first_day, around_second):
            assert not (start < until and since < start + timedelta(minutes=30))


def test_asking_for_three_others_gives_new_times_that_never_overlap_the_first_three() -> None:
    pair = PAIRS["6 hours, London and Dhaka"]
    first = propose(MONDAY, pair, 30)

    others = propose(MONDAY, pair, 30, skip=first.times)

    assert len(others.times) == 3
    assert_well_formed(others, MONDAY, pair)
    assert all(abs(new - old) >= timedelta(minutes=30) for new in others.times for old in first.times)
    assert not {start.date() for start in others.times} & {start.date() for start in first.times}


def test_when_busy_takes_every_overlap_there_are_no_times_and_no_compromise() -> None:
    pair = PAIRS["same zone"]

    proposal = propose(MONDAY, pair, 30, busy=[(MONDAY, MONDAY + timedelta(days=30))])

    assert proposal.times == () and proposal.compromise is None and not proposal.suggest_async


def test_next_working_morning_skips_the_weekend_in_the_persons_own_zone() -> None:
    berlin = WorkingHours("Europe/Berlin", 9 * 60, 17 * 60)
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)

    assert next_working_morning(friday_evening, berlin) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert next_working_morning(datetime(2026, 12, 7, 8, 0, tzinfo=UTC), berlin) == datetime(
        2026, 12, 8, 8, 0, tzinfo=UTC
    )


def test_next_working_morning_of_a_start_the_clocks_skip_is_the_moment_they_change() -> None:
    cairo_half_past_midnight = WorkingHours("Africa/Cairo", 30, 8 * 60)

    morning = next_working_morning(datetime(2027, 4, 29, 12, 0, tzinfo=UTC), cairo_half_past_midnight)

    assert morning == datetime(2027, 4, 29, 22, 0, tzinfo=UTC)  # 01:00 in Cairo, the first minute after 00:30
    assert morning.astimezone(cairo_half_past_midnight.zone()).strftime("%a %H:%M") == "Fri 01:00"


ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Africa/Cairo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
hours_strategy = st.builds(
    lambda zone, start, length: WorkingHours(zone, start * 15, (start * 15 + length * 15) % (24 * 60)),
    st.sampled_from(ZONES),
    st.integers(0, 95),
    st.integers(8, 72),
)


@settings(max_examples=50, deadline=None)
@given(
    people=st.lists(hours_strategy, min_size=1, max_size=3),
    after=st.datetimes(datetime(2026, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC)),
    minutes=st.sampled_from([30, 45, 60]),
    busy_offsets=st.lists(st.tuples(st.integers(0, 14 * 24 * 4), st.integers(1, 40)), max_size=4),
)
def test_every_proposed_time_is_inside_everyones_day_and_outside_busy_time(
    people: list[WorkingHours], after: datetime, minutes: int, busy_offsets: list[tuple[int, int]]
) -> None:
    busy = [
        (after + timedelta(minutes=15 * at), after + timedelta(minutes=15 * (at + length)))
        for at, length in busy_offsets
    ]

    proposal = propose(after, people, minutes, busy=busy)

    assert len(proposal.times) <= 3
    assert_well_formed(proposal, after, people)
    assert_never_across_a_clock_change(proposal, people)
    for start in proposal.times:
        assert not any(start < until and since < start + timedelta(minutes=minutes) for since, until in busy)
    if proposal.compromise is not None:
        assert proposal.suggest_async and proposal.times == ()
        assert proposal.compromise.worst > 0
