"""Everything one person has going on, for App Home and `/mentor status`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.agreements import AgreementView, agreement_view, current_agreement
from bot.goals import GoalView, goals_of_pair
from bot.pairs import PairView, view_of
from bot.profiles import Profile, find_person, get_profile
from bot.requests import RequestView, request_view
from storage.models import AgreementStatus, MatchRequest, Pair, PairStatus, RequestStatus


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
class Dashboard:
    profile: Profile | None
    pairs: list[PairSummary]
    requests_to_me: list[RequestView]
    requests_from_me: list[RequestView]


def dashboard(session: Session, team_id: str, user_id: str) -> Dashboard:
    profile = get_profile(session, team_id, user_id)
    person = find_person(session, team_id, user_id)
    if profile is None or person is None:
        return Dashboard(None, [], [], [])
    pairs = session.scalars(
        select(Pair)
        .where(or_(Pair.mentor_id == person.id, Pair.mentee_id == person.id), Pair.status == PairStatus.ACTIVE)
        .order_by(Pair.id)
    )
    summaries = []
    for pair in pairs:
        active = current_agreement(session, pair.id, AgreementStatus.ACTIVE)
        proposed = current_agreement(session, pair.id, AgreementStatus.PROPOSED)
        summaries.append(
            PairSummary(
                pair=view_of(session, pair),
                is_mentor=pair.mentor_id == person.id,
                agreement=agreement_view(session, active) if active else None,
                proposal=agreement_view(session, proposed) if proposed else None,
                goals=goals_of_pair(session, pair.id),
            )
        )
    open_requests = session.scalars(
        select(MatchRequest)
        .where(
            or_(MatchRequest.mentor_id == person.id, MatchRequest.mentee_id == person.id),
            MatchRequest.status == RequestStatus.OPEN,
        )
        .order_by(MatchRequest.id)
    )
    to_me: list[RequestView] = []
    from_me: list[RequestView] = []
    for request in open_requests:
        (to_me if request.mentor_id == person.id else from_me).append(request_view(session, request))
    return Dashboard(profile, summaries, to_me, from_me)
