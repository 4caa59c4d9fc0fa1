"""Pairs and mentor slots: claiming a slot is one conditional UPDATE, so racing accepts cannot overfill."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, bindparam, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from bot.activity import touch
from bot.errors import NotYours
from bot.matching import History
from storage.models import MatchRequest, Pair, PairSource, PairStatus, Person, PersonStatus, Program, RequestStatus

LIVE = (PairStatus.PROPOSED, PairStatus.ACTIVE)
FIT_CHECK_AFTER = timedelta(days=14)
# A pair or group whose group DM Slack wouldn't open as it started (429s past every retry, an outage) gets it from
# the scheduler: once its own try has long finished, and while it is this new.
LATE_AFTER = timedelta(minutes=2)
LATE_FOR = timedelta(days=2)


@dataclass(frozen=True)
class PairView:
    id: int
    team_id: str
    mentor_user_id: str
    mentee_user_id: str
    mentor_name: str
    mentee_name: str
    status: PairStatus
    score: float
    reasons: list[str]
    channel_id: str | None
    shared_topics: list[str]
    started_at: datetime | None
    next_checkin_at: datetime | None
    program_id: int = 0
    program: str = ""
    # The program's name when the workspace has several (so every message can say which one it is about).
    program_label: str = ""


def several_programs(session: Session, team_id: str) -> bool:
    """Whether the workspace runs more than one program; asked once per session (a request, a tick's step)."""
    key = ("several_programs", team_id)
    if key not in session.info:
        count = session.scalar(select(func.count()).select_from(Program).where(Program.team_id == team_id))
        session.info[key] = (count or 0) > 1
    return bool(session.info[key])


def claim_slot(session: Session, mentor_id: int) -> bool:
    """Take one mentee slot of an active mentor, if one is free. True when taken."""
    result = session.execute(
        update(Person)
        .where(
            Person.id == mentor_id,
            Person.status == PersonStatus.ACTIVE,
            Person.active_mentees < Person.capacity,
        )
        .values(active_mentees=Person.active_mentees + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release_slot(session: Session, mentor_id: int) -> None:
    session.execute(
        update(Person)
        .where(Person.id == mentor_id, Person.active_mentees > 0)
        .values(active_mentees=Person.active_mentees - 1)
        .execution_options(synchronize_session=False)
    )


def create_pair(
    session: Session,
    mentor: Person,
    mentee: Person,
    status: PairStatus,
    source: PairSource,
    score: float,
    reasons: list[str],
    now: datetime,
    round_id: int | None = None,
) -> Pair:
    """A pair holding a slot the caller has already claimed."""
    pair = Pair(
        team_id=mentee.team_id,
        program_id=mentee.program_id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        status=status,
        source=source,
        score=score,
        reasons=reasons,
        round_id=round_id,
        mentor_confirmed=status is PairStatus.ACTIVE,
        mentee_confirmed=status is PairStatus.ACTIVE,
        created_at=now,
    )
    session.add(pair)
    session.flush()
    if status is PairStatus.ACTIVE:
        activate(session, pair, now)
        session.flush()
    return pair


def activate(session: Session, pair: Pair, now: datetime) -> None:
    """The pair starts now: fit check two weeks in, first evaluation on the program's first evaluation day."""
    mentee = session.get_one(Person, pair.mentee_id)
    days = list(session.get_one(Program, pair.program_id).evaluation_days)
    pair.status = PairStatus.ACTIVE
    pair.started_at = now
    pair.cadence = mentee.cadence
    pair.fit_check_at = now + FIT_CHECK_AFTER
    pair.next_evaluation_at = now + timedelta(days=int(days[0])) if days else None
    touch(pair, now)


def view_of(session: Session, pair: Pair) -> PairView:
    mentor = session.get_one(Person, pair.mentor_id)
    mentee = session.get_one(Person, pair.mentee_id)
    shared = sorted(set(mentee.goals) & set(mentor.expertise))
    return PairView(
        id=pair.id,
        team_id=pair.team_id,
        mentor_user_id=mentor.slack_user_id,
        mentee_user_id=mentee.slack_user_id,
        mentor_name=mentor.display_name or mentor.slack_user_id,
        mentee_name=mentee.display_name or mentee.slack_user_id,
        status=pair.status,
        score=pair.score,
        reasons=list(pair.reasons),
        channel_id=pair.channel_id,
        shared_topics=shared,
        started_at=pair.started_at,
        next_checkin_at=pair.next_checkin_at,
        program_id=pair.program_id,
        program=(name := session.get_one(Program, pair.program_id).name),
        program_label=name if several_programs(session, pair.team_id) else "",
    )


def waiting_for_dm(
    channel: InstrumentedAttribute[str | None], started_at: InstrumentedAttribute[datetime | None], now: datetime
) -> ColumnElement[bool]:
    """A pair or group still without a group DM, started long enough ago that its own try is over (`LATE_AFTER`)
    and recently enough to be worth an intro (`LATE_FOR`)."""
    return and_(channel.is_(None), started_at >= now - LATE_FOR, started_at <= now - LATE_AFTER)


def without_conversation(session: Session, now: datetime) -> list[PairView]:
    """Active pairs still waiting for the group DM Slack wouldn't open as they started."""
    waiting = waiting_for_dm(Pair.channel_id, Pair.started_at, now)
    pairs = session.scalars(select(Pair).where(Pair.status == PairStatus.ACTIVE, waiting).order_by(Pair.id))
    return [view_of(session, pair) for pair in pairs]


def set_channel(session: Session, pair_id: int, channel_id: str) -> None:
    session.execute(update(Pair).where(Pair.id == pair_id).values(channel_id=channel_id))


_PARTNERS = select(Pair.mentee_id, Pair.mentor_id, Pair.status).where(
    Pair.mentee_id.in_(bindparam("ids", expanding=True))
)
_DECLINED_BY = select(MatchRequest.mentee_id, MatchRequest.mentor_id).where(
    MatchRequest.mentee_id.in_(bindparam("ids", expanding=True)), MatchRequest.status == RequestStatus.DECLINED
)


def histories(session: Session, mentee_ids: Iterable[int], previous_cohort: int | None = None) -> dict[int, History]:
    """Current and past partners and declining mentors of each mentee, in two queries; with `previous_cohort`
    (the program this cohort was cloned from), also who they were paired with there, in one more."""
    ids = list(mentee_ids)
    current: dict[int, set[int]] = {i: set() for i in ids}
    past: dict[int, set[int]] = {i: set() for i in ids}
    declined: dict[int, set[int]] = {i: set() for i in ids}
    earlier: dict[int, set[int]] = {i: set() for i in ids}
    for mentee_id, mentor_id, status in session.execute(_PARTNERS, {"ids": ids}):
        (current if status in LIVE else past)[mentee_id].add(mentor_id)
    for mentee_id, mentor_id in session.execute(_DECLINED_BY, {"ids": ids}):
        declined[mentee_id].add(mentor_id)
    if previous_cohort is not None and ids:
        for mentee_id, mentor_id in session.execute(_EARLIER_COHORT, {"ids": ids, "previous": previous_cohort}):
            earlier[mentee_id].add(mentor_id)
    return {
        i: History(
            current=frozenset(current[i]),
            past=frozenset(past[i]),
            declined=frozenset(declined[i]),
            earlier_cohort=frozenset(earlier[i]),
        )
        for i in ids
    }


_MENTEE_BEFORE, _MENTOR_BEFORE, _MENTEE_NOW, _MENTOR_NOW = (aliased(Person) for _ in range(4))
# Pairs of the previous cohort, as (mentee, mentor) memberships of this one: the same two Slack users.
_EARLIER_COHORT = (
    select(_MENTEE_NOW.id, _MENTOR_NOW.id)
    .select_from(Pair)
    .join(_MENTEE_BEFORE, _MENTEE_BEFORE.id == Pair.mentee_id)
    .join(_MENTOR_BEFORE, _MENTOR_BEFORE.id == Pair.mentor_id)
    .join(_MENTEE_NOW, _MENTEE_NOW.slack_user_id == _MENTEE_BEFORE.slack_user_id)
    .join(
        _MENTOR_NOW,
        (_MENTOR_NOW.slack_user_id == _MENTOR_BEFORE.slack_user_id)
        & (_MENTOR_NOW.program_id == _MENTEE_NOW.program_id),
    )
    .where(
        Pair.program_id == bindparam("previous"),
        Pair.status.in_((PairStatus.ACTIVE, PairStatus.ENDED)),
        _MENTEE_NOW.id.in_(bindparam("ids", expanding=True)),
    )
)


def pair_for_member(session: Session, team_id: str, user_id: str, pair_id: int) -> Pair:
    """The pair, if `user_id` is one of its two people; anyone else gets NotYours (and is logged by the caller)."""
    pair = session.get(Pair, pair_id)
    if pair is None or pair.team_id != team_id:
        raise NotYours(f"{user_id} on pair {pair_id}")
    members = session.execute(
        select(Person.slack_user_id).where(Person.id.in_((pair.mentor_id, pair.mentee_id)))
    ).scalars()
    if user_id not in set(members):
        raise NotYours(f"{user_id} on pair {pair_id}")
    return pair


def end_pair(session: Session, pair: Pair, reason: str, now: datetime) -> None:
    """End a live pair without blame: its slot frees up at once and nothing more is scheduled for it."""
    if pair.status not in LIVE:
        return
    pair.status = PairStatus.ENDED
    pair.ended_at = now
    pair.end_reason = reason[:40]
    pair.next_checkin_at = None
    pair.fit_check_at = None
    pair.health_check_at = pair.dormant_at = pair.close_at = None
    # The final evaluation is due at once; the scheduler sends it.
    pair.next_evaluation_at = now
    release_slot(session, pair.mentor_id)
