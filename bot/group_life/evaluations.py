"""Each member's private evaluations of their group, at the program's days and at the end."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.activity import lock_due
from bot.errors import (
    EvaluationClosed,
    InvalidEvaluation,
    NotYours,
)
from bot.group_life.model import COMMENT_LIMIT, GroupView, former_member, view_of_group
from storage.dialects import InsertOrIgnore
from storage.models import (
    Circle,
    CircleEvaluation,
    CircleStatus,
    Program,
)

# One evaluation per member and milestone, however often (or however simultaneously) it is sent.
_EVALUATE = InsertOrIgnore(CircleEvaluation, ["circle_id", "person_id", "milestone"], returning=CircleEvaluation.id)


def evaluate_group(
    session: Session,
    team_id: str,
    user_id: str,
    circle_id: int,
    milestone: str,
    answers: tuple[int, int, str, bool],
    now: datetime,
) -> GroupView:
    """A member's private evaluation of their group at one milestone ("day30"…, "final"), once; shared with the
    program admins only by choice. `answers` are the rating and progress (1–5), a comment and whether to share."""
    rating, progress, comment, shared = answers
    circle, person = former_member(session, team_id, user_id, circle_id)
    if milestone not in milestones_of(session, circle):
        raise NotYours(f"circle {circle_id} milestone {milestone}")
    if not (1 <= rating <= 5 and 1 <= progress <= 5):
        raise InvalidEvaluation({"rating": "Pick a number from 1 to 5."})
    if len(comment) > COMMENT_LIMIT:
        raise InvalidEvaluation({"comment": f"Keep it to {COMMENT_LIMIT} characters, please."})
    done = session.scalar(
        select(CircleEvaluation.id).where(
            CircleEvaluation.circle_id == circle_id,
            CircleEvaluation.person_id == person.id,
            CircleEvaluation.milestone == milestone,
        )
    )
    if done is not None:
        raise EvaluationClosed("answered")
    stored = session.execute(
        _EVALUATE.on(session).values(
            circle_id=circle_id,
            person_id=person.id,
            milestone=milestone,
            rating=rating,
            progress=progress,
            comment=comment.strip(),
            shared=shared,
            created_at=now,
        )
    )
    if stored.scalar() is None:  # RETURNING, not rowcount: after DO NOTHING only a returned row says it went in
        raise EvaluationClosed("answered")
    return view_of_group(session, circle)


def milestones_of(session: Session, circle: Circle) -> list[str]:
    """The evaluations a group's members may give: each evaluation day it has reached, and the final one."""
    days = sorted(int(d) for d in session.get_one(Program, circle.program_id).evaluation_days)
    return [f"day{d}" for d in days[: circle.evaluations_sent]] + ["final"]


def due_group_evaluations(session: Session, now: datetime, limit: int) -> list[tuple[GroupView, str]]:
    """Active groups at one of their program's evaluation days: each member is asked, the next day scheduled."""
    query = (
        select(Circle.id)
        .where(Circle.status == CircleStatus.ACTIVE, Circle.next_evaluation_at <= now)
        .order_by(Circle.next_evaluation_at)
        .limit(limit)
    )
    due = []
    for circle_id in lock_due(session, query, Circle.team_id):
        circle = session.get_one(Circle, circle_id)
        days = sorted(int(d) for d in session.get_one(Program, circle.program_id).evaluation_days)
        if circle.evaluations_sent >= len(days):
            circle.next_evaluation_at = None
            continue
        milestone = f"day{days[circle.evaluations_sent]}"
        circle.evaluations_sent += 1
        started = circle.started_at or now
        upcoming = days[circle.evaluations_sent] if circle.evaluations_sent < len(days) else None
        circle.next_evaluation_at = started + timedelta(days=upcoming) if upcoming is not None else None
        due.append((view_of_group(session, circle), milestone))
    return due
