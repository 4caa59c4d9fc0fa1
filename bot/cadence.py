"""Cadence and delivery windows (pure): when a pair is due, and when a nudge may reach both people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.vocabulary import Cadence

CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 28}
STEP = timedelta(minutes=15)
SEARCH = timedelta(days=8)


@dataclass(frozen=True)
class WorkingHours:
    timezone: str
    start_minute: int
    end_minute: int

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    @property
    def crosses_midnight(self) -> bool:
        """A night shift (22:00–06:00): the working day ends on the next calendar day."""
        return self.end_minute <= self.start_minute

    def contains(self, moment: datetime) -> bool:
        """Inside this person's working day, on one of their weekdays, in their own time zone. A day that crosses
        midnight belongs to the weekday it starts on (Friday night's shift, not Saturday night's)."""
        local = moment.astimezone(self.zone())
        minute = local.hour * 60 + local.minute
        if not self.crosses_midnight:
            return local.weekday() < 5 and self.start_minute <= minute < self.end_minute
        started_today = local.weekday() < 5 and minute >= self.start_minute
        started_yesterday = (local.weekday() - 1) % 7 < 5 and minute < self.end_minute
        return started_today or started_yesterday


def cadence_interval(cadence: Cadence) -> timedelta:
    return timedelta(days=CADENCE_DAYS[cadence])


def _first_inside(after: datetime, people: list[WorkingHours]) -> datetime | None:
    moment = after
    # Walk forward on a 15-minute grid (aligned, so windows that start on the quarter hour are hit exactly).
    if moment.minute % 15 or moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=15 - moment.minute % 15)
    if all(p.contains(after) for p in people):
        return after
    end = after + SEARCH
    while moment <= end:
        if all(p.contains(moment) for p in people):
            return moment
        moment += STEP
    return None


def inside_everyones_day(after: datetime, people: list[WorkingHours]) -> datetime:
    """The first moment from `after` inside every working day; inside the first person's alone if they never all
    meet (and `after` itself when even that finds nothing)."""
    everyone = _first_inside(after, people)
    if everyone is not None or not people:
        return everyone or after
    alone = _first_inside(after, people[:1])
    return alone if alone is not None else after


def delivery_time(after: datetime, mentee: WorkingHours, mentor: WorkingHours) -> datetime:
    """The first moment from `after` inside both working days; inside the mentee's alone if they never meet."""
    both = _first_inside(after, [mentee, mentor])
    if both is not None:
        return both
    alone = _first_inside(after, [mentee])
    return alone if alone is not None else after
