"""SMART goals of a pair: creation with inline validation, progress, milestones, comments and a kept history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.activity import touch
from bot.errors import GoalClosed, InvalidGoal, NotYours, PairClosed
from bot.pairs import PairView, pair_for_member, view_of
from bot.text import squash
from storage.models import Goal, GoalEvent, GoalStatus, Milestone, Pair, PairStatus

MAX_MILESTONES = 10
MAX_MILESTONE_LENGTH = 150
DEFAULT_HORIZON = timedelta(days=365)
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*[:\-–]?\s*(.+)$")


@dataclass(frozen=True)
class GoalInput:
    title: str
    outcome: str
    due_on: date | None
    milestones: str
    first_action: str


@dataclass(frozen=True)
class MilestoneView:
    id: int
    title: str
    due_on: date | None
    done: bool


@dataclass(frozen=True)
class GoalView:
    id: int
    pair: PairView
    title: str
    outcome: str
    due_on: date
    first_action: str
    progress: int
    status: GoalStatus
    milestones: list[MilestoneView]
    comments: list[tuple[str, str]]
    channel_id: str | None
    message_ts: str | None


def parse_milestones(raw: str) -> tuple[list[tuple[str, date | None]], str]:
    """One milestone a line, optionally starting with a date (2026-12-15: draft the outline)."""
    result: list[tuple[str, date | None]] = []
    for line in raw.splitlines():
        line = squash(line.lstrip("•-* "))
        if not line:
            continue
        dated = _DATED.match(line)
        if dated:
            try:
                when: date | None = date.fromisoformat(dated.group(1))
            except ValueError:
                return [], f"“{dated.group(1)}” isn't a date; write it as YYYY-MM-DD."
            title: str = dated.group(2)
        else:
            title, when = line, None
        if len(title) > MAX_MILESTONE_LENGTH:
            return [], f"“{title[:30]}…” is long for a milestone: keep each under {MAX_MILESTONE_LENGTH} characters."
        result.append((title, when))
    return result, ""


def validate_goal(goal: GoalInput, today: date, last_day: date) -> dict[str, str]:
    """Field → a specific explanation; empty when the goal is specific, measurable and time-bound."""
    errors: dict[str, str] = {}
    if len(goal.title.split()) < 2:
        errors["title"] = "Make the goal specific: a few words on what you'll achieve, e.g. “Give a talk at a meetup”."
    elif len(goal.title) > 150:
        errors["title"] = "Keep the title under 150 characters; the outcome field holds the detail."
    if len(goal.outcome.split()) < 3:
        errors["outcome"] = "A measurable outcome helps you both see progress: how will you know it is done?"
    if goal.due_on is None:
        errors["due_on"] = "Pick a due date: a goal with a date is far more likely to happen."
    elif goal.due_on <= today:
        errors["due_on"] = "Pick a date in the future."
    elif goal.due_on > last_day:
        errors["due_on"] = f"Pick a date before your mentoring ends on {last_day:%d %b %Y}, or agree on a longer pair."
    milestones, problem = parse_milestones(goal.milestones)
    if problem:
        errors["milestones"] = problem
    elif len(milestones) > MAX_MILESTONES:
        errors["milestones"] = f"Up to {MAX_MILESTONES} milestones keeps it manageable; merge a few."
    elif goal.due_on is not None:
        late = [title for title, when in milestones if when is not None and not today < when <= goal.due_on]
        if late:
            errors["milestones"] = f"“{late[0][:40]}” should be dated between tomorrow and the goal's due date."
    if len(goal.first_action.split()) < 2:
        errors["first_action"] = "What is the very first small step, e.g. “list three talk ideas by Friday”?"
    return errors


def last_day_of(pair: Pair, now: datetime) -> date:
    return (pair.ends_at or now + DEFAULT_HORIZON).date()


def _event(session: Session, goal: Goal, actor: str, kind: str, detail: str, now: datetime) -> None:
    session.add(GoalEvent(goal_id=goal.id, actor=actor, kind=kind, detail=detail[:1000], created_at=now))
    touch(session.get_one(Pair, goal.pair_id), now)


def _view(session: Session, goal: Goal) -> GoalView:
    milestones = session.scalars(select(Milestone).where(Milestone.goal_id == goal.id).order_by(Milestone.position))
    comments = session.execute(
        select(GoalEvent.actor, GoalEvent.detail)
        .where(GoalEvent.goal_id == goal.id, GoalEvent.kind == "comment")
        .order_by(GoalEvent.id)
    ).all()
    return GoalView(
        id=goal.id,
        pair=view_of(session, session.get_one(Pair, goal.pair_id)),
        title=goal.title,
        outcome=goal.outcome,
        due_on=goal.due_on,
        first_action=goal.first_action,
        progress=goal.progress,
        status=goal.status,
        milestones=[MilestoneView(m.id, m.title, m.due_on, m.done_at is not None) for m in milestones],
        comments=[(actor, detail) for actor, detail in comments],
        channel_id=goal.channel_id,
        message_ts=goal.message_ts,
    )


def _live_pair(session: Session, team_id: str, user_id: str, pair_id: int) -> Pair:
    pair = pair_for_member(session, team_id, user_id, pair_id)
    if pair.status is not PairStatus.ACTIVE:
        raise PairClosed(pair.status)
    return pair


def goal_window(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> date:
    """The last day a goal of this pair may be due (the pair's end), checking membership."""
    return last_day_of(_live_pair(session, team_id, user_id, pair_id), now)


def _replace_milestones(session: Session, goal: Goal, raw: str) -> None:
    for old in session.scalars(select(Milestone).where(Milestone.goal_id == goal.id, Milestone.done_at.is_(None))):
        session.delete(old)
    done = {m.title for m in session.scalars(select(Milestone).where(Milestone.goal_id == goal.id))}
    parsed, _ = parse_milestones(raw)
    for position, (title, when) in enumerate(parsed):
        if title not in done:
            session.add(Milestone(goal_id=goal.id, position=position, title=title, due_on=when))


def _check_goal(form: GoalInput, pair: Pair, now: datetime) -> None:
    problems = validate_goal(form, now.date(), last_day_of(pair, now))
    if problems:
        raise InvalidGoal(problems)


def create_goal(session: Session, team_id: str, user_id: str, pair_id: int, form: GoalInput, now: datetime) -> GoalView:
    pair = _live_pair(session, team_id, user_id, pair_id)
    _check_goal(form, pair, now)
    assert form.due_on is not None
    goal = Goal(
        team_id=team_id,
        pair_id=pair.id,
        title=squash(form.title),
        outcome=form.outcome.strip(),
        due_on=form.due_on,
        first_action=form.first_action.strip(),
        progress=0,
        status=GoalStatus.OPEN,
        created_by=user_id,
        channel_id=pair.channel_id,
        created_at=now,
        updated_at=now,
    )
    session.add(goal)
    session.flush()
    _replace_milestones(session, goal, form.milestones)
    _event(session, goal, user_id, "created", goal.title, now)
    session.flush()
    return _view(session, goal)


def goal_for_member(session: Session, team_id: str, user_id: str, goal_id: int) -> Goal:
    goal = session.get(Goal, goal_id)
    if goal is None or goal.team_id != team_id:
        raise NotYours(f"{user_id} on goal {goal_id}")
    pair_for_member(session, team_id, user_id, goal.pair_id)
    return goal


def view_goal(session: Session, team_id: str, user_id: str, goal_id: int) -> GoalView:
    return _view(session, goal_for_member(session, team_id, user_id, goal_id))


def edit_goal(session: Session, team_id: str, user_id: str, goal_id: int, form: GoalInput, now: datetime) -> GoalView:
    """Goals change as needs change; the old version stays in the history."""
    goal = goal_for_member(session, team_id, user_id, goal_id)
    _check_goal(form, session.get_one(Pair, goal.pair_id), now)
    assert form.due_on is not None
    _event(session, goal, user_id, "edited", f"{goal.title} | {goal.outcome} | due {goal.due_on}", now)
    goal.title, goal.outcome, goal.due_on = squash(form.title), form.outcome.strip(), form.due_on
    goal.first_action = form.first_action.strip()
    goal.updated_at = now
    _replace_milestones(session, goal, form.milestones)
    session.flush()
    return _view(session, goal)


def record_progress(
    session: Session, team_id: str, user_id: str, goal_id: int, percent: int, now: datetime
) -> GoalView:
    goal = goal_for_member(session, team_id, user_id, goal_id)
    goal.progress = max(0, min(100, percent))
    goal.updated_at = now
    _event(session, goal, user_id, "progress", str(goal.progress), now)
    return _view(session, goal)


def complete_milestone(
    session: Session, team_id: str, user_id: str, goal_id: int, milestone_id: int, now: datetime
) -> tuple[GoalView, str]:
    """Mark one milestone done; progress follows the share of milestones done unless already higher."""
    goal = goal_for_member(session, team_id, user_id, goal_id)
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.goal_id != goal.id:
        raise NotYours(f"{user_id} on milestone {milestone_id}")
    if milestone.done_at is not None:
        raise GoalClosed("done")
    milestone.done_at = now
    _event(session, goal, user_id, "milestone_done", milestone.title, now)
    session.flush()
    all_ = list(session.scalars(select(Milestone).where(Milestone.goal_id == goal.id)))
    share = round(100 * sum(m.done_at is not None for m in all_) / len(all_))
    goal.progress = max(goal.progress, share)
    goal.updated_at = now
    return _view(session, goal), milestone.title


def complete_goal(session: Session, team_id: str, user_id: str, goal_id: int, now: datetime) -> GoalView:
    goal = goal_for_member(session, team_id, user_id, goal_id)
    if goal.status is GoalStatus.COMPLETED:
        raise GoalClosed("completed")
    goal.status = GoalStatus.COMPLETED
    goal.progress = 100
    goal.completed_at = now
    goal.updated_at = now
    _event(session, goal, user_id, "completed", goal.title, now)
    return _view(session, goal)


def comment(session: Session, team_id: str, user_id: str, goal_id: int, text: str, now: datetime) -> GoalView:
    goal = goal_for_member(session, team_id, user_id, goal_id)
    _event(session, goal, user_id, "comment", text.strip(), now)
    session.flush()
    return _view(session, goal)


def remember_card(session: Session, goal_id: int, channel: str, ts: str) -> None:
    goal = session.get_one(Goal, goal_id)
    goal.channel_id, goal.message_ts = channel, ts


def goals_of_pair(session: Session, pair_id: int) -> list[GoalView]:
    return [_view(session, g) for g in session.scalars(select(Goal).where(Goal.pair_id == pair_id).order_by(Goal.id))]
