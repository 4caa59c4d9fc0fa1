"""The life of a group or circle in its group DM: agreement, check-ins with attendance, rotation, leaving, ending.

A peer circle's facilitator rotates each meeting (the check-in names who facilitated and whose turn is next); a
mentoring group's mentor leads every meeting. Everything a group is told is queued to the outbox in the same
transaction that decided it, so the group hears it only once it is true in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.activity import lock_due
from bot.agreements import MEETING_MINUTES
from bot.cadence import WorkingHours, cadence_interval, inside_everyones_day
from bot.errors import (
    AgreementClosed,
    AgreementReplaced,
    CheckInClosed,
    EvaluationClosed,
    InvalidAgreement,
    InvalidEvaluation,
    InvalidShoutout,
    NoLongerOpen,
    NotYours,
)
from storage.dialects import InsertOrIgnore
from storage.models import (
    AgreementState,
    Cadence,
    Circle,
    CircleAttendance,
    CircleCheckIn,
    CircleEvaluation,
    CircleMember,
    CircleOffer,
    CircleShoutout,
    CircleStatus,
    OfferStatus,
    Person,
    PersonStatus,
    Program,
    ShoutoutState,
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
# A group is at risk when this many check-ins in a row had fewer than half of its members there.
LOW_ATTENDANCE_RUN = 2
QUESTIONS = (
    "Go round once: one thing each of you tried since last time, and what happened.",
    "Who has a challenge the group could help with today? Give it the first twenty minutes.",
    "What is one thing you'd like the group to hold you to before the next meeting?",
    "Which piece of advice from this group have you used, and how did it go?",
    "What are you proud of since you last met?",
    "What should this group do more of, or less of, in its next meetings?",
)
_ANSWER = InsertOrIgnore(CircleAttendance, ["checkin_id", "person_id"])
# One evaluation per member and milestone, however often (or however simultaneously) it is sent.
_EVALUATE = InsertOrIgnore(CircleEvaluation, ["circle_id", "person_id", "milestone"])


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


def _user(session: Session, person_id: int | None) -> str | None:
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
        mentor=_user(session, circle.mentor_id),
        members=tuple(p.slack_user_id for _, p in members),
        facilitator=_user(session, circle.facilitator_id),
        sentence=circle.sentence,
        agreement_status=circle.agreement_status,
        agreement_version=circle.agreement_version,
        agreement_by=_user(session, circle.agreement_by),
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


def validate_agreement(cadence: str, minutes: int | None, focus: str) -> Agreement:
    """The agreement form's values, or `InvalidAgreement` with why, by field."""
    problems: dict[str, str] = {}
    chosen = next((c for c in Cadence if c.value == cadence), None)
    if chosen is None:
        problems["cadence"] = "Pick how often you'll meet; you can change it later."
    if minutes not in MEETING_MINUTES:
        problems["meeting_minutes"] = "Pick how long a meeting usually is."
    if len(focus.strip()) > FOCUS_LIMIT:
        problems["focus"] = f"Keep the focus to {FOCUS_LIMIT} characters; goals hold the details."
    if problems or chosen is None or minutes is None:
        raise InvalidAgreement(problems)
    return Agreement(chosen, minutes, focus.strip())


def propose_agreement(
    session: Session, team_id: str, user_id: str, circle_id: int, agreement: Agreement, now: datetime
) -> GroupView:
    """A member proposes how the group works (or a change to it): everyone else is asked to confirm again. A new
    meeting length lets the group pick a new time once it is agreed."""
    circle, member = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE:
        raise AgreementClosed(str(circle.status))
    if circle.meeting_minutes != agreement.meeting_minutes:
        circle.time_picked_at = None
    circle.agreement_version += 1
    circle.agreement_status = AgreementState.PROPOSED
    circle.agreement_by = member.person_id
    circle.cadence = agreement.cadence
    circle.meeting_minutes = agreement.meeting_minutes
    circle.focus = agreement.focus
    session.execute(update(CircleMember).where(CircleMember.circle_id == circle.id).values(agreed_at=None))
    member.agreed_at = now
    session.flush()
    return view_of_group(session, circle)


def confirm_agreement(
    session: Session, team_id: str, user_id: str, circle_id: int, version: int, now: datetime
) -> tuple[GroupView, bool]:
    """A member confirms the proposal `version` (an older one's button is `AgreementReplaced`); once every member
    has, it is in force and check-ins begin. The second value: whether this was the last confirmation needed."""
    circle, member = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE or circle.agreement_status == AgreementState.NONE:
        raise AgreementClosed(circle.agreement_status)
    if version != circle.agreement_version:
        raise AgreementReplaced(str(circle.agreement_version))
    member.agreed_at = member.agreed_at or now
    session.flush()
    return _settle_agreement(session, circle, now)


def _settle_agreement(session: Session, circle: Circle, now: datetime) -> tuple[GroupView, bool]:
    """Put a proposal everyone has confirmed in force: its first check-in (and, for a circle formed before groups
    had a life, its turn, end date and evaluation days)."""
    group = view_of_group(session, circle)
    if group.waiting_for or circle.agreement_status != AgreementState.PROPOSED:
        return group, False
    if circle.ends_at is None:
        begin(session, circle.id, now)
    circle.agreement_status = AgreementState.CONFIRMED
    circle.next_checkin_at = first_checkin_at(session, circle, now)
    return view_of_group(session, circle), True


def _hours(session: Session, circle_id: int) -> list[WorkingHours]:
    return [
        WorkingHours(p.timezone, p.work_start_minute, p.work_end_minute) for _, p in active_members(session, circle_id)
    ]


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


def _checkin_after(session: Session, circle: Circle, meeting: datetime | None, after: datetime) -> datetime:
    """A check-in goes out once the meeting is over (or on the cadence, with no common hour), inside everyone's day."""
    ends = meeting + timedelta(minutes=circle.meeting_minutes or 60) if meeting else after
    return inside_everyones_day(ends, _hours(session, circle.id))


def first_checkin_at(session: Session, circle: Circle, now: datetime) -> datetime:
    meeting = meeting_at(circle, now + FIRST_MEETING_NOTICE)
    interval = cadence_interval(circle.cadence or Cadence.BIWEEKLY)
    return _checkin_after(session, circle, meeting, now + interval)


def due_group_checkins(session: Session, now: datetime, limit: int) -> list[int]:
    query = (
        select(Circle.id)
        .where(Circle.status == CircleStatus.ACTIVE, Circle.next_checkin_at <= now)
        .order_by(Circle.next_checkin_at)
        .limit(limit)
    )
    return lock_due(session, query, Circle.team_id)


def _next_facilitator(session: Session, circle: Circle) -> int | None:
    """The member after this meeting's facilitator, in the order they joined (a mentor always leads a group)."""
    if circle.mentor_id is not None:
        return circle.mentor_id
    order = [p.id for _, p in active_members(session, circle.id)]
    if not order:
        return None
    if circle.facilitator_id not in order:
        return order[0]
    return order[(order.index(circle.facilitator_id) + 1) % len(order)]


def _low_attendance(session: Session, circle: Circle) -> bool:
    """Whether the latest check-ins in a row each had fewer than half of those who answered there, or nobody
    answering at all: judged on the answers, so a member who stays quiet never makes the group at risk."""
    latest = list(
        session.scalars(
            select(CircleCheckIn)
            .where(CircleCheckIn.circle_id == circle.id)
            .order_by(CircleCheckIn.number.desc())
            .limit(LOW_ATTENDANCE_RUN)
        )
    )
    if len(latest) < LOW_ATTENDANCE_RUN:
        return False
    for checkin in latest:
        answers = list(
            session.scalars(select(CircleAttendance.attended).where(CircleAttendance.checkin_id == checkin.id))
        )
        if answers and 2 * sum(answers) >= len(answers):
            return False
    return True


def open_group_checkin(session: Session, circle_id: int, now: datetime) -> CheckInView | None:
    """The check-in after a meeting: who facilitated, whose turn is next, and the next one scheduled."""
    circle = session.get_one(Circle, circle_id)
    if circle.status is not CircleStatus.ACTIVE or circle.next_checkin_at is None:
        return None
    was_at_risk = circle.at_risk_since is not None
    circle.at_risk_since = (circle.at_risk_since or now) if _low_attendance(session, circle) else None
    number = circle.meetings + 1
    checkin = CircleCheckIn(
        circle_id=circle.id,
        number=number,
        facilitator_id=circle.facilitator_id,
        question=QUESTIONS[(number - 1) % len(QUESTIONS)],
        asked_at=now,
        at_risk=circle.at_risk_since is not None and not was_at_risk,
    )
    session.add(checkin)
    circle.meetings = number
    circle.facilitator_id = _next_facilitator(session, circle)
    interval = cadence_interval(circle.cadence or Cadence.BIWEEKLY)
    meeting = meeting_at(circle, now + interval - timedelta(days=3))
    circle.next_checkin_at = _checkin_after(session, circle, meeting, now + interval)
    session.flush()
    return checkin_view(session, checkin)


def checkin_view(session: Session, checkin: CircleCheckIn) -> CheckInView:
    answers = session.execute(
        select(Person.slack_user_id, CircleAttendance.attended)
        .join(Person, Person.id == CircleAttendance.person_id)
        .where(CircleAttendance.checkin_id == checkin.id)
        .order_by(CircleAttendance.id)
    ).all()
    return CheckInView(
        id=checkin.id,
        group=view_of_group(session, session.get_one(Circle, checkin.circle_id)),
        number=checkin.number,
        facilitator=_user(session, checkin.facilitator_id),
        question=checkin.question,
        there=tuple(user for user, attended in answers if attended),
        missed=tuple(user for user, attended in answers if not attended),
        newly_at_risk=checkin.at_risk,
    )


def record_attendance(
    session: Session, team_id: str, user_id: str, checkin_id: int, attended: bool, now: datetime
) -> CheckInView:
    """A member says whether they were at this meeting; a second click changes their answer."""
    checkin = session.get(CircleCheckIn, checkin_id)
    if checkin is None:
        raise NotYours(f"circle check-in {checkin_id}")
    circle, member = membership(session, team_id, user_id, checkin.circle_id)
    if circle.status is not CircleStatus.ACTIVE:
        raise CheckInClosed(str(circle.status))
    session.execute(
        _ANSWER.on(session).values(
            checkin_id=checkin.id, person_id=member.person_id, attended=attended, answered_at=now
        )
    )
    session.execute(
        update(CircleAttendance)
        .where(CircleAttendance.checkin_id == checkin.id, CircleAttendance.person_id == member.person_id)
        .values(attended=attended, answered_at=now)
    )
    if attended and circle.at_risk_since is not None and not _low_attendance(session, circle):
        circle.at_risk_since = None
    return checkin_view(session, checkin)


def _end(session: Session, circle: Circle, reason: str, now: datetime) -> None:
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


def _avoids(person: Person, others: list[Person]) -> bool:
    """Someone among `others` is on their do-not-match list, or has them on theirs (the lists stay private)."""
    return any(o.slack_user_id in person.do_not_match or person.slack_user_id in o.do_not_match for o in others)


def _in_a_group(session: Session, person_id: int) -> bool:
    return (
        session.scalar(
            select(CircleMember.id)
            .join(Circle, Circle.id == CircleMember.circle_id)
            .where(
                CircleMember.person_id == person_id,
                CircleMember.left_at.is_(None),
                Circle.status == CircleStatus.ACTIVE,
            )
            .limit(1)
        )
        is not None
    )


def _may_take(session: Session, circle: Circle, person: Person) -> bool:
    """Whether this person may take a place here: the program is open, a mentoring group's mentees are not
    mentors, and nobody in it is on their do-not-match list (or has them on theirs)."""
    if session.get_one(Program, circle.program_id).closed_at is not None:
        return False
    if circle.mentor_id is not None and person.role is session.get_one(Person, circle.mentor_id).role:
        return False
    return not _avoids(person, [p for _, p in active_members(session, circle.id)])


def _waiting(session: Session, circle: Circle, skip: int | None = None) -> Person | None:
    """Who to offer a place: the longest-waiting active member of the program in no active group, offered none,
    never in this group before, allowed to take a place in it, and not `skip` (who just let this place go)."""
    busy = (
        select(CircleMember.person_id)
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(Circle.status == CircleStatus.ACTIVE, CircleMember.left_at.is_(None))
    )
    offered = select(CircleOffer.person_id).where(CircleOffer.status == OfferStatus.OPEN)
    been = select(CircleMember.person_id).where(CircleMember.circle_id == circle.id)
    query = select(Person).where(
        Person.program_id == circle.program_id,
        Person.status == PersonStatus.ACTIVE,
        Person.id.not_in(busy),
        Person.id.not_in(offered),
        Person.id.not_in(been),
        Person.id != (skip or 0),
    )
    for person in session.scalars(query.order_by(Person.created_at, Person.id)):
        if _may_take(session, circle, person):
            return person
    return None


def _offer(session: Session, circle: Circle, person: Person, now: datetime) -> OfferView:
    offer = CircleOffer(circle_id=circle.id, person_id=person.id, status=OfferStatus.OPEN, created_at=now)
    session.add(offer)
    session.flush()
    return OfferView(offer.id, person.slack_user_id, view_of_group(session, circle))


def offer_place(session: Session, circle: Circle, now: datetime, skip: int | None = None) -> OfferView | None:
    """Offer a free place in this group to whoever has waited longest, if anyone is waiting who may take it."""
    if len(active_members(session, circle.id)) >= maximum_of(session, circle):
        return None
    person = _waiting(session, circle, skip)
    return None if person is None else _offer(session, circle, person, now)


def open_offer_for(session: Session, person: Person, now: datetime) -> OfferView | None:
    """A late joiner's place: the active group of their program with the most room that they may take."""
    circles = session.scalars(
        select(Circle).where(Circle.program_id == person.program_id, Circle.status == CircleStatus.ACTIVE)
    )
    roomy = [
        (maximum_of(session, c) - len(active_members(session, c.id)), c.id, c)
        for c in circles
        if _may_take(session, c, person)
    ]
    roomy = [r for r in roomy if r[0] > 0]
    if not roomy or _in_a_group(session, person.id):
        return None
    _, _, circle = max(roomy, key=lambda r: (r[0], -r[1]))
    return _offer(session, circle, person, now)


def due_offer_expiries(session: Session, now: datetime, limit: int) -> list[Answered]:
    """Offers nobody answered within OFFER_DAYS: each is withdrawn and its place offered to the next person waiting,
    or a group below its minimum with nobody waiting ends."""
    query = (
        select(CircleOffer.id)
        .where(CircleOffer.status == OfferStatus.OPEN, CircleOffer.created_at <= now - timedelta(days=OFFER_DAYS))
        .join(Circle, Circle.id == CircleOffer.circle_id)
        .order_by(CircleOffer.created_at)
        .limit(limit)
    )
    expired = []
    for offer_id in lock_due(session, query, Circle.team_id):
        offer = session.get_one(CircleOffer, offer_id)
        circle = session.get_one(Circle, offer.circle_id, with_for_update=True)
        offer.status, offer.answered_at = OfferStatus.GONE, now
        expired.append(_passed_on(session, circle, offer, now))
    return expired


def _passed_on(session: Session, circle: Circle, offer: CircleOffer, now: datetime) -> Answered:
    """The place `offer` held goes to the next person waiting; a group below its minimum with nobody waiting ends."""
    active = circle.status is CircleStatus.ACTIVE
    offered = offer_place(session, circle, now, skip=offer.person_id) if active else None
    short = active and len(active_members(session, circle.id)) < minimum_of(circle)
    if short and offered is None:
        _end(session, circle, "too_few", now)
    user = session.get_one(Person, offer.person_id).slack_user_id
    return Answered(
        view_of_group(session, circle), joined=False, offered=offered, ended=short and offered is None, user_id=user
    )


def waits_or_belongs(session: Session, person_id: int) -> bool:
    """Whether they have a place in an active group, or one offered to them."""
    offered = session.scalar(
        select(CircleOffer.id)
        .where(CircleOffer.person_id == person_id, CircleOffer.status == OfferStatus.OPEN)
        .limit(1)
    )
    return offered is not None or _in_a_group(session, person_id)


def evaluated_members(session: Session, circle_id: int) -> list[str]:
    """Everyone who has been in the group, whether or not they still are."""
    return list(
        session.scalars(
            select(Person.slack_user_id)
            .join(CircleMember, CircleMember.person_id == Person.id)
            .where(CircleMember.circle_id == circle_id)
        )
    )


def _drop_from_shoutouts(session: Session, circle: Circle, person_id: int, now: datetime) -> list[ShoutoutView]:
    """Whoever leaves is no longer named in the group's pending shout-outs; those everyone left agreed to post."""
    ready = []
    for shoutout in session.scalars(
        select(CircleShoutout).where(
            CircleShoutout.circle_id == circle.id, CircleShoutout.status == ShoutoutState.PENDING
        )
    ):
        shoutout.named = [n for n in shoutout.named if n != person_id]
        shoutout.consents = [n for n in shoutout.consents if n != person_id]
        if set(shoutout.named) <= set(shoutout.consents):
            shoutout.status, shoutout.posted_at = ShoutoutState.POSTED, now
            ready.append(shoutout)
    session.flush()
    return [shoutout_view(session, s) for s in ready]


def leave_group(session: Session, team_id: str, user_id: str, circle_id: int, now: datetime) -> Left:
    """They leave quietly: the group goes on while it has its minimum (a place is offered to someone waiting),
    and otherwise ends, no one's fault, unless someone waiting is offered the place first. A mentor leaving ends
    their group. What was waiting on them (the agreement, a shout-out, their turn) moves on without them."""
    circle, member = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE:
        raise NoLongerOpen(str(circle.status))
    if circle.facilitator_id == member.person_id:
        circle.facilitator_id = _next_facilitator(session, circle)
    member.left_at = now
    member.agreed_at = None
    if circle.facilitator_id == member.person_id:
        circle.facilitator_id = None
    session.flush()
    posted = _drop_from_shoutouts(session, circle, member.person_id, now)
    leaving_mentor = circle.mentor_id == member.person_id
    remaining = len(active_members(session, circle.id))
    offered = None if leaving_mentor else offer_place(session, circle, now)
    ended = leaving_mentor or (remaining < minimum_of(circle) and offered is None)
    if ended:
        _end(session, circle, "mentor_left" if leaving_mentor else "left", now)
    else:
        _settle_agreement(session, circle, now)
    return Left(view_of_group(session, circle), user_id, ended, offered, leaving_mentor, tuple(posted))


def leave_groups_in(session: Session, team_id: str, user_id: str, program_id: int | None, now: datetime) -> list[Left]:
    """Leaving a program (or all of them) leaves its groups too."""
    return [
        leave_group(session, team_id, user_id, group.id, now)
        for group in groups_of(session, team_id, user_id)
        if program_id is None or group.program_id == program_id
    ]


def _offer_of(session: Session, team_id: str, user_id: str, offer_id: int) -> CircleOffer:
    offer = session.get(CircleOffer, offer_id)
    person = None if offer is None else session.get(Person, offer.person_id)
    if offer is None or person is None or person.team_id != team_id or person.slack_user_id != user_id:
        raise NotYours(f"circle offer {offer_id}")
    return offer


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


def answer_offer(session: Session, team_id: str, user_id: str, offer_id: int, accept: bool, now: datetime) -> Answered:
    """They take the offered place (if it is still free and theirs to take) or let it go (the place is offered to
    the next person waiting; a group below its minimum with nobody waiting ends)."""
    offer = _offer_of(session, team_id, user_id, offer_id)
    circle = session.get_one(Circle, offer.circle_id, with_for_update=True)
    if offer.status is not OfferStatus.OPEN:
        raise NoLongerOpen(str(offer.status))
    offer.answered_at = now
    person = session.get_one(Person, offer.person_id)
    if not accept:
        offer.status = OfferStatus.DECLINED
        return _passed_on(session, circle, offer, now)
    if not _has_room(session, circle) or _in_a_group(session, person.id) or not _may_take(session, circle, person):
        offer.status = OfferStatus.GONE
        return Answered(view_of_group(session, circle), joined=False, gone=True)
    offer.status = OfferStatus.ACCEPTED
    return Answered(add_member(session, circle, person.id, now), joined=True)


def _has_room(session: Session, circle: Circle) -> bool:
    return circle.status is CircleStatus.ACTIVE and len(active_members(session, circle.id)) < maximum_of(
        session, circle
    )


def add_member(session: Session, circle: Circle, person_id: int, now: datetime) -> GroupView:
    """A new member takes a free place (the caller has checked there is one, holding the circle's row)."""
    earlier = session.scalars(
        select(CircleMember).where(CircleMember.circle_id == circle.id, CircleMember.person_id == person_id)
    ).first()
    if earlier is not None:
        earlier.left_at, earlier.joined_at, earlier.agreed_at = None, now, None
    else:
        session.add(CircleMember(circle_id=circle.id, person_id=person_id, joined_at=now))
    session.execute(
        update(CircleOffer)
        .where(CircleOffer.person_id == person_id, CircleOffer.status == OfferStatus.OPEN)
        .values(status=OfferStatus.GONE, answered_at=now)
    )
    session.flush()
    return view_of_group(session, circle)


def join_circle(session: Session, team_id: str, user_id: str, circle_id: int, now: datetime) -> GroupView:
    """A member of the program takes a free place in one of its groups (from `/mentor find`): `NotYours` when it
    isn't theirs to take, `NoLongerOpen` when it is full or they already have a group."""
    circle = session.get(Circle, circle_id, with_for_update=True)
    person = None
    if circle is not None and circle.team_id == team_id:
        person = session.scalars(
            select(Person).where(
                Person.program_id == circle.program_id,
                Person.slack_user_id == user_id,
                Person.status == PersonStatus.ACTIVE,
            )
        ).first()
    if circle is None or person is None or not _may_take(session, circle, person):
        raise NotYours(f"circle {circle_id}")
    if _in_a_group(session, person.id):
        raise NoLongerOpen("in a group")
    if not _has_room(session, circle):
        raise NoLongerOpen("full")
    return add_member(session, circle, person.id, now)


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


def end_program_groups(session: Session, program_id: int, now: datetime) -> list[GroupView]:
    """A cohort's end is its groups' end too: each active group ends, completed, as its members last were."""
    ended = []
    for circle in session.scalars(
        select(Circle).where(Circle.program_id == program_id, Circle.status == CircleStatus.ACTIVE).order_by(Circle.id)
    ):
        group = view_of_group(session, circle)
        _end(session, circle, "completed", now)
        ended.append(group)
    return ended


def due_group_endings(session: Session, now: datetime, limit: int) -> list[GroupView]:
    query = (
        select(Circle.id)
        .where(Circle.status == CircleStatus.ACTIVE, Circle.ends_at <= now)
        .order_by(Circle.ends_at)
        .limit(limit)
    )
    ended = []
    for circle_id in lock_due(session, query, Circle.team_id):
        circle = session.get_one(Circle, circle_id)
        group = view_of_group(session, circle)
        _end(session, circle, "completed", now)
        ended.append(group)
    return ended


def _former_member(session: Session, team_id: str, user_id: str, circle_id: int) -> tuple[Circle, Person]:
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
    circle, _ = _former_member(session, team_id, user_id, circle_id)
    return view_of_group(session, circle)


def evaluate_group(
    session: Session,
    team_id: str,
    user_id: str,
    circle_id: int,
    milestone: str,
    answers: tuple[int, int, str, bool],
    now: datetime,
) -> GroupView:
    """A member's private evaluation of their group at one milestone ("day30"…, "final"), once; shared with the
    program admins only by choice. `answers` are the rating and progress (1–5), a comment and whether to share."""
    rating, progress, comment, shared = answers
    circle, person = _former_member(session, team_id, user_id, circle_id)
    if milestone not in milestones_of(session, circle):
        raise NotYours(f"circle {circle_id} milestone {milestone}")
    if not (1 <= rating <= 5 and 1 <= progress <= 5):
        raise InvalidEvaluation({"rating": "Pick a number from 1 to 5."})
    if len(comment) > COMMENT_LIMIT:
        raise InvalidEvaluation({"comment": f"Keep it to {COMMENT_LIMIT} characters, please."})
    done = session.scalar(
        select(CircleEvaluation.id).where(
            CircleEvaluation.circle_id == circle_id,
            CircleEvaluation.person_id == person.id,
            CircleEvaluation.milestone == milestone,
        )
    )
    if done is not None:
        raise EvaluationClosed("answered")
    stored = session.execute(
        _EVALUATE.on(session).values(
            circle_id=circle_id,
            person_id=person.id,
            milestone=milestone,
            rating=rating,
            progress=progress,
            comment=comment.strip(),
            shared=shared,
            created_at=now,
        )
    )
    if stored.rowcount != 1:  # type: ignore[attr-defined]
        raise EvaluationClosed("answered")
    return view_of_group(session, circle)


def milestones_of(session: Session, circle: Circle) -> list[str]:
    """The evaluations a group's members may give: each evaluation day it has reached, and the final one."""
    days = sorted(int(d) for d in session.get_one(Program, circle.program_id).evaluation_days)
    return [f"day{d}" for d in days[: circle.evaluations_sent]] + ["final"]


def due_group_evaluations(session: Session, now: datetime, limit: int) -> list[tuple[GroupView, str]]:
    """Active groups at one of their program's evaluation days: each member is asked, the next day scheduled."""
    query = (
        select(Circle.id)
        .where(Circle.status == CircleStatus.ACTIVE, Circle.next_evaluation_at <= now)
        .order_by(Circle.next_evaluation_at)
        .limit(limit)
    )
    due = []
    for circle_id in lock_due(session, query, Circle.team_id):
        circle = session.get_one(Circle, circle_id)
        days = sorted(int(d) for d in session.get_one(Program, circle.program_id).evaluation_days)
        if circle.evaluations_sent >= len(days):
            circle.next_evaluation_at = None
            continue
        milestone = f"day{days[circle.evaluations_sent]}"
        circle.evaluations_sent += 1
        started = circle.started_at or now
        upcoming = days[circle.evaluations_sent] if circle.evaluations_sent < len(days) else None
        circle.next_evaluation_at = started + timedelta(days=upcoming) if upcoming is not None else None
        due.append((view_of_group(session, circle), milestone))
    return due


def propose_shoutout(
    session: Session, team_id: str, user_id: str, circle_id: int, text: str, now: datetime
) -> ShoutoutView:
    """A member proposes to celebrate the group in the program's channel; everyone it names is asked first."""
    circle, member = membership(session, team_id, user_id, circle_id, lock=True)
    if circle.status is not CircleStatus.ACTIVE:
        raise NoLongerOpen(str(circle.status))
    if not text.strip() or len(text.strip()) > SHOUTOUT_LIMIT:
        raise InvalidShoutout({"shoutout": f"Say what you're celebrating, in at most {SHOUTOUT_LIMIT} characters."})
    named = [p.id for _, p in active_members(session, circle.id)]
    shoutout = CircleShoutout(
        circle_id=circle.id,
        proposed_by=member.person_id,
        text=text.strip(),
        named=named,
        consents=[member.person_id],
        status=ShoutoutState.PENDING,
        created_at=now,
    )
    session.add(shoutout)
    session.flush()
    return shoutout_view(session, shoutout)


def shoutout_view(session: Session, shoutout: CircleShoutout) -> ShoutoutView:
    users = {p.id: p.slack_user_id for p in session.scalars(select(Person).where(Person.id.in_(shoutout.named)))}
    return ShoutoutView(
        id=shoutout.id,
        group=view_of_group(session, session.get_one(Circle, shoutout.circle_id)),
        proposed_by=session.get_one(Person, shoutout.proposed_by).slack_user_id,
        text=shoutout.text,
        named=tuple(users[n] for n in shoutout.named if n in users),
        consents=tuple(users[n] for n in shoutout.consents if n in users),
        status=shoutout.status,
    )


def answer_shoutout(
    session: Session, team_id: str, user_id: str, shoutout_id: int, consent: bool, now: datetime
) -> ShoutoutView:
    """Someone named says yes or no; all yeses post it, one no keeps it inside the group (without saying whose)."""
    shoutout = session.get(CircleShoutout, shoutout_id)
    if shoutout is None:
        raise NotYours(f"circle shout-out {shoutout_id}")
    _, member = membership(session, team_id, user_id, shoutout.circle_id, lock=True)
    session.refresh(shoutout)
    if member.person_id not in shoutout.named:
        raise NotYours(f"circle shout-out {shoutout_id}")
    if shoutout.status != ShoutoutState.PENDING:
        raise NoLongerOpen(shoutout.status)
    if not consent:
        shoutout.status = ShoutoutState.DECLINED
    elif member.person_id not in shoutout.consents:
        shoutout.consents = [*shoutout.consents, member.person_id]
    if set(shoutout.named) <= set(shoutout.consents):
        shoutout.status = ShoutoutState.POSTED
        shoutout.posted_at = now
    session.flush()
    return shoutout_view(session, shoutout)


@dataclass(frozen=True)
class GroupFigures:
    """A program's groups for its report: plain counts, and averages only over enough people (else None)."""

    active: int
    ended: int
    members: int
    at_risk: tuple[GroupView, ...]
    attendance: float | None  # share of answers "I was there"
    rating: float | None  # average final rating, 1–5


def group_figures(session: Session, program_id: int, threshold: int) -> GroupFigures | None:
    """None when the program has formed no group yet."""
    circles = list(
        session.scalars(select(Circle).where(Circle.program_id == program_id, Circle.status != CircleStatus.DRAFT))
    )
    if not circles:
        return None
    active = [c for c in circles if c.status is CircleStatus.ACTIVE]
    members = session.scalar(
        select(func.count())
        .select_from(CircleMember)
        .where(CircleMember.circle_id.in_([c.id for c in active]), CircleMember.left_at.is_(None))
    )
    ids = [c.id for c in circles]
    answers = session.execute(
        select(CircleAttendance.person_id, CircleAttendance.attended)
        .join(CircleCheckIn, CircleCheckIn.id == CircleAttendance.checkin_id)
        .where(CircleCheckIn.circle_id.in_(ids))
    ).all()
    finals = session.execute(
        select(CircleEvaluation.person_id, CircleEvaluation.rating).where(
            CircleEvaluation.circle_id.in_(ids), CircleEvaluation.milestone == "final"
        )
    ).all()
    ratings = [rating for _, rating in finals]
    answering = len({person for person, _ in answers})
    return GroupFigures(
        active=len(active),
        ended=len(circles) - len(active),
        members=int(members or 0),
        at_risk=tuple(view_of_group(session, c) for c in active if c.at_risk_since is not None),
        attendance=round(sum(a for _, a in answers) / len(answers), 3) if answering >= threshold else None,
        rating=round(sum(ratings) / len(ratings), 2) if len({p for p, _ in finals}) >= threshold else None,
    )
