"""Program-wide matching rounds: an optimal assignment an admin previews, publishes, and both sides confirm."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.candidates import available_mentors, candidate
from bot.errors import NotYours, RequestClosed
from bot.pairs import PairView, activate, claim_slot, create_pair, histories, release_slot, view_of
from bot.programs import open_program_in
from bot.requests import matching_rules
from bot.round_plan import Wanted, plan_round
from bot.several_mentors import Partner, kinds_question, left_after, live_partners, may_add, mentor_kind, wanted_by
from storage.models import (
    MatchRequest,
    MatchRound,
    Pair,
    PairSource,
    PairStatus,
    Person,
    PersonStatus,
    Program,
    ProgramFormat,
    RequestStatus,
    Role,
    RoundStatus,
)


@dataclass(frozen=True)
class ProposedPair:
    mentee_user_id: str
    mentor_user_id: str
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class RoundPreview:
    round_id: int
    pairs: list[ProposedPair]
    unmatched: list[tuple[str, str]]
    program: str = ""
    # Mentees who got some of the mentors they want but not all: (user, how many they got, why not the rest).
    short: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def average_score(self) -> float:
        return sum(p.score for p in self.pairs) / len(self.pairs) if self.pairs else 0.0


@dataclass(frozen=True)
class PublishedRound:
    round_id: int
    pairs: list[PairView]
    skipped: int
    unmatched: list[tuple[str, str]]
    short: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Waiting:
    """Who a round may find mentors for, with what each still wants, and the mentor each has an open request to
    (in a program with several mentors per mentee, that request keeps its place and its mentor out of the round)."""

    wanted: dict[Person, Wanted]
    asked: dict[int, int]


def waiting_mentees(session: Session, program: Program) -> Waiting:
    """Active people seeking a mentor who want one more (or several: see `bot.several_mentors`). With one mentor
    each, someone with a live pair or an open request is not waiting."""
    query = select(Person).where(
        Person.program_id == program.id,
        Person.role.in_((Role.MENTEE, Role.BOTH)),
        Person.status == PersonStatus.ACTIVE,
    )
    question = kinds_question(program)
    requests = session.execute(
        select(MatchRequest.mentee_id, Person.id, Person.slack_user_id, Person.answers)
        .join(Person, Person.id == MatchRequest.mentor_id)
        .where(MatchRequest.program_id == program.id, MatchRequest.status == RequestStatus.OPEN)
    )
    requested = {
        mentee_id: Partner(mentor_id, user_id, mentor_kind(answers or {}, question))
        for mentee_id, mentor_id, user_id, answers in requests
    }
    asked = {mentee_id: mentor.person_id for mentee_id, mentor in requested.items()}
    if program.mentors_per_mentee <= 1:
        busy = select(Pair.mentee_id).where(Pair.status.in_((PairStatus.PROPOSED, PairStatus.ACTIVE)))
        query = query.where(Person.id.not_in(busy), Person.id.not_in(list(asked)))
    people = list(session.scalars(query.order_by(Person.id)))
    partners = live_partners(session, program, [p.id for p in people])
    for mentee_id, mentor in requested.items():
        if mentee_id in partners:
            partners[mentee_id].append(mentor)
    left = {p: left_after(wanted_by(p, program), partners[p.id]) for p in people}
    return Waiting({p: wanted for p, wanted in left.items() if wanted.count > 0}, asked)


def preview_round(session: Session, team_id: str, program_id: int, admin_user_id: str, now: datetime) -> RoundPreview:
    program = open_program_in(session, team_id, program_id)
    waiting = waiting_mentees(session, program)
    mentees = list(waiting.wanted)
    mentors = available_mentors(session, program.id)
    rules = matching_rules(session, program.id)
    question = kinds_question(program)
    known = histories(session, [p.id for p in mentees], rules.previous_cohort)
    for mentee_id, mentor_id in waiting.asked.items():
        if mentee_id in known:
            known[mentee_id] = replace(known[mentee_id], current=known[mentee_id].current | {mentor_id})
    planned = plan_round(
        [candidate(p) for p in mentees],
        mentors,
        known,
        rules.weights,
        rules.questions,
        wants={p.id: wanted for p, wanted in waiting.wanted.items()},
        kind_question=question.key if question is not None else "",
    )
    draft = MatchRound(
        team_id=team_id,
        program_id=program.id,
        created_by=admin_user_id,
        status=RoundStatus.DRAFT,
        proposals=[
            {
                "mentee_id": a.mentee.person_id,
                "mentor_id": a.match.mentor.person_id,
                "score": a.match.score,
                "reasons": list(a.match.reasons),
            }
            for a in planned.assignments
        ],
        unmatched=[{"mentee_id": m.person_id, "reason": reason} for m, reason in planned.unmatched]
        + [{"mentee_id": m.person_id, "reason": reason, "got": got} for m, got, reason in planned.short],
        created_at=now,
    )
    session.add(draft)
    session.flush()
    return RoundPreview(
        round_id=draft.id,
        pairs=[
            ProposedPair(a.mentee.user_id, a.match.mentor.user_id, a.match.score, list(a.match.reasons))
            for a in planned.assignments
        ],
        unmatched=[(m.user_id, reason) for m, reason in planned.unmatched],
        program=program.name,
        short=[(m.user_id, got, reason) for m, got, reason in planned.short],
    )


def program_of_round(session: Session, team_id: str, round_id: int) -> int:
    """The program a round belongs to (0 for none of this workspace's, which nobody manages)."""
    found = session.get(MatchRound, round_id)
    return found.program_id if found is not None and found.team_id == team_id else 0


def _draft(session: Session, team_id: str, round_id: int) -> MatchRound:
    draft = session.get(MatchRound, round_id)
    if draft is None or draft.team_id != team_id:
        raise NotYours(f"round {round_id}")
    if session.get_one(Program, draft.program_id).format is not ProgramFormat.ONE_TO_ONE:
        raise NotYours(f"round {round_id} forms circles, not pairs")
    if draft.status is not RoundStatus.DRAFT:
        raise RequestClosed(draft.status)
    return draft


def publish_round(session: Session, team_id: str, round_id: int, now: datetime) -> PublishedRound:
    """Create the proposed pairs, each claiming a mentor slot; proposals overtaken since the preview are skipped."""
    draft = _draft(session, team_id, round_id)
    draft.status = RoundStatus.PUBLISHED
    draft.published_at = now
    created: list[PairView] = []
    made: dict[int, int] = {}
    skipped = 0
    for proposal in draft.proposals:
        mentee = session.get(Person, proposal["mentee_id"])
        mentor = session.get(Person, proposal["mentor_id"])
        if (
            mentee is None
            or mentor is None
            or mentee.status is not PersonStatus.ACTIVE
            or not may_add(session, mentee, mentor)
            or not claim_slot(session, mentor.id)
        ):
            skipped += 1
            continue
        pair = create_pair(
            session,
            mentor,
            mentee,
            PairStatus.PROPOSED,
            PairSource.ROUND,
            float(proposal["score"]),
            list(proposal["reasons"]),
            now,
            round_id=draft.id,
        )
        created.append(view_of(session, pair))
        made[mentee.id] = made.get(mentee.id, 0) + 1
    unmatched: list[tuple[str, str]] = []
    short: list[tuple[str, int, str]] = []
    for item in draft.unmatched:
        mentee = session.get(Person, item["mentee_id"])
        if mentee is None:
            continue
        # A mentee the preview gave some mentors ("got") hears how many this publish really made for them.
        got = made.get(mentee.id, 0) if "got" in item else 0
        if got:
            short.append((mentee.slack_user_id, got, str(item["reason"])))
        else:
            unmatched.append((mentee.slack_user_id, str(item["reason"])))
    return PublishedRound(round_id=draft.id, pairs=created, skipped=skipped, unmatched=unmatched, short=short)


def discard_round(session: Session, team_id: str, round_id: int) -> None:
    _draft(session, team_id, round_id).status = RoundStatus.DISCARDED


def _proposed_pair_of(session: Session, team_id: str, user_id: str, pair_id: int) -> tuple[Pair, bool]:
    """The proposal, locked: both people may answer at once, and the second answer must see the first."""
    pair = session.get(Pair, pair_id, with_for_update=True)
    if pair is None or pair.team_id != team_id:
        raise NotYours(f"{user_id} on pair {pair_id}")
    mentor = session.get_one(Person, pair.mentor_id)
    mentee = session.get_one(Person, pair.mentee_id)
    if user_id not in (mentor.slack_user_id, mentee.slack_user_id):
        raise NotYours(f"{user_id} on pair {pair_id}")
    if pair.status is not PairStatus.PROPOSED:
        raise RequestClosed(pair.status)
    return pair, user_id == mentor.slack_user_id


def confirm_pair(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    """Record one side's yes; the pair becomes active when both have said yes."""
    pair, is_mentor = _proposed_pair_of(session, team_id, user_id, pair_id)
    if is_mentor:
        pair.mentor_confirmed = True
    else:
        pair.mentee_confirmed = True
    if pair.mentor_confirmed and pair.mentee_confirmed:
        activate(session, pair, now)
    return view_of(session, pair)


def decline_pair(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    """One side says no: the proposal ends without blame and the mentor's slot is free again."""
    pair, _ = _proposed_pair_of(session, team_id, user_id, pair_id)
    pair.status = PairStatus.DECLINED
    pair.ended_at = now
    release_slot(session, pair.mentor_id)
    return view_of(session, pair)
