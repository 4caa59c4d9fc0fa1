"""Hours of the week (pure): when someone works, as UTC hours of a reference week, and the windows a whole group
shares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.cadence import WorkingHours

HOURS_PER_WEEK = 168
# Any fixed week will do: a clock change moves an hour of a coarse weekly signal, not the choice of a group.
_REFERENCE_MONDAY = date(2026, 1, 5)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class HourWindow:
    """Consecutive UTC hours of the week that suit a whole group (`start`: Monday 00:00 UTC is 0)."""

    start: int
    hours: int

    def describe(self) -> str:
        """'Tuesday 15:00–16:00 UTC'; a window across midnight names both days."""
        if self.hours >= HOURS_PER_WEEK:
            return "Any hour of the week"
        end = self.start + self.hours
        first_day, last_day = (self.start // 24) % 7, ((end - 1) // 24) % 7
        start_text = f"{_WEEKDAYS[first_day]} {self.start % 24:02d}:00"
        if first_day == last_day:
            return f"{start_text}–{(end - 1) % 24 + 1:02d}:00 UTC"
        return f"{start_text}–{_WEEKDAYS[last_day]} {end % 24:02d}:00 UTC"


def weekly_hours(hours: WorkingHours) -> frozenset[int]:
    """The UTC hours of the week wholly inside this working day, Monday to Friday in their own zone."""
    zone = hours.zone()
    week = datetime.combine(_REFERENCE_MONDAY, time(0), UTC)
    available: set[int] = set()
    for day in range(5):
        midnight = datetime.combine(_REFERENCE_MONDAY + timedelta(days=day), time(0), zone)
        start = (midnight + timedelta(minutes=hours.start_minute) - week).total_seconds() / 3600
        end_minute = hours.end_minute + (24 * 60 if hours.crosses_midnight else 0)
        end = (midnight + timedelta(minutes=end_minute) - week).total_seconds() / 3600
        available.update(hour % HOURS_PER_WEEK for hour in range(math.ceil(start), math.floor(end)))
    return frozenset(available)


def _runs(hours: frozenset[int]) -> list[list[int]]:
    """Maximal runs of consecutive hours, each from its first hour; the week wraps."""
    starts = sorted(h for h in hours if (h - 1) % HOURS_PER_WEEK not in hours)
    runs = []
    for start in starts:
        run = [start]
        while (run[-1] + 1) % HOURS_PER_WEEK in hours:
            run.append((run[-1] + 1) % HOURS_PER_WEEK)
        runs.append(run)
    return runs


def common_windows(hours: frozenset[int]) -> tuple[HourWindow, ...]:
    """The windows of `hours`, longest first, then earliest in the week."""
    if len(hours) >= HOURS_PER_WEEK:
        return (HourWindow(0, HOURS_PER_WEEK),)
    windows = [HourWindow(run[0], len(run)) for run in _runs(hours)]
    return tuple(sorted(windows, key=lambda w: (-w.hours, w.start)))


def longest_run(hours: frozenset[int]) -> int:
    """The longest stretch of consecutive hours in the set; the week wraps from Sunday into Monday."""
    if len(hours) >= HOURS_PER_WEEK:
        return HOURS_PER_WEEK
    return max((len(w) for w in _runs(hours)), default=0)
