"""A group's meeting time: three times every member can make (each shown in everyone's own zone), the first pick
becoming the group's weekly slot, its check-ins following each meeting, and its calendar series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.cadence import WorkingHours, inside_everyones_day
from bot.errors import NoLongerOpen
from bot.group_life import WEEK_MINUTES, GroupView, active_members, hours_of, membership, view_of_group
from bot.meeting_times import Compromise, local_labels, propose
from storage.models import Cadence, Circle, CircleStatus, Person


class TimeTaken(NoLongerOpen):
    """Someone else picked a time first (or the time is no longer offered)."""


@dataclass(frozen=True)
class GroupTime:
    start: datetime
    labels: tuple[str, ...]  # the meeting in each member's own zone, one line per distinct zone


@dataclass(frozen=True)
class GroupOffer:
    group: GroupView
    minutes: int
    times: tuple[GroupTime, ...]
    compromise: GroupTime | None  # their days never all meet: the slot that asks least of the worst-off


@dataclass(frozen=True)
class PickedTime:
    group: GroupView
    start: datetime
    minutes: int
    cadence: Cadence
    until: datetime | None
    people: tuple[tuple[str, str], ...]  # (Slack ID, name) of every member
    timezone: str  # the first member's, for the invite's wall times
    picked_at: datetime


def _people(session: Session, circle_id: int) -> list[Person]:
    return [person for _, person in active_members(session, circle_id)]


def _time(start: datetime, minutes: int, hours: list[WorkingHours]) -> GroupTime:
    return GroupTime(start, tuple(local_labels(start, minutes, hours)))


def offer_group_times(session: Session, circle_id: int, now: datetime, others: bool = False) -> GroupOffer:
    """Up to three times in the next ten working days inside every member's day; `others` skips those offered."""
    circle = session.get_one(Circle, circle_id)
    people = _people(session, circle.id)
    hours = hours_of(people)
    minutes = circle.meeting_minutes or 60
    skip = [datetime.fromisoformat(str(t)) for t in circle.offered_times] if others else []
    proposal = propose(now, hours, minutes, skip=skip)
    compromise: Compromise | None = proposal.compromise
    starts = list(proposal.times) or ([compromise.start] if compromise else [])
    circle.offered_times = [t.astimezone(UTC).isoformat() for t in starts]
    circle.time_picked_at = None
    session.flush()
    return GroupOffer(
        group=view_of_group(session, circle),
        minutes=minutes,
        times=tuple(_time(t, minutes, hours) for t in proposal.times),
        compromise=_time(compromise.start, minutes, hours) if compromise else None,
    )


def other_group_times(session: Session, team_id: str, user_id: str, circle_id: int, now: datetime) -> GroupOffer:
    circle, _ = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE or not circle.offered_times:
        raise TimeTaken("picked")
    return offer_group_times(session, circle.id, now, others=True)


def fresh_group_times(session: Session, team_id: str, user_id: str, circle_id: int, now: datetime) -> GroupOffer:
    """New times for a group whose slot stopped working (a pick moves its series)."""
    circle, _ = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE:
        raise TimeTaken(str(circle.status))
    return offer_group_times(session, circle.id, now)


def week_minute(start: datetime, timezone: str) -> int:
    """Minutes since Monday 00:00 of the week `start` is in, on a clock in `timezone`."""
    moment = start.astimezone(WorkingHours(timezone, 0, 0).zone())
    return (moment.weekday() * 24 * 60 + moment.hour * 60 + moment.minute) % WEEK_MINUTES


def pick_group_time(
    session: Session, team_id: str, user_id: str, circle_id: int, start: datetime, now: datetime
) -> PickedTime:
    """The first pick of an offered, future time wins (a conditional update, so a simultaneous second pick is
    `TimeTaken`): the group meets then, on its cadence, from now on."""
    circle, _ = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.time_picked_at is not None and not circle.offered_times:
        raise TimeTaken("picked")
    if start.astimezone(UTC).isoformat() not in circle.offered_times or start <= now:
        raise TimeTaken("not offered")
    people = _people(session, circle.id)
    zone = people[0].timezone if people else "UTC"
    taken = session.execute(
        update(Circle)
        .where(Circle.id == circle.id, Circle.status == CircleStatus.ACTIVE, Circle.time_picked_at.is_(None))
        .values(time_picked_at=now, offered_times=[], window_minute=week_minute(start, zone), window_zone=zone)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise TimeTaken("picked")
    session.refresh(circle)
    minutes = circle.meeting_minutes or 60
    circle.next_checkin_at = inside_everyones_day(start + timedelta(minutes=minutes), hours_of(people))
    session.flush()
    return PickedTime(
        group=view_of_group(session, circle),
        start=start,
        minutes=minutes,
        cadence=circle.cadence or Cadence.BIWEEKLY,
        until=circle.ends_at,
        people=tuple((p.slack_user_id, p.display_name or p.slack_user_id) for p in people),
        timezone=zone,
        picked_at=now,
    )


def stop_offering_times(session: Session, team_id: str, user_id: str, circle_id: int, now: datetime) -> GroupView:
    """They'll agree a time themselves: no more times are offered; check-ins follow their cadence."""
    circle, _ = membership(session, team_id, user_id, circle_id)
    circle.offered_times = []
    return view_of_group(session, circle)
