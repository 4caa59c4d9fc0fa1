"""A pair's meetings: three times both can make, the pick (first click wins), reschedules, the series, the nudge.

The invite itself is posted by `bot.conversations.send_invite`, after the pick is committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from bot.activity import lock_due
from bot.agreements import DAYS_PER_MONTH, current_agreement
from bot.cadence import WorkingHours
from bot.checkins import hours_of
from bot.errors import MentorbotError, NoLongerOpen, NotYours
from bot.meeting_times import local_labels, next_working_morning, propose
from bot.pairs import PairView, pair_for_member, view_of
from storage.models import (
    Agreement,
    AgreementStatus,
    Cadence,
    Meeting,
    MeetingChannel,
    MeetingStatus,
    Pair,
    PairStatus,
    Person,
)

DEFAULT_MINUTES = 30
# Until a pair agrees how long they'll work together, their series runs as long as a program's default.
DEFAULT_LENGTH_MONTHS = 6
NUDGE_AFTER = timedelta(days=3)
# Who organises the invite when the mentor's email is not shared: an address that never receives mail.
NO_REPLY = "no-reply@mentorbot.invalid"
LIVE = (MeetingStatus.PROPOSED, MeetingStatus.SCHEDULED)
# (start, end) intervals when someone in the pair is busy, from their connected calendars.
Busy = Sequence[tuple[datetime, datetime]]


class AlreadyPicked(NoLongerOpen):
    """Someone picked a time first (or at the same moment); `meeting` is the time they picked."""

    def __init__(self, meeting: ScheduledMeeting) -> None:
        super().__init__("picked")
        self.meeting = meeting


class TimePassed(MentorbotError):
    """The time they picked has already begun."""


class MeetingClosed(NoLongerOpen):
    """The pair said they would sort it out themselves, chose async, or the pair ended."""


@dataclass(frozen=True)
class LocalTime:
    """One meeting as the people in one time zone see it."""

    label: str  # "Tue 1 Dec, 15:00–15:30 (Europe/Berlin)"
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class OfferedTime:
    start: datetime
    local: tuple[LocalTime, ...]


@dataclass(frozen=True)
class Stretch:
    user_id: str
    minutes_early: int
    minutes_late: int


@dataclass(frozen=True)
class Offer:
    """Times offered to a pair: up to three inside everyone's day, or the fairest compromise when there are none."""

    meeting_id: int
    pair: PairView
    minutes: int
    times: tuple[OfferedTime, ...]
    lead_timezone: str  # the mentee's: button labels are in their time
    compromise: OfferedTime | None = None
    stretches: tuple[Stretch, ...] = ()
    suggest_async: bool = False
    assumed_utc: tuple[str, ...] = ()
    rescheduling: bool = False


@dataclass(frozen=True)
class ScheduledMeeting:
    """A picked time, with all its calendar event needs."""

    meeting_id: int
    pair: PairView
    uid: str
    sequence: int
    start: datetime
    minutes: int
    local: tuple[LocalTime, ...]
    picked_by: str
    timezone: str  # the organiser's (the mentor's)
    stamp: datetime
    focus: str = ""
    channel: MeetingChannel | None = None
    video_link: str = ""
    cadence: Cadence = Cadence.BIWEEKLY
    series: bool = False
    series_until: datetime | None = None
    # The agreement is confirmed, so the whole series can be offered.
    agreed: bool = False
    rescheduled: bool = False


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _starts(meeting: Meeting) -> list[datetime]:
    return [datetime.fromisoformat(str(raw)) for raw in meeting.proposals]


def _people(session: Session, pair: PairView) -> tuple[Person, Person]:
    """The mentee and the mentor of a pair, in one query."""
    rows = session.scalars(
        select(Person).where(
            Person.program_id == pair.program_id,
            Person.slack_user_id.in_((pair.mentee_user_id, pair.mentor_user_id)),
        )
    ).all()
    by_user = {person.slack_user_id: person for person in rows}
    return by_user[pair.mentee_user_id], by_user[pair.mentor_user_id]


def _local(start: datetime, minutes: int, people: Sequence[tuple[str, WorkingHours]]) -> tuple[LocalTime, ...]:
    """The meeting in each time zone present, with who is in it, in the order the people are given."""
    zones: dict[str, list[str]] = {}
    hours_by_zone: dict[str, WorkingHours] = {}
    for user_id, hours in people:
        key = hours.zone().key
        zones.setdefault(key, []).append(user_id)
        hours_by_zone.setdefault(key, hours)
    return tuple(
        LocalTime(local_labels(start, minutes, [hours_by_zone[key]])[0], tuple(users)) for key, users in zones.items()
    )


def live_meeting(session: Session, pair_id: int) -> Meeting | None:
    """The pair's meeting that is still on offer or ahead of them."""
    return session.scalars(
        select(Meeting).where(Meeting.pair_id == pair_id, Meeting.status.in_(LIVE)).order_by(Meeting.id.desc()).limit(1)
    ).first()


# The agreed meeting length and the pair's live meeting, in one statement (a new pair's intro waits on it).
_AGREED_MINUTES_AND_LIVE_MEETING = select(
    select(Agreement.meeting_minutes)
    .where(Agreement.pair_id == bindparam("pair_id"), Agreement.status == AgreementStatus.ACTIVE)
    .order_by(Agreement.id.desc())
    .limit(1)
    .scalar_subquery(),
    select(Meeting.id)
    .where(Meeting.pair_id == bindparam("pair_id"), Meeting.status.in_(LIVE))
    .order_by(Meeting.id.desc())
    .limit(1)
    .scalar_subquery(),
)


def offer_times(session: Session, pair: PairView, now: datetime, *, others: bool = False, busy: Busy = ()) -> Offer:
    """Offer the pair three times inside both working days (their meeting row keeps them), or a compromise.

    `others`: times that avoid those on offer now ("Three other times"). A pair with a time picked keeps it until
    they pick a new one: these are reschedule times, which avoid the current one. `busy`: when the members'
    connected calendars say they are busy (`bot.calendars`, asked before the unit of work), left out too.
    """
    mentee, mentor = _people(session, pair)
    agreed_minutes, meeting_id = session.execute(_AGREED_MINUTES_AND_LIVE_MEETING, {"pair_id": pair.id}).one()
    minutes = int(agreed_minutes or DEFAULT_MINUTES)
    meeting = None if meeting_id is None else session.get_one(Meeting, meeting_id)
    if meeting is None:
        meeting = Meeting(
            team_id=pair.team_id,
            program_id=pair.program_id,
            pair_id=pair.id,
            uid=f"{uuid.uuid4()}@mentorbot",
            sequence=0,
            status=MeetingStatus.PROPOSED,
            minutes=minutes,
            proposals=[],
            created_at=now,
            updated_at=now,
            nudge_at=now + NUDGE_AFTER,
        )
        session.add(meeting)
    skip = _starts(meeting) if others else []
    if meeting.status is MeetingStatus.SCHEDULED and meeting.start is not None:
        skip.append(meeting.start)
    people = [(pair.mentee_user_id, hours_of(mentee)), (pair.mentor_user_id, hours_of(mentor))]
    ids, hours = [user for user, _ in people], [h for _, h in people]
    proposal = propose(now, hours, minutes, skip=skip, busy=busy)
    if others and not proposal.times and not proposal.suggest_async:
        # Every slot of the next ten working days was offered already: offer the best ones again.
        proposal = propose(now, hours, minutes, busy=busy)
    compromise = proposal.compromise
    fairest: OfferedTime | None = None
    stretches: tuple[Stretch, ...] = ()
    if compromise is not None:
        fairest = OfferedTime(compromise.start, _local(compromise.start, minutes, people))
        stretches = tuple(Stretch(ids[s.person], s.minutes_early, s.minutes_late) for s in compromise.stretches)
    offered = [*proposal.times, *([compromise.start] if compromise else [])]
    meeting.proposals = [_iso(start) for start in offered]
    meeting.offered_at = now
    meeting.minutes = minutes
    meeting.updated_at = now
    session.flush()
    return Offer(
        meeting_id=meeting.id,
        pair=pair,
        minutes=minutes,
        times=tuple(OfferedTime(start, _local(start, minutes, people)) for start in proposal.times),
        lead_timezone=hours[0].zone().key,
        compromise=fairest,
        stretches=stretches,
        suggest_async=proposal.suggest_async,
        assumed_utc=tuple(ids[index] for index in proposal.assumed_utc),
        rescheduling=meeting.status is MeetingStatus.SCHEDULED,
    )


def _member_meeting(session: Session, team_id: str, user_id: str, meeting_id: int) -> tuple[Meeting, Pair]:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.team_id != team_id:
        raise NotYours(f"{user_id} on meeting {meeting_id}")
    return meeting, pair_for_member(session, team_id, user_id, meeting.pair_id)


def _open_pair(pair: Pair) -> None:
    if pair.status is not PairStatus.ACTIVE:
        raise MeetingClosed(str(pair.status))


def other_times(session: Session, team_id: str, user_id: str, meeting_id: int, now: datetime, busy: Busy = ()) -> Offer:
    """Three times other than those on offer."""
    meeting, pair = _member_meeting(session, team_id, user_id, meeting_id)
    _open_pair(pair)
    if meeting.status not in LIVE:
        raise MeetingClosed(str(meeting.status))
    return offer_times(session, view_of(session, pair), now, others=True, busy=busy)


def fresh_times(session: Session, team_id: str, user_id: str, meeting_id: int, now: datetime, busy: Busy = ()) -> Offer:
    """Times from now on, e.g. after someone picked one that had passed, or to reschedule."""
    meeting, pair = _member_meeting(session, team_id, user_id, meeting_id)
    _open_pair(pair)
    if meeting.status not in LIVE:
        raise MeetingClosed(str(meeting.status))
    return offer_times(session, view_of(session, pair), now, busy=busy)


def stop_offering(session: Session, team_id: str, user_id: str, meeting_id: int, now: datetime) -> PairView:
    """They'll find a time themselves (or keep to an async thread): no more offers and no nudge."""
    meeting, pair = _member_meeting(session, team_id, user_id, meeting_id)
    if meeting.status is MeetingStatus.PROPOSED:
        meeting.status = MeetingStatus.CANCELLED
    meeting.offered_at = None
    meeting.nudge_at = None
    meeting.updated_at = now
    return view_of(session, pair)


def _scheduled(session: Session, meeting: Meeting, pair: Pair, rescheduled: bool = False) -> ScheduledMeeting:
    view = view_of(session, pair)
    mentee, mentor = _people(session, view)
    agreement: Agreement | None = current_agreement(session, pair.id, AgreementStatus.ACTIVE)
    assert meeting.start is not None
    until = pair.ends_at or (
        (pair.started_at or meeting.start)
        + timedelta(days=DAYS_PER_MONTH * (agreement.length_months if agreement else 6))
    )
    people = [(view.mentee_user_id, hours_of(mentee)), (view.mentor_user_id, hours_of(mentor))]
    return ScheduledMeeting(
        meeting_id=meeting.id,
        pair=view,
        uid=meeting.uid,
        sequence=meeting.sequence,
        start=meeting.start,
        minutes=meeting.minutes,
        local=_local(meeting.start, meeting.minutes, people),
        picked_by=meeting.picked_by or "",
        timezone=hours_of(mentor).zone().key,
        stamp=meeting.updated_at,
        focus=agreement.focus if agreement else "",
        channel=agreement.meeting_channel if agreement else None,
        video_link=agreement.video_link if agreement and agreement.meeting_channel is MeetingChannel.VIDEO else "",
        cadence=agreement.cadence if agreement else pair.cadence,
        series=meeting.series,
        series_until=until,
        agreed=agreement is not None,
        rescheduled=rescheduled,
    )


def pick(
    session: Session, team_id: str, user_id: str, meeting_id: int, start: datetime | None, now: datetime
) -> ScheduledMeeting:
    """Pick one of the times on offer. The first pick wins: a conditional UPDATE takes the offer off the table, so
    whoever comes second (even at the same instant) gets `AlreadyPicked` with the time that was picked."""
    meeting, pair = _member_meeting(session, team_id, user_id, meeting_id)
    offered_at = meeting.offered_at
    if offered_at is None or start is None or _iso(start) not in meeting.proposals:
        if meeting.status is MeetingStatus.SCHEDULED and meeting.start is not None:
            raise AlreadyPicked(_scheduled(session, meeting, pair))
        raise MeetingClosed(str(meeting.status))
    _open_pair(pair)
    if start <= now:
        raise TimePassed(_iso(start))
    rescheduled = meeting.status is MeetingStatus.SCHEDULED
    sequence = meeting.sequence + 1 if rescheduled else meeting.sequence
    won = session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.offered_at == offered_at)
        .values(
            status=MeetingStatus.SCHEDULED,
            start=start,
            end=start + timedelta(minutes=meeting.minutes),
            picked_by=user_id,
            sequence=sequence,
            proposals=[],
            offered_at=None,
            nudge_at=None,
            scheduled_at=meeting.scheduled_at or now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(meeting)
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyPicked(_scheduled(session, meeting, pair))
    mentee = session.get_one(Person, pair.mentee_id)
    # The next check-in asks about this meeting, the morning after it.
    assert meeting.end is not None
    pair.next_checkin_at = next_working_morning(meeting.end, hours_of(mentee))
    return _scheduled(session, meeting, pair, rescheduled=rescheduled)


def add_series(session: Session, team_id: str, user_id: str, meeting_id: int, now: datetime) -> ScheduledMeeting:
    """Turn the picked meeting into the pair's series, on their cadence until the pair ends (a new SEQUENCE)."""
    meeting, pair = _member_meeting(session, team_id, user_id, meeting_id)
    if meeting.status is not MeetingStatus.SCHEDULED or meeting.start is None:
        raise MeetingClosed(str(meeting.status))
    if not meeting.series:
        meeting.series = True
        meeting.sequence += 1
        meeting.updated_at = now
    return _scheduled(session, meeting, pair)


def start_reschedule(
    session: Session, team_id: str, user_id: str, meeting_id: int, now: datetime, busy: Busy = ()
) -> Offer:
    """New times for a picked meeting; picking one moves the same event."""
    meeting, pair = _member_meeting(session, team_id, user_id, meeting_id)
    _open_pair(pair)
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise MeetingClosed(str(meeting.status))
    return offer_times(session, view_of(session, pair), now, busy=busy)


def after_agreement(
    session: Session, pair: PairView, now: datetime, busy: Busy = ()
) -> Offer | ScheduledMeeting | None:
    """Once an agreement is confirmed or changed: new times of the agreed length while none is picked; with one
    picked, that meeting (to offer the series); None when the pair said they'd sort it out themselves."""
    meeting = live_meeting(session, pair.id)
    if meeting is not None and meeting.status is MeetingStatus.SCHEDULED:
        return _scheduled(session, meeting, session.get_one(Pair, pair.id))
    latest = session.scalars(
        select(Meeting.status).where(Meeting.pair_id == pair.id).order_by(Meeting.id.desc())
    ).first()
    if latest is MeetingStatus.CANCELLED:
        return None
    return offer_times(session, pair, now, busy=busy)


@dataclass(frozen=True)
class UnpickedNudge:
    meeting_id: int
    pair: PairView
    to: str


def due_nudges(session: Session, now: datetime, limit: int) -> list[int]:
    return lock_due(
        session,
        select(Meeting.id).where(Meeting.nudge_at <= now).order_by(Meeting.nudge_at).limit(limit),
        Meeting.team_id,
    )


def claim_nudge(session: Session, meeting_id: int, now: datetime) -> UnpickedNudge | None:
    """Take the one nudge of a meeting nobody picked a time for (a conditional UPDATE, so it is sent once); None
    when a time was picked meanwhile or the pair is no longer active."""
    claimed = session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.nudge_at <= now)
        .values(nudge_at=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    meeting = session.get_one(Meeting, meeting_id)
    pair = session.get_one(Pair, meeting.pair_id)
    if meeting.status is not MeetingStatus.PROPOSED or pair.status is not PairStatus.ACTIVE or pair.paused_at:
        return None
    view = view_of(session, pair)
    return UnpickedNudge(meeting.id, view, view.mentee_user_id)
