"""A program's groups for its report: counts, and averages only over enough people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.group_life.model import GroupView, view_of_group
from storage.models import (
    Circle,
    CircleAttendance,
    CircleCheckIn,
    CircleEvaluation,
    CircleMember,
    CircleStatus,
)


@dataclass(frozen=True)
class GroupFigures:
    """A program's groups for its report: plain counts, and averages only over enough people (else None)."""

    active: int
    ended: int
    members: int
    at_risk: tuple[GroupView, ...]
    attendance: float | None  # share of answers "I was there"
    rating: float | None  # average final rating, 1–5


def group_figures(session: Session, program_id: int, threshold: int) -> GroupFigures | None:
    """None when the program has formed no group yet."""
    circles = list(
        session.scalars(select(Circle).where(Circle.program_id == program_id, Circle.status != CircleStatus.DRAFT))
    )
    if not circles:
        return None
    active = [c for c in circles if c.status is CircleStatus.ACTIVE]
    members = session.scalar(
        select(func.count())
        .select_from(CircleMember)
        .where(CircleMember.circle_id.in_([c.id for c in active]), CircleMember.left_at.is_(None))
    )
    ids = [c.id for c in circles]
    answers = session.execute(
        select(CircleAttendance.person_id, CircleAttendance.attended)
        .join(CircleCheckIn, CircleCheckIn.id == CircleAttendance.checkin_id)
        .where(CircleCheckIn.circle_id.in_(ids))
    ).all()
    finals = session.execute(
        select(CircleEvaluation.person_id, CircleEvaluation.rating).where(
            CircleEvaluation.circle_id.in_(ids), CircleEvaluation.milestone == "final"
        )
    ).all()
    ratings = [rating for _, rating in finals]
    answering = len({person for person, _ in answers})
    return GroupFigures(
        active=len(active),
        ended=len(circles) - len(active),
        members=int(members or 0),
        at_risk=tuple(view_of_group(session, c) for c in active if c.at_risk_since is not None),
        attendance=round(sum(a for _, a in answers) / len(answers), 3) if answering >= threshold else None,
        rating=round(sum(ratings) / len(ratings), 2) if len({p for p, _ in finals}) >= threshold else None,
    )
