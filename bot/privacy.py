"""Deleting a person's data: in every program their pairs end, their answers and free text go, a connected
calendar is forgotten, and aggregates keep only anonymous counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bot.errors import NotJoined
from bot.pairs import LIVE, PairView, end_pair, view_of
from bot.profiles import memberships
from storage.models import (
    CalendarConnection,
    CheckIn,
    DirectoryMember,
    Evaluation,
    FitCheck,
    HelpRequest,
    MatchRequest,
    Pair,
    Person,
    PersonStatus,
    RequestStatus,
    Thanks,
)

ANONYMOUS = "deleted"


def delete_my_data(session: Session, team_id: str, user_id: str, now: datetime) -> list[PairView]:
    """Forget the person in every program, and any calendar they connected. Returns the pairs that ended, so
    their partners can be told."""
    people = memberships(session, team_id, user_id)
    if not people:
        raise NotJoined(user_id)
    session.execute(
        delete(CalendarConnection).where(CalendarConnection.team_id == team_id, CalendarConnection.user_id == user_id)
    )
    session.execute(
        delete(DirectoryMember).where(DirectoryMember.team_id == team_id, DirectoryMember.user_id == user_id)
    )
    ended = []
    for person in people:
        ended += _forget_membership(session, person, now)
    session.execute(
        update(Evaluation)
        .where(Evaluation.team_id == team_id, Evaluation.user_id == user_id)
        .values(user_id=ANONYMOUS, worked="", change="", remind_at=None)
    )
    session.execute(
        update(FitCheck).where(FitCheck.team_id == team_id, FitCheck.user_id == user_id).values(user_id=ANONYMOUS)
    )
    session.execute(delete(Thanks).where(Thanks.team_id == team_id, Thanks.from_user == user_id))
    session.execute(delete(HelpRequest).where(HelpRequest.team_id == team_id, HelpRequest.user_id == user_id))
    for checkin in session.scalars(select(CheckIn).where(CheckIn.team_id == team_id)):
        if user_id in checkin.notes or user_id in checkin.answers:
            checkin.notes = {k: v for k, v in checkin.notes.items() if k != user_id}
            checkin.answers = {(ANONYMOUS if k == user_id else k): v for k, v in checkin.answers.items()}
    return ended


def _forget_membership(session: Session, person: Person, now: datetime) -> list[PairView]:
    ended = []
    for pair in session.scalars(
        select(Pair).where(or_(Pair.mentor_id == person.id, Pair.mentee_id == person.id), Pair.status.in_(LIVE))
    ):
        view = view_of(session, pair)
        end_pair(session, pair, "deleted", now)
        pair.next_evaluation_at = None
        ended.append(view)
    session.execute(
        update(MatchRequest)
        .where(or_(MatchRequest.mentee_id == person.id, MatchRequest.mentor_id == person.id))
        .values(message="", decline_note="")
    )
    session.execute(
        update(MatchRequest)
        .where(MatchRequest.mentee_id == person.id, MatchRequest.status == RequestStatus.OPEN)
        .values(status=RequestStatus.WITHDRAWN, remind_at=None)
    )
    person.slack_user_id = f"{ANONYMOUS}-{person.id}"
    person.display_name = ""
    person.expertise, person.goals, person.languages, person.do_not_match = [], [], [], []
    person.department = ""
    person.answers = {}
    person.mentors_wanted, person.mentor_kinds_wanted = 1, []
    person.capacity = 0
    person.status = PersonStatus.PAUSED
    person.updated_at = now
    return ended
