"""Mentee → mentor requests: finding mentors, sending a request, accepting, declining, reminding, expiring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.candidates import MentorPools, available_mentors, candidate
from bot.errors import (
    AlreadyPaired,
    InvalidRequest,
    KindTaken,
    MentorUnavailable,
    NoCapacity,
    NotAMentee,
    NotJoined,
    NotYours,
    OpenRequestExists,
    Paused,
    RequestAlreadyOpen,
    RequestClosed,
)
from bot.matching import DEFAULT_WEIGHTS, Match, allowed, question_weight, score
from bot.mentor_pool import MentorPool
from bot.pairs import PairView, claim_slot, create_pair, histories, several_programs, view_of
from bot.profiles import find_person
from bot.programs import open_program_in, view_of_program
from bot.questions import Question
from bot.round_plan import Wanted
from bot.several_mentors import fills, kinds_question, left_after, live_partners, may_add, mentor_kind, wanted_by
from bot.workspaces import installed
from storage.models import (
    Cadence,
    MatchRequest,
    PairSource,
    PairStatus,
    Person,
    PersonStatus,
    Program,
    RequestStatus,
)

MIN_REQUEST_WORDS = 3
MAX_REQUEST_LENGTH = 1000
# A `/mentor find` topic; the stored request keeps it, and the results show it.
MAX_TOPIC = 80
# The reminder goes out when two thirds of the answer time have passed; the request expires at the end.
REMINDER_FRACTION = 2 / 3


@dataclass(frozen=True)
class RequestView:
    id: int
    team_id: str
    mentee_user_id: str
    mentor_user_id: str
    mentee_name: str
    mentor_name: str
    message: str
    cadence: Cadence
    topic: str
    score: float
    reasons: list[str]
    status: RequestStatus
    created_at: datetime
    expires_at: datetime
    decline_note: str
    mentor_channel: str | None
    mentor_message_ts: str | None
    program_id: int = 0
    program_label: str = ""


def request_view(session: Session, request: MatchRequest) -> RequestView:
    mentee = session.get_one(Person, request.mentee_id)
    mentor = session.get_one(Person, request.mentor_id)
    return RequestView(
        id=request.id,
        team_id=request.team_id,
        mentee_user_id=mentee.slack_user_id,
        mentor_user_id=mentor.slack_user_id,
        mentee_name=mentee.display_name or mentee.slack_user_id,
        mentor_name=mentor.display_name or mentor.slack_user_id,
        message=request.message,
        cadence=request.cadence,
        topic=request.topic,
        score=request.score,
        reasons=list(request.reasons),
        status=request.status,
        created_at=request.created_at,
        expires_at=request.expires_at,
        decline_note=request.decline_note,
        mentor_channel=request.mentor_channel,
        mentor_message_ts=request.mentor_message_ts,
        program_id=request.program_id,
        program_label=session.get_one(Program, request.program_id).name
        if several_programs(session, request.team_id)
        else "",
    )


_OPEN_REQUEST_OF = select(MatchRequest).where(
    MatchRequest.mentee_id == bindparam("mentee_id"), MatchRequest.status == RequestStatus.OPEN
)


@dataclass(frozen=True)
class _Seeker:
    person: Person
    # Held here so that the session keeps it: later reads of the program in this request need no query.
    program: Program
    left: Wanted


def _seeker(session: Session, team_id: str, user_id: str, program_id: int | None) -> _Seeker:
    """The person looking for a mentor in the program and what they still want, or the reason they can't look
    right now."""
    person = find_person(session, team_id, user_id, program_id)
    if person is None:
        raise NotJoined(user_id)
    if not person.role.seeks_mentor:
        raise NotAMentee(user_id)
    if person.status is not PersonStatus.ACTIVE:
        raise Paused(user_id)
    program = session.get_one(Program, person.program_id)
    partners = live_partners(session, program, [person.id])[person.id]
    left = left_after(wanted_by(person, program), partners)
    if left.count == 0:
        raise AlreadyPaired(tuple(p.user_id for p in partners), program.mentors_per_mentee)
    open_request = session.scalars(_OPEN_REQUEST_OF, {"mentee_id": person.id}).first()
    if open_request is not None:
        mentor = session.get_one(Person, open_request.mentor_id)
        raise OpenRequestExists(open_request.id, mentor.slack_user_id, open_request.expires_at)
    return _Seeker(person, program, left)


@dataclass(frozen=True)
class MatchingRules:
    """How a program matches: its weights (defaults for any factor its admins did not set) and its questions."""

    weights: dict[str, float]
    questions: tuple[Question, ...]
    # The cohort this program was cloned from: pairs made there are not made again.
    previous_cohort: int | None = None


def matching_rules(session: Session, program_id: int) -> MatchingRules:
    program = session.get_one(Program, program_id)
    questions = tuple(q for q in view_of_program(program).questions if q.counts)
    defaults = {**DEFAULT_WEIGHTS, "questions": question_weight(questions)}
    configured = program.match_weights or {}
    weights = {f: float(configured.get(f, d)) for f, d in defaults.items()}
    return MatchingRules(weights, questions, program.previous_id)


@dataclass(frozen=True)
class Found:
    matches: list[Match]
    # The kinds of mentor the mentee still wants (empty: any); the matches are all of these kinds.
    kinds: tuple[str, ...] = ()


def find_mentors(
    session: Session,
    team_id: str,
    user_id: str,
    topic: str | None,
    pools: MentorPools | None = None,
    limit: int = 3,
    program_id: int | None = None,
) -> Found:
    """The best mentors with free capacity for this mentee in their program, narrowed to `topic` when given, and
    to the kinds of mentor they still want."""
    seeker = _seeker(session, team_id, user_id, program_id)
    mentee, left = seeker.person, seeker.left
    rules = matching_rules(session, mentee.program_id)
    history = histories(session, [mentee.id], rules.previous_cohort)[mentee.id]
    pool = (
        pools.pool(session, mentee.program_id, rules.questions)
        if pools
        else MentorPool(available_mentors(session, mentee.program_id), rules.questions)
    )
    question = kinds_question(seeker.program)
    kinds = (question.key, frozenset(left.kinds)) if question is not None and left.kinds else None
    return Found(pool.rank(candidate(mentee), history, rules.weights, topic or None, limit, kinds), left.kinds)


def parse_weights(args: list[str]) -> tuple[dict[str, float], str]:
    """`factor=value` words as weights, or an explanation of what is wrong with them."""
    changes: dict[str, float] = {}
    for word in args:
        name, _, raw = word.partition("=")
        if name not in DEFAULT_WEIGHTS:
            return {}, f"I don't know the factor “{name}”. The factors are: {', '.join(DEFAULT_WEIGHTS)}."
        try:
            value = float(raw)
        except ValueError:
            return {}, f"“{word}” needs a number, e.g. {name}=0.3."
        if not 0 <= value <= 100:
            return {}, f"Weights go from 0 to 100; “{word}” is outside that."
        changes[name] = value
    return changes, ""


def validate_request_message(message: str) -> str | None:
    """An explanation when the request text is too thin or too long for a mentor to decide on."""
    words = message.split()
    if len(words) < MIN_REQUEST_WORDS:
        return (
            "Tell your mentor a little more: what would you like to learn, and why them? A sentence or two is plenty."
        )
    if len(message) > MAX_REQUEST_LENGTH:
        return f"Keep it under {MAX_REQUEST_LENGTH} characters; you can say more when you meet."
    return None


def create_request(
    session: Session,
    team_id: str,
    mentee_user_id: str,
    mentor_person_id: int,
    message: str,
    cadence: Cadence,
    topic: str,
    now: datetime,
) -> RequestView:
    """Store a request to one mentor, re-checking every rule at the moment it is sent (`RequestAlreadyOpen` when
    another request of the mentee's was stored in the meantime)."""
    problem = validate_request_message(message)
    if problem:
        raise InvalidRequest({"message": problem})
    mentor = session.get(Person, mentor_person_id)
    if mentor is None or mentor.team_id != team_id:
        raise MentorUnavailable(str(mentor_person_id))
    seeker = _seeker(session, team_id, mentee_user_id, mentor.program_id)
    mentee = seeker.person
    _check_kind(session, mentor, seeker.left)
    rules = matching_rules(session, mentor.program_id)
    history = histories(session, [mentee.id], rules.previous_cohort)[mentee.id]
    mentor_candidate, mentee_candidate = candidate(mentor), candidate(mentee)
    if not mentor.role.mentors or mentor.status is not PersonStatus.ACTIVE:
        raise MentorUnavailable(mentor.slack_user_id)
    if mentor_candidate.free_slots == 0:
        raise NoCapacity(mentor.slack_user_id)
    if not allowed(mentee_candidate, mentor_candidate, history, rules.questions):
        raise MentorUnavailable(mentor.slack_user_id)
    match = score(mentee_candidate, mentor_candidate, rules.weights, topic or None, rules.questions)
    program = open_program_in(session, team_id, mentor.program_id)
    answer_time = timedelta(hours=program.request_expiry_hours)
    request = MatchRequest(
        team_id=team_id,
        program_id=program.id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        message=message.strip(),
        cadence=cadence,
        topic=topic[:MAX_TOPIC],
        score=match.score,
        reasons=list(match.reasons),
        status=RequestStatus.OPEN,
        decline_note="",
        created_at=now,
        remind_at=now + answer_time * REMINDER_FRACTION,
        expires_at=now + answer_time,
    )
    _insert_open(session, request)
    return request_view(session, request)


def _check_kind(session: Session, mentor: Person, left: Wanted) -> None:
    """`KindTaken` when the mentor's kind is not one the mentee still wants."""
    kind = mentor_kind(mentor.answers or {}, kinds_question(session.get_one(Program, mentor.program_id)))
    if not fills(left, kind):
        raise KindTaken(kind, left.kinds)


def _insert_open(session: Session, request: MatchRequest) -> None:
    """Insert an open request; a mentee has one at a time (a unique index), so a second submission that passed
    the checks at the same moment fails here, and only this savepoint is rolled back."""
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError as race:
        raise RequestAlreadyOpen(str(request.mentee_id)) from race


def remember_mentor_message(session: Session, request_id: int, channel: str, ts: str) -> None:
    session.execute(
        update(MatchRequest).where(MatchRequest.id == request_id).values(mentor_channel=channel, mentor_message_ts=ts)
    )


def _mentors_open_request(session: Session, team_id: str, mentor_user_id: str, request_id: int) -> MatchRequest:
    request = session.get(MatchRequest, request_id)
    mentor = None if request is None else session.get(Person, request.mentor_id)
    if request is None or mentor is None or mentor.slack_user_id != mentor_user_id or request.team_id != team_id:
        raise NotYours(f"{mentor_user_id} acted on request {request_id}")
    if request.status is not RequestStatus.OPEN:
        raise RequestClosed(request.status)
    return request


def open_request_for_mentor(session: Session, team_id: str, mentor_user_id: str, request_id: int) -> RequestView:
    """An open request addressed to this mentor, or NotYours / RequestClosed."""
    return request_view(session, _mentors_open_request(session, team_id, mentor_user_id, request_id))


def mentor_for_request(session: Session, team_id: str, mentor_person_id: int) -> Person | None:
    """The mentor a Request button points at, if it belongs to this workspace."""
    mentor = session.get(Person, mentor_person_id)
    return mentor if mentor is not None and mentor.team_id == team_id else None


def accept(
    session: Session, team_id: str, mentor_user_id: str, request_id: int, now: datetime
) -> tuple[RequestView, PairView]:
    """Accept a request: claim a slot and create the pair in this one transaction."""
    request = _mentors_open_request(session, team_id, mentor_user_id, request_id)
    mentee = session.get_one(Person, request.mentee_id)
    mentor = session.get_one(Person, request.mentor_id)
    if not may_add(session, mentee, mentor):
        raise RequestClosed("paired")
    if not claim_slot(session, request.mentor_id):
        raise NoCapacity(mentor_user_id)
    session.refresh(mentor)
    pair = create_pair(
        session, mentor, mentee, PairStatus.ACTIVE, PairSource.REQUEST, request.score, list(request.reasons), now
    )
    request.status = RequestStatus.ACCEPTED
    request.responded_at = now
    request.remind_at = None
    request.pair_id = pair.id
    return request_view(session, request), view_of(session, pair)


def close_filled(session: Session, team_id: str, mentor_user_id: str, request_id: int, now: datetime) -> None:
    """Close a request whose mentee no longer has a place for this mentor (they found the mentors they asked for,
    or asked for fewer): no reminder or expiry follows, and it doesn't count against the mentor. One answered in
    the meantime stays as it is."""
    request = session.get(MatchRequest, request_id)
    if request is None or request.status is not RequestStatus.OPEN:
        return
    _mentors_open_request(session, team_id, mentor_user_id, request_id)
    request.status = RequestStatus.WITHDRAWN
    request.responded_at = now
    request.remind_at = None


def decline(
    session: Session, team_id: str, mentor_user_id: str, request_id: int, note: str, now: datetime
) -> RequestView:
    request = _mentors_open_request(session, team_id, mentor_user_id, request_id)
    request.status = RequestStatus.DECLINED
    request.responded_at = now
    request.remind_at = None
    request.decline_note = note.strip()[:500]
    return request_view(session, request)


def withdraw(session: Session, team_id: str, mentee_user_id: str, request_id: int, now: datetime) -> RequestView:
    request = session.get(MatchRequest, request_id)
    mentee = None if request is None else session.get(Person, request.mentee_id)
    if request is None or mentee is None or mentee.slack_user_id != mentee_user_id or mentee.team_id != team_id:
        raise NotYours(f"{mentee_user_id} withdrew request {request_id}")
    if request.status is not RequestStatus.OPEN:
        raise RequestClosed(request.status)
    request.status = RequestStatus.WITHDRAWN
    request.responded_at = now
    request.remind_at = None
    return request_view(session, request)


def _claim_one_open(
    session: Session, due_at: InstrumentedAttribute[Any], now: datetime, **changes: object
) -> RequestView | None:
    """Take one open request whose `due_at` has passed, applying `changes` with a conditional UPDATE so that
    only one process gets it."""
    due = session.scalars(
        select(MatchRequest.id)
        .where(MatchRequest.status == RequestStatus.OPEN, due_at <= now, installed(MatchRequest.team_id))
        .order_by(due_at)
        .limit(1)
    ).first()
    if due is None:
        return None
    claimed = session.execute(
        update(MatchRequest)
        .where(MatchRequest.id == due, MatchRequest.status == RequestStatus.OPEN, due_at <= now)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    request = session.get_one(MatchRequest, due)
    session.refresh(request)
    return request_view(session, request)


def claim_due_reminder(session: Session, now: datetime) -> RequestView | None:
    """One request whose single reminder is due."""
    return _claim_one_open(session, MatchRequest.remind_at, now, remind_at=None)


def claim_due_expiry(session: Session, now: datetime) -> RequestView | None:
    """One open request whose answer time is over, now marked expired."""
    return _claim_one_open(session, MatchRequest.expires_at, now, status=RequestStatus.EXPIRED, remind_at=None)


def expired_count(session: Session, team_id: str, mentor_user_id: str) -> int:
    """How many requests to this mentor expired unanswered: what an admin alert counts."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(MatchRequest)
            .join(Person, Person.id == MatchRequest.mentor_id)
            .where(
                Person.team_id == team_id,
                Person.slack_user_id == mentor_user_id,
                MatchRequest.status == RequestStatus.EXPIRED,
            )
        )
        or 0
    )
