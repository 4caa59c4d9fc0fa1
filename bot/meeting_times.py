"""Proposing a pair's meeting times (pure): slots inside everyone's working day, spread out, or the fairest compromise.

Every candidate is a UTC instant on a 15-minute grid, converted to each person's own zone with zoneinfo, so a
local time that a clock change skips is never produced. A working day whose end is earlier than its start (22:00–06:00)
runs past midnight and belongs to the weekday it starts on.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

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
_MINUTE = timedelta(minutes=1)
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
    horizon = _horizon(earliest, days)
    grid = list(_grid(earliest, horizon))
    clocks = [_Clock(hours, zone, grid, minutes) for hours, zone in zip(people, zones, strict=True)]
    overlapping = [slot for slot in range(len(grid)) if all(clock.fits(slot) for clock in clocks)]
    if not overlapping:
        free = [slot for slot, start in enumerate(grid) if _free(start, minutes, skip, busy)]
        return Proposal((), minutes, assumed, _fairest(free, grid, minutes, clocks), suggest_async=True)
    fitting = [grid[slot] for slot in overlapping if _free(grid[slot], minutes, skip, busy)]
    return Proposal(_spread(fitting, minutes, skip, zones, count), minutes, assumed)


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


def _grid(earliest: datetime, horizon: datetime) -> Iterator[datetime]:
    moment = earliest
    while moment < horizon:
        yield moment
        moment += GRID


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


def _free(start: datetime, minutes: int, skip: Collection[datetime], busy: Sequence[tuple[datetime, datetime]]) -> bool:
    end = start + timedelta(minutes=minutes)
    return not any(start < until and since < end for since, until in busy) and not any(
        _overlap(start, offered, minutes) for offered in skip
    )


def _overlap(start: datetime, other: datetime, minutes: int) -> bool:
    return abs(start - other) < timedelta(minutes=minutes)


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


class _Clock:
    """One person's side of a proposal, as whole minutes on their own clock (`_minutes`): where each candidate slot
    begins, and their working days, sorted. Each slot is then checked with a bisection instead of date arithmetic,
    which made an accept's first times cost it up to a hundred milliseconds."""

    def __init__(self, hours: WorkingHours, zone: ZoneInfo, grid: Sequence[datetime], minutes: int) -> None:
        # Every local day a slot can fall on, and `_REACH` days either side (a zone's date is a day from UTC's at most).
        first, last = grid[0].date() - (_REACH + 1) * DAY, grid[-1].date() + (_REACH + 1) * DAY
        shifts = [shift for offset in range((last - first).days + 1) if (shift := _shift(hours, first + offset * DAY))]
        self._starts = [_minutes(since) for since, _ in shifts]
        self._ends = [_minutes(until) for _, until in shifts]
        self._minutes = minutes
        self.begins = self._slots(zone, grid, minutes)

    @staticmethod
    def _slots(zone: ZoneInfo, grid: Sequence[datetime], minutes: int) -> list[int | None]:
        """Where each slot begins on this clock; None for one during which the clocks change, or as it ends.

        Such a meeting would read oddly (23:30–01:00 for half an hour) and only a night worker could be offered one,
        twice a year, so it is never proposed.
        """
        offsets = [_offset(start, zone) for start in grid]
        length = timedelta(minutes=minutes)
        if minutes % GRID_MINUTES:
            at_end = [_offset(start + length, zone) for start in grid]
        else:
            # A slot ends where a later slot starts: only the last few ends are past the grid.
            ahead = minutes // GRID_MINUTES
            at_end = offsets[ahead:] + [_offset(start + length, zone) for start in grid[len(grid) - ahead :]]
        utc = _minutes(grid[0].replace(tzinfo=None))
        return [
            utc + GRID_MINUTES * index + offset if offset == offset_at_end else None
            for index, (offset, offset_at_end) in enumerate(zip(offsets, at_end, strict=True))
        ]

    def fits(self, slot: int) -> bool:
        """The slot is inside one working day: the latest to start by the slot's start, as it ends latest."""
        begins = self.begins[slot]
        if begins is None:
            return False
        latest = bisect_right(self._starts, begins) - 1
        return latest >= 0 and begins + self._minutes <= self._ends[latest]

    def stretch(self, begins: int) -> tuple[int, int]:
        """(minutes early, minutes late) against the nearest working day starting within `_REACH` days, the earliest
        among equals. The shortfall is convex in a day's start, so the nearest is among the few around `begins`."""
        ends, day = begins + self._minutes, begins // MINUTES_PER_DAY
        around = bisect_right(self._starts, begins)
        best: tuple[int, int] | None = None
        for index in range(max(0, around - _NEIGHBOURS), min(len(self._starts), around + _NEIGHBOURS)):
            if abs(self._starts[index] // MINUTES_PER_DAY - day) > _REACH:
                continue
            gap = (max(0, self._starts[index] - begins), max(0, ends - self._ends[index]))
            if best is None or sum(gap) < sum(best):
                best = gap
        return best if best is not None else (0, _NEVER_WORKING)


def _days(start: datetime, zones: Sequence[ZoneInfo]) -> set[tuple[int, date]]:
    return {(index, start.astimezone(zone).date()) for index, zone in enumerate(zones)}


def _minute_of_day(start: datetime, zone: ZoneInfo) -> int:
    local = start.astimezone(zone)
    return local.hour * 60 + local.minute


def _on_the_half_hour(start: datetime, zones: Sequence[ZoneInfo]) -> bool:
    return all(start.astimezone(zone).minute in (0, 30) for zone in zones)


def _spread(
    fitting: Sequence[datetime], minutes: int, offered: Collection[datetime], zones: Sequence[ZoneInfo], count: int
) -> tuple[datetime, ...]:
    """Pick `count` slots: a new day for everyone where possible (earliest first), then the most distant slots.

    Within a day the slot furthest (in whole half hours) from the times of day already offered wins, so the offers mix
    mornings and afternoons; ties go to starts on the half hour in every zone, then to the earliest.
    """
    chosen: list[datetime] = []
    remaining = list(fitting)
    days = {start: _days(start, zones) for start in remaining}
    used_days = {day for start in offered for day in _days(start, zones)}
    while len(chosen) < count and remaining:
        taken = [*offered, *chosen]
        fresh = [start for start in remaining if not days[start] & used_days]
        pick = _best_of_first_day(fresh, taken, zones) if fresh else _furthest(remaining, taken, zones)
        chosen.append(pick)
        used_days |= days[pick]
        remaining = [start for start in remaining if not _overlap(start, pick, minutes)]
    return tuple(chosen)


def _best_of_first_day(fresh: Sequence[datetime], taken: Sequence[datetime], zones: Sequence[ZoneInfo]) -> datetime:
    lead = zones[0]
    first_day = fresh[0].astimezone(lead).date()
    same_day = [start for start in fresh if start.astimezone(lead).date() == first_day]

    def half_hours_apart(start: datetime) -> int:
        minute = _minute_of_day(start, lead)
        return min((abs(minute - _minute_of_day(other, lead)) // 30 for other in taken), default=0)

    return max(
        same_day, key=lambda start: (half_hours_apart(start), _on_the_half_hour(start, zones), -start.timestamp())
    )


def _furthest(remaining: Sequence[datetime], taken: Sequence[datetime], zones: Sequence[ZoneInfo]) -> datetime:
    def distance(start: datetime) -> float:
        return min((abs((start - other).total_seconds()) for other in taken), default=0.0)

    return max(remaining, key=lambda start: (distance(start), _on_the_half_hour(start, zones), -start.timestamp()))


def _stretches(slot: int, clocks: Sequence[_Clock], worst: int | None) -> list[tuple[int, int]] | None:
    """Each person's stretch for the slot; None when the clocks change during it, or as soon as one person's is
    more than `worst` (the slot can't be the fairest)."""
    gaps = []
    for clock in clocks:
        begins = clock.begins[slot]
        if begins is None:
            return None
        gap = clock.stretch(begins)
        if worst is not None and sum(gap) > worst:
            return None
        gaps.append(gap)
    return gaps


def _fairest(
    free: Sequence[int], grid: Sequence[datetime], minutes: int, clocks: Sequence[_Clock]
) -> Compromise | None:
    """The slot that minimises the most anyone is outside their day, then the total; the earliest among equals.
    A slot during which someone's clocks change is never one."""
    fairest: tuple[tuple[int, int], int, list[tuple[int, int]]] | None = None
    for slot in free:
        gaps = _stretches(slot, clocks, worst=fairest[0][0] if fairest else None)
        if gaps is None:
            continue
        key = (max(early + late for early, late in gaps), sum(early + late for early, late in gaps))
        if fairest is None or key < fairest[0]:
            fairest = (key, slot, gaps)
    if fairest is None:
        return None
    _, slot, gaps = fairest
    stretches = tuple(Stretch(person, early, late) for person, (early, late) in enumerate(gaps))
    return Compromise(grid[slot], grid[slot] + timedelta(minutes=minutes), stretches)
