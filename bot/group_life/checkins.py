"""Check-ins after each meeting: who facilitated and whose turn is next, each member's attendance, and a group
at risk when attendance drops (judged on the answers, so one quiet member never is)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.activity import lock_due
from bot.cadence import cadence_interval
from bot.errors import (
    CheckInClosed,
    NotYours,
)
from bot.group_life.model import (
    LOW_ATTENDANCE_RUN,
    CheckInView,
    checkin_after,
    meeting_at,
    membership,
    next_facilitator,
    user_of,
    view_of_group,
)
from storage.dialects import InsertOrIgnore
from storage.models import (
    Cadence,
    Circle,
    CircleAttendance,
    CircleCheckIn,
    CircleStatus,
    Person,
)

QUESTIONS = (
    "Go round once: one thing each of you tried since last time, and what happened.",
    "Who has a challenge the group could help with today? Give it the first twenty minutes.",
    "What is one thing you'd like the group to hold you to before the next meeting?",
    "Which piece of advice from this group have you used, and how did it go?",
    "What are you proud of since you last met?",
    "What should this group do more of, or less of, in its next meetings?",
)
_ANSWER = InsertOrIgnore(CircleAttendance, ["checkin_id", "person_id"])


def due_group_checkins(session: Session, now: datetime, limit: int) -> list[int]:
    query = (
        select(Circle.id)
        .where(Circle.status == CircleStatus.ACTIVE, Circle.next_checkin_at <= now)
        .order_by(Circle.next_checkin_at)
        .limit(limit)
    )
    return lock_due(session, query, Circle.team_id)


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
    circle.facilitator_id = next_facilitator(session, circle)
    interval = cadence_interval(circle.cadence or Cadence.BIWEEKLY)
    meeting = meeting_at(circle, now + interval - timedelta(days=3))
    circle.next_checkin_at = checkin_after(session, circle, meeting, now + interval)
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
        facilitator=user_of(session, checkin.facilitator_id),
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
