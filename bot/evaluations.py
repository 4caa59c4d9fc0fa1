"""Private evaluations at day 30, 60, 90 (per program) and at the end; shared with the partner only by choice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.activity import lock_due
from bot.errors import EvaluationClosed, InvalidEvaluation, NotYours
from bot.pairs import PairView, view_of
from storage.dialects import InsertOrIgnore
from storage.models import Evaluation, Pair, PairStatus, Program

RATINGS = {
    "career": "Helped me move forward in my career (advice, opportunities, visibility)",
    "support": "I felt supported as a person (trust, encouragement, listening)",
    "role_model": "Showed me ways of working I'd like to adopt",
    "progress": "We're making progress toward our goals",
    "overall": "Overall, this mentoring is worth our time",
}
LOW_RATING = 2
REMIND_AFTER = timedelta(days=3)
# One evaluation per person, pair and milestone, however often the same due work is found.
_NEW_ASK = InsertOrIgnore(Evaluation, ["pair_id", "user_id", "milestone"])


@dataclass(frozen=True)
class EvaluationAsk:
    id: int
    team_id: str
    user_id: str
    partner_id: str
    milestone: str
    pair: PairView


@dataclass(frozen=True)
class EvaluationAnswers:
    ratings: dict[str, int | None]
    nps: int | None
    worked: str
    change: str
    share: bool


def validate(answers: EvaluationAnswers) -> dict[str, str]:
    errors = {
        key: "Pick a number from 1 (not at all) to 5 (very much)."
        for key in RATINGS
        if answers.ratings.get(key) not in {1, 2, 3, 4, 5}
    }
    if answers.nps is None or not 0 <= answers.nps <= 10:
        errors["nps"] = "Pick a number from 0 to 10."
    for key, text in (("worked", answers.worked), ("change", answers.change)):
        if len(text) > 1000:
            errors[key] = "Keep it under 1,000 characters."
    return errors


def _ask(session: Session, evaluation: Evaluation) -> EvaluationAsk:
    pair = view_of(session, session.get_one(Pair, evaluation.pair_id))
    partner = pair.mentor_user_id if evaluation.user_id == pair.mentee_user_id else pair.mentee_user_id
    return EvaluationAsk(evaluation.id, evaluation.team_id, evaluation.user_id, partner, evaluation.milestone, pair)


def due_evaluations(session: Session, now: datetime, limit: int) -> list[int]:
    return lock_due(
        session,
        select(Pair.id)
        .where(Pair.status.in_((PairStatus.ACTIVE, PairStatus.ENDED)), Pair.next_evaluation_at <= now)
        .order_by(Pair.next_evaluation_at)
        .limit(limit),
        Pair.team_id,
    )


def request_evaluations(session: Session, pair_id: int, now: datetime) -> list[EvaluationAsk]:
    """Create this milestone's evaluation for both people and schedule the next milestone."""
    pair = session.get_one(Pair, pair_id)
    days = [int(d) for d in session.get_one(Program, pair.program_id).evaluation_days]
    if pair.status is PairStatus.ENDED:
        milestone = "final"
        pair.next_evaluation_at = None
    else:
        index = min(pair.evaluations_sent, len(days) - 1)
        milestone = f"day{days[index]}"
        pair.evaluations_sent += 1
        upcoming = days[pair.evaluations_sent] if pair.evaluations_sent < len(days) else None
        started = pair.started_at or now
        pair.next_evaluation_at = started + timedelta(days=upcoming) if upcoming is not None else None
    view = view_of(session, pair)
    asks = []
    for user_id in (view.mentee_user_id, view.mentor_user_id):
        created = session.execute(
            _NEW_ASK.on(session)
            .values(
                team_id=pair.team_id,
                pair_id=pair.id,
                user_id=user_id,
                milestone=milestone,
                requested_at=now,
                remind_at=now + REMIND_AFTER,
                ratings={},
                worked="",
                change="",
                shared=False,
            )
            .returning(Evaluation.id)
        ).scalar_one_or_none()
        if created is not None:
            asks.append(_ask(session, session.get_one(Evaluation, created)))
    return asks


def due_reminders(session: Session, now: datetime, limit: int) -> list[EvaluationAsk]:
    """Unanswered evaluations whose one reminder is due; the reminder is claimed with them."""
    ids = lock_due(
        session,
        select(Evaluation.id)
        .where(Evaluation.remind_at <= now, Evaluation.answered_at.is_(None))
        .order_by(Evaluation.remind_at)
        .limit(limit),
        Evaluation.team_id,
    )
    asks = []
    for evaluation_id in ids:
        evaluation = session.get_one(Evaluation, evaluation_id)
        evaluation.remind_at = None
        asks.append(_ask(session, evaluation))
    return asks


def open_evaluation(session: Session, team_id: str, user_id: str, evaluation_id: int) -> EvaluationAsk:
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.team_id != team_id or evaluation.user_id != user_id:
        raise NotYours(f"{user_id} on evaluation {evaluation_id}")
    if evaluation.answered_at is not None:
        raise EvaluationClosed("answered")
    return _ask(session, evaluation)


def submit(
    session: Session, team_id: str, user_id: str, evaluation_id: int, answers: EvaluationAnswers, now: datetime
) -> EvaluationAsk:
    """Store one person's answers; a rating of 2 or less puts the pair on the health check at once."""
    ask = open_evaluation(session, team_id, user_id, evaluation_id)
    problems = validate(answers)
    if problems:
        raise InvalidEvaluation(problems)
    evaluation = session.get_one(Evaluation, evaluation_id)
    evaluation.ratings = {k: int(v) for k, v in answers.ratings.items() if v is not None}
    evaluation.nps = answers.nps
    evaluation.worked = answers.worked.strip()
    evaluation.change = answers.change.strip()
    evaluation.shared = answers.share
    evaluation.answered_at = now
    evaluation.remind_at = None
    if any(int(v) <= LOW_RATING for v in evaluation.ratings.values()):
        pair = session.get_one(Pair, evaluation.pair_id)
        pair.low_rating = True
        if pair.status is PairStatus.ACTIVE:
            pair.health_check_at = now
    return ask
