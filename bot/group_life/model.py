"""What a group is as its members read it, who is in it, and its clock: the views, the membership check,
its weekly slot and check-in times, and how it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.cadence import WorkingHours, cadence_interval, inside_everyones_day
from bot.errors import NotYours
from storage.models import (
    Cadence,
    Circle,
    CircleMember,
    CircleOffer,
    CircleStatus,
    OfferStatus,
    Person,
    Program,
)

CIRCLE_MIN, CIRCLE_MAX = 3, 6  # a peer circle's peers
GROUP_MIN_MENTEES = 2  # a mentoring group's fewest mentees; the program's `group_size` is its most
FOCUS_LIMIT = 500
SHOUTOUT_LIMIT = 300
COMMENT_LIMIT = 1000
WEEK_MINUTES = 7 * 24 * 60
# The first meeting is at least this far after the agreement, so nobody learns of it the same hour.
FIRST_MEETING_NOTICE = timedelta(days=1)
# An offered place nobody answers is passed on after this many days.
OFFER_DAYS = 3
# A group is at risk when this many check-ins in a row had fewer than half of those who answered there.
LOW_ATTENDANCE_RUN = 2


@dataclass(frozen=True)
class GroupView:
    """A group as its members read it: who is in it (joined order), whose turn it is, and how they work."""

    id: int
    team_id: str
    program_id: int
    program: str
    channel_id: str | None
    status: CircleStatus
    mentor: str | None  # the mentor's Slack ID in a mentoring group; None in a peer circle
    members: tuple[str, ...]
    facilitator: str | None
    sentence: str
    agreement_status: str
    agreement_version: int
    agreement_by: str | None
    cadence: Cadence | None
    meeting_minutes: int | None
    focus: str
    agreed: frozenset[str]
    meetings: int
    window_minute: int | None
    window_zone: str
    next_checkin_at: datetime | None
    time_picked: bool = False  # a member picked the group's meeting time (else it is the former's common hour)

    @property
    def next_meeting_at(self) -> datetime | None:
        """The meeting the next check-in follows: the last start of the common hour before it, if there is one."""
        if self.window_minute is None or self.next_checkin_at is None:
            return None
        latest = self.next_checkin_at - timedelta(minutes=self.meeting_minutes or 60)
        meeting = next_window(latest - timedelta(days=7), self.window_minute, self.window_zone)
        return meeting if meeting <= latest else None

    @property
    def is_circle(self) -> bool:
        return self.mentor is None

    @property
    def waiting_for(self) -> tuple[str, ...]:
        """Who has not confirmed the current agreement yet."""
        return tuple(m for m in self.members if m not in self.agreed)


@dataclass(frozen=True)
class CheckInView:
    id: int
    group: GroupView
    number: int
    facilitator: str | None
    question: str
    there: tuple[str, ...]
    missed: tuple[str, ...]
    # Set on the check-in that found attendance has dropped: the group is asked, kindly, whether the slot works.
    newly_at_risk: bool = False

    @property
    def unanswered(self) -> tuple[str, ...]:
        answered = {*self.there, *self.missed}
        return tuple(m for m in self.group.members if m not in answered)


@dataclass(frozen=True)
class Agreement:
    cadence: Cadence
    meeting_minutes: int
    focus: str


@dataclass(frozen=True)
class Left:
    """What one member's leaving did: the group as it now is, whether it ended (and whether because its mentor
    left), whom the place was offered, and the shout-outs that were waiting only on them."""

    group: GroupView
    user_id: str
    ended: bool
    offered: OfferView | None
    mentor_left: bool = False
    posted: tuple[ShoutoutView, ...] = ()


@dataclass(frozen=True)
class OfferView:
    id: int
    user_id: str
    group: GroupView


@dataclass(frozen=True)
class ShoutoutView:
    id: int
    group: GroupView
    proposed_by: str
    text: str
    named: tuple[str, ...]
    consents: tuple[str, ...]
    status: str

    @property
    def waiting_for(self) -> tuple[str, ...]:
        return tuple(n for n in self.named if n not in self.consents)


def active_members(session: Session, circle_id: int) -> list[tuple[CircleMember, Person]]:
    return list(
        session.execute(
            select(CircleMember, Person)
            .join(Person, Person.id == CircleMember.person_id)
            .where(CircleMember.circle_id == circle_id, CircleMember.left_at.is_(None))
            .order_by(CircleMember.id)
        ).all()
    )


def user_of(session: Session, person_id: int | None) -> str | None:
    return None if person_id is None else session.get_one(Person, person_id).slack_user_id


def view_of_group(session: Session, circle: Circle) -> GroupView:
    members = active_members(session, circle.id)
    return GroupView(
        id=circle.id,
        team_id=circle.team_id,
        program_id=circle.program_id,
        program=session.get_one(Program, circle.program_id).name,
        channel_id=circle.channel_id,
        status=circle.status,
        mentor=user_of(session, circle.mentor_id),
        members=tuple(p.slack_user_id for _, p in members),
        facilitator=user_of(session, circle.facilitator_id),
        sentence=circle.sentence,
        agreement_status=circle.agreement_status,
        agreement_version=circle.agreement_version,
        agreement_by=user_of(session, circle.agreement_by),
        cadence=circle.cadence,
        meeting_minutes=circle.meeting_minutes,
        focus=circle.focus,
        agreed=frozenset(p.slack_user_id for m, p in members if m.agreed_at is not None),
        meetings=circle.meetings,
        window_minute=circle.window_minute,
        window_zone=circle.window_zone,
        next_checkin_at=circle.next_checkin_at,
        time_picked=circle.time_picked_at is not None,
    )


def minimum_of(circle: Circle) -> int:
    """The fewest members (mentor included) with which a group goes on."""
    return CIRCLE_MIN if circle.mentor_id is None else GROUP_MIN_MENTEES + 1


def maximum_of(session: Session, circle: Circle) -> int:
    if circle.mentor_id is None:
        return CIRCLE_MAX
    return session.get_one(Program, circle.program_id).group_size + 1


def membership(
    session: Session, team_id: str, user_id: str, circle_id: int, lock: bool = False
) -> tuple[Circle, CircleMember]:
    """Their place in this circle: `NotYours` when they have none (or it is another workspace's). With `lock`, the
    circle's row is held for this transaction (PostgreSQL), so members acting at once take turns."""
    circle = session.get(Circle, circle_id, with_for_update=lock or None)
    if circle is None or circle.team_id != team_id:
        raise NotYours(f"circle {circle_id}")
    member = session.scalars(
        select(CircleMember)
        .join(Person, Person.id == CircleMember.person_id)
        .where(
            CircleMember.circle_id == circle_id,
            CircleMember.left_at.is_(None),
            Person.slack_user_id == user_id,
        )
    ).first()
    if member is None:
        raise NotYours(f"circle {circle_id}")
    return circle, member


def begin(session: Session, circle_id: int, now: datetime) -> GroupView:
    """A new group's first turn and end date: the mentor leads a group; a circle's first member facilitates."""
    circle = session.get_one(Circle, circle_id)
    program = session.get_one(Program, circle.program_id)
    members = active_members(session, circle.id)
    circle.facilitator_id = circle.mentor_id or (members[0][1].id if members else None)
    circle.cadence = circle.cadence or program.default_cadence
    circle.ends_at = circle.ends_at or now + timedelta(days=30 * program.length_months)
    days = sorted(int(d) for d in program.evaluation_days)
    circle.next_evaluation_at = now + timedelta(days=days[0]) if days else None
    return view_of_group(session, circle)


def group_of(session: Session, team_id: str, user_id: str, circle_id: int) -> GroupView:
    circle, _ = membership(session, team_id, user_id, circle_id)
    return view_of_group(session, circle)


def groups_of(session: Session, team_id: str, user_id: str) -> list[GroupView]:
    """The active groups and circles this person is in, in every program."""
    circles = session.scalars(
        select(Circle)
        .join(CircleMember, CircleMember.circle_id == Circle.id)
        .join(Person, Person.id == CircleMember.person_id)
        .where(
            Circle.team_id == team_id,
            Circle.status == CircleStatus.ACTIVE,
            CircleMember.left_at.is_(None),
            Person.slack_user_id == user_id,
        )
        .order_by(Circle.id)
    )
    return [view_of_group(session, c) for c in circles]


def hours_of(people: list[Person]) -> list[WorkingHours]:
    """Each person's working day, in their own zone."""
    return [WorkingHours(p.timezone, p.work_start_minute, p.work_end_minute) for p in people]


def member_hours(session: Session, circle_id: int) -> list[WorkingHours]:
    return hours_of([p for _, p in active_members(session, circle_id)])


def next_window(after: datetime, window_minute: int, timezone: str = "UTC") -> datetime:
    """The first start of the weekly slot (minutes since Monday 00:00, wall time in `timezone`) at or after `after`,
    in UTC; a wall time a clock change skips falls on the first instant after it."""
    zone = WorkingHours(timezone, 0, 0).zone()
    local = after.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    for week in range(3):
        wall = monday.replace(tzinfo=None) + timedelta(days=7 * week, minutes=window_minute % WEEK_MINUTES)
        start = wall.replace(tzinfo=zone).astimezone(UTC)
        if start >= after:
            return start
    return after


def meeting_at(circle: Circle, after: datetime) -> datetime | None:
    """When the group's next meeting starts, at or after `after`: at its weekly slot, if it has one."""
    if circle.window_minute is None:
        return None
    return next_window(after, circle.window_minute, circle.window_zone)


def checkin_after(session: Session, circle: Circle, meeting: datetime | None, after: datetime) -> datetime:
    """A check-in goes out once the meeting is over (or on the cadence, with no common hour), inside everyone's day."""
    ends = meeting + timedelta(minutes=circle.meeting_minutes or 60) if meeting else after
    return inside_everyones_day(ends, member_hours(session, circle.id))


def first_checkin_at(session: Session, circle: Circle, now: datetime) -> datetime:
    meeting = meeting_at(circle, now + FIRST_MEETING_NOTICE)
    interval = cadence_interval(circle.cadence or Cadence.BIWEEKLY)
    return checkin_after(session, circle, meeting, now + interval)


def next_facilitator(session: Session, circle: Circle) -> int | None:
    """The member after this meeting's facilitator, in the order they joined (a mentor always leads a group)."""
    if circle.mentor_id is not None:
        return circle.mentor_id
    order = [p.id for _, p in active_members(session, circle.id)]
    if not order:
        return None
    if circle.facilitator_id not in order:
        return order[0]
    return order[(order.index(circle.facilitator_id) + 1) % len(order)]


def end_group(session: Session, circle: Circle, reason: str, now: datetime) -> None:
    circle.status = CircleStatus.ENDED
    circle.ended_at = now
    circle.end_reason = reason
    circle.next_checkin_at = None
    circle.ends_at = None
    circle.next_evaluation_at = None
    session.execute(
        update(CircleOffer)
        .where(CircleOffer.circle_id == circle.id, CircleOffer.status == OfferStatus.OPEN)
        .values(status=OfferStatus.GONE, answered_at=now)
    )


def evaluated_members(session: Session, circle_id: int) -> list[str]:
    """Everyone who has been in the group, whether or not they still are."""
    return list(
        session.scalars(
            select(Person.slack_user_id)
            .join(CircleMember, CircleMember.person_id == Person.id)
            .where(CircleMember.circle_id == circle_id)
        )
    )


@dataclass(frozen=True)
class Answered:
    """What an answer to an offered place did: the group as it now is, whether they joined (else the place was
    gone or they let it go), and, after a "not now", whom the place was offered next or whether the group ended."""

    group: GroupView
    joined: bool
    gone: bool = False
    offered: OfferView | None = None
    ended: bool = False
    user_id: str = ""  # whose offer it was


def moved_to(session: Session, circle_id: int, channel_id: str) -> None:
    """The group's conversation after a new member joined: a group DM can't gain members, so a new one is opened."""
    session.execute(update(Circle).where(Circle.id == circle_id).values(channel_id=channel_id))


def active_groups(session: Session, program_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Circle)
            .where(Circle.program_id == program_id, Circle.status == CircleStatus.ACTIVE)
        )
        or 0
    )


def former_member(session: Session, team_id: str, user_id: str, circle_id: int) -> tuple[Circle, Person]:
    """A group and the person in it, whether or not they are still a member: `NotYours` if they never were."""
    circle = session.get(Circle, circle_id)
    if circle is None or circle.team_id != team_id:
        raise NotYours(f"circle {circle_id}")
    person = session.scalars(
        select(Person)
        .join(CircleMember, CircleMember.person_id == Person.id)
        .where(CircleMember.circle_id == circle_id, Person.slack_user_id == user_id)
    ).first()
    if person is None:
        raise NotYours(f"circle {circle_id}")
    return circle, person


def evaluated_group(session: Session, team_id: str, user_id: str, circle_id: int) -> GroupView:
    """The group they are asked to evaluate (they may have left it since)."""
    circle, _ = former_member(session, team_id, user_id, circle_id)
    return view_of_group(session, circle)
