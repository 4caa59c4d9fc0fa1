"""Check-ins on the pair's cadence, inside both people's working hours; answers, notes, snooze and pause.

A check-in that comes after a scheduled meeting asks about that meeting, and its "we met" marks it held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.activity import lock_due, touch
from bot.cadence import WorkingHours, cadence_interval, delivery_time
from bot.errors import CheckInClosed, DayOutOfRange, NotYours, SnoozeOutOfRange
from bot.goals import record_progress
from bot.pairs import PairView, pair_for_member, view_of
from storage.models import CheckIn, CheckInStatus, Meeting, MeetingStatus, Pair, PairStatus, Person

QUESTIONS = (
    "What is one thing you tried since you last met, and what did you learn from it?",
    "What feels hardest about your goal right now?",
    "What would make your next meeting the most useful one yet?",
    "Which piece of advice so far has been the most useful, and why?",
    "What are you proud of since you last met?",
    "Where would an outside view help you this month?",
    "What is one habit you'd like to build, and what's the smallest first step?",
    "What surprised you recently at work?",
)
RENUDGE_AFTER = timedelta(days=3)
MISSED_FOR_RISK = 2
SNOOZE_WEEKS = (1, 2, 3, 4)


@dataclass(frozen=True)
class CheckInView:
    id: int
    team_id: str
    pair: PairView
    question: str
    status: CheckInStatus
    answers: dict[str, str]
    notes: dict[str, str]
    # The meeting this check-in asks about, and the mentee's time zone to name its day in.
    meeting_start: datetime | None = None
    meeting_timezone: str = ""


def _view(session: Session, checkin: CheckIn) -> CheckInView:
    meeting = session.scalars(select(Meeting).where(Meeting.checkin_id == checkin.id).limit(1)).first()
    return _view_about(session, checkin, meeting)


def _view_about(session: Session, checkin: CheckIn, meeting: Meeting | None) -> CheckInView:
    pair = session.get_one(Pair, checkin.pair_id)
    return CheckInView(
        id=checkin.id,
        team_id=checkin.team_id,
        pair=view_of(session, pair),
        question=checkin.question,
        status=checkin.status,
        answers=dict(checkin.answers),
        notes=dict(checkin.notes),
        meeting_start=meeting.start if meeting else None,
        meeting_timezone=session.get_one(Person, pair.mentee_id).timezone if meeting else "",
    )


def _meeting_to_ask_about(session: Session, pair_id: int, now: datetime) -> Meeting | None:
    """The pair's latest scheduled meeting that has ended and that no check-in has asked about yet."""
    return session.scalars(
        select(Meeting)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.end <= now,
            Meeting.checkin_id.is_(None),
        )
        .order_by(Meeting.end.desc())
        .limit(1)
    ).first()


def hours_of(person: Person) -> WorkingHours:
    return WorkingHours(person.timezone, person.work_start_minute, person.work_end_minute)


def due_checkins(session: Session, now: datetime, limit: int) -> list[int]:
    return lock_due(
        session,
        select(Pair.id)
        .where(
            Pair.status == PairStatus.ACTIVE,
            Pair.next_checkin_at <= now,
            Pair.paused_at.is_(None),
            or_(Pair.snoozed_until.is_(None), Pair.snoozed_until <= now),
        )
        .order_by(Pair.next_checkin_at)
        .limit(limit),
        Pair.team_id,
    )


def open_checkin(session: Session, pair_id: int, now: datetime) -> CheckInView | None:
    """Start the due check-in of a locked pair, or move it to the next moment inside both working days."""
    pair = session.get_one(Pair, pair_id)
    mentee = session.get_one(Person, pair.mentee_id)
    mentor = session.get_one(Person, pair.mentor_id)
    when = delivery_time(now, hours_of(mentee), hours_of(mentor))
    if when > now:
        pair.next_checkin_at = when
        return None
    for previous in session.scalars(
        select(CheckIn).where(CheckIn.pair_id == pair.id, CheckIn.status == CheckInStatus.OPEN)
    ):
        previous.status = CheckInStatus.MISSED
        pair.missed_checkins += 1
    if pair.missed_checkins >= MISSED_FOR_RISK:
        pair.health_check_at = now
    pair.last_question = (pair.last_question + 1) % len(QUESTIONS)
    pair.next_checkin_at = now + cadence_interval(pair.cadence)
    pair.snoozed_until = None
    checkin = CheckIn(
        team_id=pair.team_id,
        pair_id=pair.id,
        question=QUESTIONS[pair.last_question],
        status=CheckInStatus.OPEN,
        answers={},
        notes={},
        created_at=now,
    )
    session.add(checkin)
    session.flush()
    meeting = _meeting_to_ask_about(session, pair.id, now)
    if meeting is not None:
        meeting.checkin_id = checkin.id
    return _view_about(session, checkin, meeting)


def _member_checkin(session: Session, team_id: str, user_id: str, checkin_id: int) -> tuple[CheckIn, Pair]:
    checkin = session.get(CheckIn, checkin_id)
    if checkin is None or checkin.team_id != team_id:
        raise NotYours(f"{user_id} on check-in {checkin_id}")
    return checkin, pair_for_member(session, team_id, user_id, checkin.pair_id)


def view_checkin(session: Session, team_id: str, user_id: str, checkin_id: int) -> CheckInView:
    checkin, _ = _member_checkin(session, team_id, user_id, checkin_id)
    return _view(session, checkin)


def answer(
    session: Session, team_id: str, user_id: str, checkin_id: int, status: CheckInStatus, now: datetime
) -> CheckInView:
    """Record this person's answer; each person answers once, and the first answer settles the check-in."""
    checkin, pair = _member_checkin(session, team_id, user_id, checkin_id)
    if user_id in checkin.answers:
        raise CheckInClosed("answered")
    checkin.answers = {**checkin.answers, user_id: status.value}
    if checkin.status in (CheckInStatus.OPEN, CheckInStatus.MISSED):
        checkin.status = status
        checkin.answered_at = now
    if status is CheckInStatus.MET:
        pair.missed_checkins = 0
        session.execute(
            update(Meeting)
            .where(Meeting.checkin_id == checkin.id, Meeting.status == MeetingStatus.SCHEDULED)
            .values(status=MeetingStatus.HELD, held_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if pair.fit_check_at is not None:
            pair.fit_check_at = min(pair.fit_check_at, now)
    elif status is CheckInStatus.NOT_YET:
        pair.next_checkin_at = now + RENUDGE_AFTER
    touch(pair, now)
    return _view(session, checkin)


def add_note(
    session: Session, team_id: str, user_id: str, checkin_id: int, note: str, progress: dict[int, int], now: datetime
) -> CheckInView:
    checkin, _ = _member_checkin(session, team_id, user_id, checkin_id)
    if note.strip():
        checkin.notes = {**checkin.notes, user_id: note.strip()[:1000]}
    for goal_id, percent in progress.items():
        record_progress(session, team_id, user_id, goal_id, percent, now)
    return _view(session, checkin)


def reschedule(session: Session, team_id: str, user_id: str, checkin_id: int, day: date, now: datetime) -> CheckInView:
    """Move the next check-in to the start of the mentee's working day on `day`."""
    if day <= now.date() or day > (now + timedelta(days=90)).date():
        raise DayOutOfRange("pick a day within the next three months")
    view = answer(session, team_id, user_id, checkin_id, CheckInStatus.RESCHEDULED, now)
    pair = session.get_one(Pair, view.pair.id)
    hours = hours_of(session.get_one(Person, pair.mentee_id))
    pair.next_checkin_at = datetime.combine(day, time(0), hours.zone()) + timedelta(minutes=hours.start_minute)
    return view


def snooze(session: Session, team_id: str, user_id: str, pair_id: int, weeks: int, now: datetime) -> PairView:
    if weeks not in SNOOZE_WEEKS:
        raise SnoozeOutOfRange("snooze for 1 to 4 weeks")
    pair = pair_for_member(session, team_id, user_id, pair_id)
    pair.snoozed_until = now + timedelta(weeks=weeks)
    if pair.next_checkin_at is not None:
        pair.next_checkin_at = max(pair.next_checkin_at, pair.snoozed_until)
    return view_of(session, pair)


def pause(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    pair = pair_for_member(session, team_id, user_id, pair_id)
    pair.paused_at = now
    return view_of(session, pair)


def resume(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    pair = pair_for_member(session, team_id, user_id, pair_id)
    pair.paused_at = None
    pair.snoozed_until = None
    if pair.next_checkin_at is not None and pair.next_checkin_at < now:
        pair.next_checkin_at = now
    touch(pair, now)
    return view_of(session, pair)
