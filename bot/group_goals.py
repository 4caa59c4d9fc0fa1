"""Goals in a group: the group's own and each member's, SMART like a pair's, followed together in the group DM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import GoalClosed, InvalidGoal, NotYours
from bot.goals import DEFAULT_HORIZON, GoalInput, validate_goal
from bot.group_life import GroupView, membership, view_of_group
from storage.models import Circle, CircleGoal, CircleMember, CircleStatus, Person


@dataclass(frozen=True)
class GroupGoal:
    id: int
    group: GroupView
    owner: str | None  # the member whose goal it is; None for the group's own
    title: str
    outcome: str
    due_on: date
    first_action: str
    done: bool


def _view(session: Session, goal: CircleGoal) -> GroupGoal:
    owner = session.get_one(Person, goal.person_id).slack_user_id if goal.person_id is not None else None
    return GroupGoal(
        id=goal.id,
        group=view_of_group(session, session.get_one(Circle, goal.circle_id)),
        owner=owner,
        title=goal.title,
        outcome=goal.outcome,
        due_on=goal.due_on,
        first_action=goal.first_action,
        done=goal.completed_at is not None,
    )


def last_day(circle: Circle, now: datetime) -> date:
    """Goals are due before the group ends (within a year when it has no end)."""
    return (circle.ends_at or now + DEFAULT_HORIZON).date()


def add_group_goal(
    session: Session, team_id: str, user_id: str, circle_id: int, form: GoalInput, mine: bool, now: datetime
) -> GroupGoal:
    """A member sets a goal for the group, or for themselves (the group sees both); `InvalidGoal` says why not."""
    circle, member = membership(session, team_id, user_id, circle_id)
    if circle.status is not CircleStatus.ACTIVE:
        raise GoalClosed(str(circle.status))
    problems = {k: v for k, v in validate_goal(form, now.date(), last_day(circle, now)).items() if k != "milestones"}
    if problems or form.due_on is None:
        raise InvalidGoal(problems)
    goal = CircleGoal(
        circle_id=circle.id,
        person_id=member.person_id if mine else None,
        title=form.title.strip(),
        outcome=form.outcome.strip(),
        due_on=form.due_on,
        first_action=form.first_action.strip(),
        created_by=member.person_id,
        created_at=now,
    )
    session.add(goal)
    session.flush()
    return _view(session, goal)


def complete_group_goal(session: Session, team_id: str, user_id: str, goal_id: int, now: datetime) -> GroupGoal:
    """A group goal is marked done by any member; a member's own goal only by them."""
    goal = session.get(CircleGoal, goal_id)
    if goal is None:
        raise NotYours(f"group goal {goal_id}")
    _, member = membership(session, team_id, user_id, goal.circle_id)
    if goal.person_id is not None and goal.person_id != member.person_id:
        raise NotYours(f"group goal {goal_id}")
    if goal.completed_at is not None:
        raise GoalClosed("done")
    goal.completed_at = now
    return _view(session, goal)


def goals_of_group(session: Session, circle_id: int) -> list[GroupGoal]:
    """The group's open goals, its own first, then its current members' by due date (a member who left takes
    theirs with them)."""
    members = select(CircleMember.person_id).where(CircleMember.circle_id == circle_id, CircleMember.left_at.is_(None))
    goals = session.scalars(
        select(CircleGoal)
        .where(
            CircleGoal.circle_id == circle_id,
            CircleGoal.completed_at.is_(None),
            CircleGoal.person_id.is_(None) | CircleGoal.person_id.in_(members),
        )
        .order_by(CircleGoal.person_id.is_not(None), CircleGoal.due_on, CircleGoal.id)
    )
    return [_view(session, g) for g in goals]
