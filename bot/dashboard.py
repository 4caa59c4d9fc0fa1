"""Everything one person has going on, for App Home and `/mentor status`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.agreements import AgreementView, agreement_view, current_agreement
from bot.goals import GoalView, goals_of_pair
from bot.group_life import GroupView, groups_of
from bot.pairs import PairView, view_of
from bot.profiles import Profile, get_profile, memberships
from bot.programs import ProgramView, programs_of, view_of_program
from bot.requests import RequestView, request_view
from bot.several_mentors import wanted_by
from storage.models import AgreementStatus, MatchRequest, Pair, PairStatus, PersonStatus, RequestStatus, Role


@dataclass(frozen=True)
class PairSummary:
    pair: PairView
    is_mentor: bool
    agreement: AgreementView | None
    proposal: AgreementView | None
    goals: list[GoalView]

    @property
    def partner(self) -> str:
        return self.pair.mentee_user_id if self.is_mentor else self.pair.mentor_user_id


@dataclass(frozen=True)
class Membership:
    """One program a person is in, as their own App Home lists it."""

    program: ProgramView
    role: Role
    status: PersonStatus


@dataclass(frozen=True)
class Dashboard:
    profile: Profile | None
    pairs: list[PairSummary]
    requests_to_me: list[RequestView]
    requests_from_me: list[RequestView]
    memberships: list[Membership] = field(default_factory=list)
    # Programs open for sign-up that the person has not joined (several programs only: with one, Join says it).
    joinable: list[ProgramView] = field(default_factory=list)
    groups: list[GroupView] = field(default_factory=list)
    # Programs where they have some of the mentors they asked for, not all: (program, how many, how many wanted).
    more_mentors: list[tuple[ProgramView, int, int]] = field(default_factory=list)


def dashboard(session: Session, team_id: str, user_id: str, now: datetime | None = None) -> Dashboard:
    people = memberships(session, team_id, user_id)
    rows = {p.id: p for p in programs_of(session, team_id, include_closed=True)}
    programs = {i: view_of_program(p) for i, p in rows.items()}
    joined = {person.program_id for person in people}
    joinable = [
        p for p in programs.values() if p.id not in joined and (now is None or p.signup_open(now)) and not p.closed
    ]
    profile = get_profile(session, team_id, user_id)
    if profile is None or not people:
        return Dashboard(None, [], [], [], [], joinable if len(programs) > 1 else [])
    mine = [person.id for person in people]
    member_of = [Membership(programs[p.program_id], p.role, p.status) for p in people if p.program_id in programs]
    pairs = session.scalars(
        select(Pair)
        .where(or_(Pair.mentor_id.in_(mine), Pair.mentee_id.in_(mine)), Pair.status == PairStatus.ACTIVE)
        .order_by(Pair.id)
    )
    summaries = []
    for pair in pairs:
        active = current_agreement(session, pair.id, AgreementStatus.ACTIVE)
        proposed = current_agreement(session, pair.id, AgreementStatus.PROPOSED)
        summaries.append(
            PairSummary(
                pair=view_of(session, pair),
                is_mentor=pair.mentor_id in mine,
                agreement=agreement_view(session, active) if active else None,
                proposal=agreement_view(session, proposed) if proposed else None,
                goals=goals_of_pair(session, pair.id),
            )
        )
    open_requests = session.scalars(
        select(MatchRequest)
        .where(
            or_(MatchRequest.mentor_id.in_(mine), MatchRequest.mentee_id.in_(mine)),
            MatchRequest.status == RequestStatus.OPEN,
        )
        .order_by(MatchRequest.id)
    )
    to_me: list[RequestView] = []
    from_me: list[RequestView] = []
    for request in open_requests:
        (to_me if request.mentor_id in mine else from_me).append(request_view(session, request))
    groups = groups_of(session, team_id, user_id)
    asking = {r.program_id for r in from_me}
    more = []
    for person in people:
        program = rows.get(person.program_id)
        if program is None or program.mentors_per_mentee <= 1 or program.id in asking or not person.role.seeks_mentor:
            continue
        have = sum(1 for s in summaries if s.pair.program_id == program.id and not s.is_mentor)
        wanted = wanted_by(person, program).count
        if 0 < have < wanted:
            more.append((programs[program.id], have, wanted))
    return Dashboard(profile, summaries, to_me, from_me, member_of, joinable, groups, more)
