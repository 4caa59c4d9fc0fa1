"""Proposing a pair's meeting times (pure): slots inside everyone's working day, spread out, or the fairest compromise.

Every candidate is a UTC instant on a 15-minute grid, converted to each person's own zone with zoneinfo, so a
local time that a clock change skips is never produced. A working day whose end is earlier than its start (22:00–06:00)
runs past midnight and belongs to the weekday it starts on.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from bot.cadence import WorkingHours

# Every zone in use today is offset from UTC by a multiple of 15 minutes, so this UTC grid is a local grid too.
GRID_MINUTES = 15
GRID = timedelta(minutes=GRID_MINUTES)
# Time to read the offer and get ready: nobody is asked to meet in the next two hours.
NOTICE = timedelta(hours=2)
DAY = timedelta(days=1)
MINUTES_PER_DAY = 24 * 60
# A weekday is never more than two days from any moment; one more covers working days that run past midnight.
_REACH = 3
# How far outside their day someone with no working hours at all (start == end) is: further than any real day.
_NEVER_WORKING = _REACH * MINUTES_PER_DAY
# How many working days either side of a meeting's start `_Clock.stretch` compares: the nearest is among them.
_NEIGHBOURS = 3
_EPOCH = datetime(1970, 1, 1)
_UTC_EPOCH = _EPOCH.replace(tzinfo=UTC)
_MINUTE = timedelta(minutes=1)
_MICROSECOND = timedelta(microseconds=1)
_MICROS_PER_MINUTE = 60_000_000
_SLOTS_PER_DAY = MINUTES_PER_DAY // GRID_MINUTES
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Stretch:
    """How far one person's working day would have to stretch to take a meeting."""

    person: int  # position in the `people` given to `propose`
    minutes_early: int  # before their day starts
    minutes_late: int  # after their day ends

    @property
    def minutes_outside(self) -> int:
        return self.minutes_early + self.minutes_late


@dataclass(frozen=True)
class Compromise:
    """The slot that asks least of the worst-off person, when no slot fits inside everyone's day."""

    start: datetime
    end: datetime
    stretches: tuple[Stretch, ...]  # one per person, in the order given

    @property
    def worst(self) -> int:
        return max((stretch.minutes_outside for stretch in self.stretches), default=0)


@dataclass(frozen=True)
class Proposal:
    """Meeting times to offer a pair, or, when their working days never meet, a compromise and an async check-in."""

    times: tuple[datetime, ...]  # UTC starts, in the order to offer them
    minutes: int
    assumed_utc: tuple[int, ...]  # positions in `people` whose time zone was unknown, so UTC was assumed
    compromise: Compromise | None = None
    suggest_async: bool = False  # their hours never overlap: a check-in thread may suit them better


def propose(
    after: datetime,
    people: Sequence[WorkingHours],
    minutes: int,
    count: int = 3,
    skip: Collection[datetime] = (),
    busy: Sequence[tuple[datetime, datetime]] = (),
    days: int = 10,
) -> Proposal:
    """Up to `count` starts at least `NOTICE` after `after`, within `days` working days, inside everyone's day.

    `skip` holds times already offered: new times never overlap them and prefer other days, so "three others" works.
    `busy` holds (start, end) intervals nobody can meet in.
    """
    if after.tzinfo is None:
        raise ValueError("`after` must be timezone-aware")
    if not people or minutes <= 0 or days <= 0:
        raise ValueError("a meeting needs people, a positive length and at least one working day")
    zones = [hours.zone() for hours in people]
    assumed = tuple(
        index for index, (hours, zone) in enumerate(zip(people, zones, strict=True)) if zone.key != hours.timezone
    )
    earliest = _round_up(after + NOTICE)
    grid = _Grid(earliest, _horizon(earliest, days))
    clocks = [_Clock(hours, zone, grid, minutes) for hours, zone in zip(people, zones, strict=True)]
    free = grid.free(minutes, skip, busy)
    overlapping = np.logical_and.reduce([clock.fits() for clock in clocks])
    if not overlapping.any():
        compromise = _fairest(np.flatnonzero(free), grid, minutes, clocks)
        return Proposal((), minutes, assumed, compromise, suggest_async=True)
    fitting = np.flatnonzero(overlapping & free)
    return Proposal(_spread(fitting, grid, minutes, skip, zones, clocks, count), minutes, assumed)


def next_working_morning(after: datetime, hours: WorkingHours) -> datetime:
    """The first start of this person's working day strictly after `after`, on a weekday in their own zone (UTC)."""
    zone = hours.zone()
    day = _wall(after, zone).date()
    while True:
        if day.weekday() < 5:
            begins = _first_instant(datetime.combine(day, time()) + timedelta(minutes=hours.start_minute), zone)
            if begins > after:
                return begins
        day += DAY


def local_labels(start: datetime, minutes: int, people: Sequence[WorkingHours]) -> list[str]:
    """One meeting in each person's own time, one label per distinct zone: "Tue 3 Dec, 15:00–15:30 (Europe/Berlin)"."""
    zones = dict.fromkeys(hours.zone() for hours in people)
    return [_label(start, minutes, zone) for zone in zones]


def _label(start: datetime, minutes: int, zone: ZoneInfo) -> str:
    begins = start.astimezone(zone)
    ends = (start + timedelta(minutes=minutes)).astimezone(zone)
    until = f"{ends:%H:%M}" if ends.date() == begins.date() else f"{_WEEKDAYS[ends.weekday()]} {ends:%H:%M}"
    return f"{_day_label(begins)}, {begins:%H:%M}–{until} ({zone.key})"


def _day_label(moment: datetime) -> str:
    # Spelled out rather than strftime's %a/%b, which follow the server's locale.
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"


def _round_up(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return floor if floor == moment else floor + GRID


def _horizon(earliest: datetime, days: int) -> datetime:
    """The end of the `days`-th weekday after `earliest`'s own day, on the UTC calendar.

    What is left of that first day comes on top; whether a slot is on a weekday is decided in each person's zone.
    """
    day, counted = earliest.date(), 0
    while counted < days:
        day += DAY
        if day.weekday() < 5:
            counted += 1
    return datetime.combine(day + DAY, time(), UTC)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """The time a clock in `zone` shows at `moment`, as a naive datetime (always one that exists)."""
    return moment.astimezone(zone).replace(tzinfo=None)


def _first_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which a clock in `zone` shows `wall` or later.

    A wall time shown twice (clocks go back) gives its first showing; one that is skipped (clocks go forward) gives
    the moment of the change.
    """
    # Converted before comparing: Python compares two times of the same zone by wall time alone, ignoring `fold`.
    moment = min(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    while _wall(moment, zone) < wall:
        moment += timedelta(minutes=1)
    return moment


def _shift_length(hours: WorkingHours) -> int:
    if hours.end_minute > hours.start_minute:
        return hours.end_minute - hours.start_minute
    if hours.end_minute < hours.start_minute:
        return hours.end_minute + MINUTES_PER_DAY - hours.start_minute
    return 0


@lru_cache(maxsize=4096)
def _shift(hours: WorkingHours, day: date) -> tuple[datetime, datetime] | None:
    """The working day that starts on `day`, if it is one of theirs."""
    length = timedelta(minutes=_shift_length(hours))
    if day.weekday() >= 5 or not length:
        return None
    begins = datetime.combine(day, time()) + timedelta(minutes=hours.start_minute)
    return begins, begins + length


def _minutes(wall: datetime) -> int:
    """A naive wall time as whole minutes since 1970-01-01 00:00 on the same clock."""
    return (wall - _EPOCH) // _MINUTE


def _offset(moment: datetime, zone: ZoneInfo) -> int:
    """Minutes a clock in `zone` is ahead of UTC at `moment`."""
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None, "a zone's clock always has an offset"
    return offset // _MINUTE


def _micros(moment: datetime) -> int:
    """An aware moment as whole microseconds since 1970 (UTC): exact, so comparisons are too."""
    return (moment - _UTC_EPOCH) // _MICROSECOND


@lru_cache(maxsize=1024)
def _day_offsets(zone: ZoneInfo, day: int) -> npt.NDArray[np.int64]:
    """How far `zone`'s clock is ahead of UTC, in minutes, at each 15-minute instant of one UTC day (days since
    1970). Every proposal in the same days reads the same ones, so each is asked of zoneinfo once per process."""
    midnight = _UTC_EPOCH + day * DAY
    offsets = np.array([_offset(midnight + slot * GRID, zone) for slot in range(_SLOTS_PER_DAY)], dtype=np.int64)
    offsets.flags.writeable = False
    return offsets


class _Grid:
    """The candidate starts, every 15 minutes from `earliest` (on the grid) until `horizon`, as whole UTC minutes
    since 1970; a slot is a position in it."""

    def __init__(self, earliest: datetime, horizon: datetime) -> None:
        self.earliest = earliest
        self.first = (earliest - _UTC_EPOCH) // _MINUTE
        self.utc = self.first + GRID_MINUTES * np.arange(-(-(horizon - earliest) // GRID), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.utc)

    def start(self, slot: int) -> datetime:
        return self.earliest + int(slot) * GRID

    def offsets(self, zone: ZoneInfo, ahead: int) -> npt.NDArray[np.int64]:
        """`zone`'s offset at each slot's start, and at the `ahead` grid instants after the last one."""
        first_day, first_slot = divmod(self.first // GRID_MINUTES, _SLOTS_PER_DAY)
        needed = len(self) + ahead
        days = -(-(first_slot + needed) // _SLOTS_PER_DAY)
        joined = np.concatenate([_day_offsets(zone, first_day + day) for day in range(days)])
        return joined[first_slot : first_slot + needed]

    def free(
        self, minutes: int, skip: Collection[datetime], busy: Sequence[tuple[datetime, datetime]]
    ) -> npt.NDArray[np.bool_]:
        """The slots whose meeting overlaps no busy interval and no time already offered."""
        starts = self.utc * _MICROS_PER_MINUTE
        length = minutes * _MICROS_PER_MINUTE
        free = np.ones(len(self), dtype=np.bool_)
        for since, until in busy:
            free &= ~((starts < _micros(until)) & (_micros(since) < starts + length))
        for offered in skip:
            free &= np.abs(starts - _micros(offered)) >= length
        return free


class _Clock:
    """One person's side of a proposal, as whole minutes on their own clock (`_minutes`): where each candidate slot
    begins, and their working days, sorted. Every slot is then checked at once, by bisection in arrays instead of date
    arithmetic per slot, which made an accept's first times cost it up to ten milliseconds."""

    def __init__(self, hours: WorkingHours, zone: ZoneInfo, grid: _Grid, minutes: int) -> None:
        # Every local day a slot can fall on, and `_REACH` days either side (a zone's date is a day from UTC's at most).
        first = grid.earliest.date() - (_REACH + 1) * DAY
        last = grid.start(len(grid) - 1).date() + (_REACH + 1) * DAY
        shifts = [shift for offset in range((last - first).days + 1) if (shift := _shift(hours, first + offset * DAY))]
        self._starts = np.array([_minutes(since) for since, _ in shifts], dtype=np.int64)
        self._ends = np.array([_minutes(until) for _, until in shifts], dtype=np.int64)
        self._minutes = minutes
        self.begins, self.valid = self._slots(zone, grid, minutes)

    @staticmethod
    def _slots(zone: ZoneInfo, grid: _Grid, minutes: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Where each slot begins on this clock, and whether it may be offered at all: not one during which the
        clocks change, or as it ends.

        Such a meeting would read oddly (23:30–01:00 for half an hour) and only a night worker could be offered one,
        twice a year, so it is never proposed.
        """
        if minutes % GRID_MINUTES:
            offsets = grid.offsets(zone, 0)
            length = timedelta(minutes=minutes)
            at_end = np.array([_offset(grid.start(slot) + length, zone) for slot in range(len(grid))], dtype=np.int64)
        else:
            # A slot ends where a later slot starts.
            ahead = minutes // GRID_MINUTES
            both = grid.offsets(zone, ahead)
            offsets, at_end = both[: len(grid)], both[ahead:]
        return grid.utc + offsets, offsets == at_end

    def fits(self) -> npt.NDArray[np.bool_]:
        """Each slot is inside one working day: the latest to start by the slot's start, as it ends latest."""
        if not len(self._starts):
            return np.zeros(len(self.begins), dtype=np.bool_)
        latest = np.searchsorted(self._starts, self.begins, side="right") - 1
        ends = self._ends[np.maximum(latest, 0)]
        return self.valid & (latest >= 0) & (self.begins + self._minutes <= ends)

    def stretches(self, slots: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(minutes early, minutes late) for each slot, against the nearest working day starting within `_REACH`
        days, the earliest among equals. The shortfall is convex in a day's start, so the nearest is among the few
        around the slot's start."""
        begins = self.begins[slots]
        ends, day = begins + self._minutes, begins // MINUTES_PER_DAY
        early = np.zeros(len(slots), dtype=np.int64)
        late = np.full(len(slots), _NEVER_WORKING, dtype=np.int64)
        if not len(self._starts):
            return early, late
        best = np.zeros(len(slots), dtype=np.int64)
        found = np.zeros(len(slots), dtype=np.bool_)
        around = np.searchsorted(self._starts, begins, side="right")
        for step in range(-_NEIGHBOURS, _NEIGHBOURS):
            index = around + step
            day_of = np.clip(index, 0, len(self._starts) - 1)
            starts = self._starts[day_of]
            near = (index >= 0) & (index < len(self._starts)) & (np.abs(starts // MINUTES_PER_DAY - day) <= _REACH)
            gap_early = np.maximum(0, starts - begins)
            gap_late = np.maximum(0, ends - self._ends[day_of])
            total = gap_early + gap_late
            better = near & (~found | (total < best))
            early = np.where(better, gap_early, early)
            late = np.where(better, gap_late, late)
            best = np.where(better, total, best)
            found |= better
        return early, late


def _local_days(start: datetime, zones: Sequence[ZoneInfo]) -> set[tuple[int, int]]:
    """(person, day on their own clock as days since 1970) for a time offered before."""
    return {(index, _minutes(_wall(start, zone)) // MINUTES_PER_DAY) for index, zone in enumerate(zones)}


def _minute_of_day(start: datetime, zone: ZoneInfo) -> int:
    local = start.astimezone(zone)
    return local.hour * 60 + local.minute


def _spread(
    fitting: npt.NDArray[np.intp],
    grid: _Grid,
    minutes: int,
    offered: Collection[datetime],
    zones: Sequence[ZoneInfo],
    clocks: Sequence[_Clock],
    count: int,
) -> tuple[datetime, ...]:
    """Pick `count` slots: a new day for everyone where possible (earliest first), then the most distant slots.

    Within a day the slot furthest (in whole half hours) from the times of day already offered wins, so the offers mix
    mornings and afternoons; ties go to starts on the half hour in every zone, then to the earliest.
    """
    chosen: list[datetime] = []
    remaining = fitting
    used_days = {day for start in offered for day in _local_days(start, zones)}
    while len(chosen) < count and len(remaining):
        taken = [*offered, *chosen]
        # Each remaining slot's day on each person's clock, and whether it starts on the half hour on every clock.
        local_days = np.array([clock.begins[remaining] // MINUTES_PER_DAY for clock in clocks])
        half_hour = np.logical_and.reduce([clock.begins[remaining] % 30 == 0 for clock in clocks])
        lead_minutes = clocks[0].begins[remaining] % MINUTES_PER_DAY
        fresh = np.logical_and.reduce(
            [
                ~np.isin(days, [day for index, day in used_days if index == person])
                for person, days in enumerate(local_days)
            ]
        )
        if fresh.any():
            first_day = local_days[0][np.argmax(fresh)]
            candidates = fresh & (local_days[0] == first_day)
            taken_minutes = np.array([_minute_of_day(other, zones[0]) for other in taken], dtype=np.int64)
            apart = _nearest(lead_minutes, taken_minutes) // 30
        else:
            candidates = np.ones(len(remaining), dtype=np.bool_)
            apart = _nearest(grid.utc[remaining] * _MICROS_PER_MINUTE, np.array([_micros(t) for t in taken]))
        # The largest distance, then on the half hour, then the earliest.
        widest = candidates & (apart == apart[candidates].max())
        at = int(np.argmax(widest & half_hour)) if (widest & half_hour).any() else int(np.argmax(widest))
        pick = grid.start(remaining[at])
        chosen.append(pick)
        used_days |= {(person, int(days[at])) for person, days in enumerate(local_days)}
        remaining = remaining[np.abs(grid.utc[remaining] - grid.utc[remaining[at]]) >= minutes]
    return tuple(chosen)


def _nearest(values: npt.NDArray[np.int64], others: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Each value's distance to the nearest of `others`; 0 for every value when there are none."""
    if not len(others):
        return np.zeros(len(values), dtype=np.int64)
    distances: npt.NDArray[np.int64] = np.abs(values[:, None] - others[None, :]).min(axis=1)
    return distances


def _fairest(free: npt.NDArray[np.intp], grid: _Grid, minutes: int, clocks: Sequence[_Clock]) -> Compromise | None:
    """The slot that minimises the most anyone is outside their day, then the total; the earliest among equals.
    A slot during which someone's clocks change is never one."""
    candidates = free[np.logical_and.reduce([clock.valid[free] for clock in clocks])]
    if not len(candidates):
        return None
    gaps = [clock.stretches(candidates) for clock in clocks]
    outside = np.array([early + late for early, late in gaps])
    worst, total = outside.max(axis=0), outside.sum(axis=0)
    fairest = np.flatnonzero(worst == worst.min())
    at = int(fairest[np.argmin(total[fairest])])
    stretches = tuple(Stretch(person, int(early[at]), int(late[at])) for person, (early, late) in enumerate(gaps))
    start = grid.start(candidates[at])
    return Compromise(start, start + timedelta(minutes=minutes), stretches)
