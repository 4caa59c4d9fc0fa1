"""SMART goals in the pair's group DM: create, edit, progress, milestones, comments, completion."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from sqlalchemy.orm import Session

from bot.errors import GoalClosed, NotYours, PairClosed
from bot.goals import (
    GoalView,
    comment,
    complete_goal,
    complete_milestone,
    create_goal,
    edit_goal,
    goal_window,
    record_progress,
    remember_card,
    validate_goal,
    view_goal,
)
from bot.shoutouts import ask_to_celebrate
from bot.slack import edit, open_dm, post
from bot.views.blocks import Block, Message
from bot.views.goals import (
    COMMENT,
    COMMENT_MISSING,
    GOAL_COMMENT,
    GOAL_COMMENT_SUBMIT,
    GOAL_COMPLETE,
    GOAL_EDIT,
    GOAL_MILESTONE,
    GOAL_OPEN,
    GOAL_PROGRESS,
    GOAL_PROGRESS_SUBMIT,
    GOAL_SUBMIT,
    NOT_YOURS,
    PERCENT,
    PERCENT_RANGE,
    TITLE,
    comment_modal,
    goal_card,
    goal_completed_message,
    goal_modal,
    milestone_done_message,
    progress_modal,
    read_comment,
    read_goal_form,
    read_goal_metadata,
    read_milestone_choice,
    read_percent,
)
from handlers.actor import Actor, Refusals, action_value, form_id, form_refused, selected_value
from handlers.routing import MentorCommand, Routes

log = logging.getLogger(__name__)
GoalForm = Callable[[Session, str, str, int, datetime], Block]


def show(actor: Actor, goal: GoalView) -> None:
    """Keep one card per goal in the pair's group DM up to date, and both App Homes with it."""
    card = goal_card(goal)
    if goal.channel_id and goal.message_ts:
        edit(actor.client, goal.channel_id, goal.message_ts, card)
    else:
        channel = goal.channel_id or open_dm(actor.client, [goal.pair.mentor_user_id, goal.pair.mentee_user_id])
        ts = post(actor.client, channel, card)
        with actor.unit_of_work() as session:
            remember_card(session, goal.id, channel, ts)
    actor.refresh_homes(goal.pair.mentor_user_id, goal.pair.mentee_user_id)


def new_goal_form(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> Block:
    return goal_modal(pair_id, goal_window(session, team_id, user_id, pair_id, now))


def goal_editor(session: Session, team_id: str, user_id: str, goal_id: int, now: datetime) -> Block:
    goal = view_goal(session, team_id, user_id, goal_id)
    return goal_modal(goal.pair.id, goal_window(session, team_id, user_id, goal.pair.id, now), goal)


def progress_form(session: Session, team_id: str, user_id: str, goal_id: int) -> Block:
    return progress_modal(view_goal(session, team_id, user_id, goal_id))


def comment_form(session: Session, team_id: str, user_id: str, goal_id: int) -> Block:
    return comment_modal(view_goal(session, team_id, user_id, goal_id))


def open_goal_form(body: dict[str, Any], actor: Actor, what: str, form: GoalForm) -> None:
    """Goals are set in a live pair only: opening one in an ended pair is refused like one in someone else's."""
    target = action_value(body)
    try:
        actor.open_as_member(str(body["trigger_id"]), what, form, target, actor.now())
    except PairClosed:
        actor.refuse(f"{what} {target}")


def open_new_goal(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    open_goal_form(body, actor, "opened a goal for pair", new_goal_form)


def open_goal_editor(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    open_goal_form(body, actor, "edited goal", goal_editor)


def save_goal(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    form = read_goal_form(view.get("state", {}).get("values", {}))
    pair_id, goal_id = read_goal_metadata(str(view.get("private_metadata") or ""))
    now = actor.now()
    try:
        with actor.unit_of_work() as session:
            errors = validate_goal(
                form, now.date(), goal_window(session, actor.team_id, actor.user_id, pair_id or 0, now)
            )
            if form_refused(ack, errors):
                return
            if goal_id is None:
                goal = create_goal(session, actor.team_id, actor.user_id, pair_id or 0, form, now)
            else:
                goal = edit_goal(session, actor.team_id, actor.user_id, goal_id, form, now)
    except (NotYours, PairClosed):
        log.warning("refused: %s saved a goal for pair %s", actor.user_id, pair_id)
        ack(response_action="errors", errors={TITLE: NOT_YOURS})
        return
    ack()
    show(actor, goal)


def announce_achievement(actor: Actor, goal: GoalView, achievement: str, announcement: Message) -> None:
    """Show the goal as it is now, say in the pair's DM what was achieved, and ask both to celebrate it."""
    show(actor, goal)
    if goal.channel_id:
        post(actor.client, goal.channel_id, announcement)
    ask_to_celebrate(actor.services, actor.client, goal, achievement)


def tick_milestone(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    raw = selected_value(body)
    goal_id, milestone_id = read_milestone_choice(raw)
    try:
        with actor.unit_of_work() as session:
            goal, title = complete_milestone(session, actor.team_id, actor.user_id, goal_id, milestone_id, actor.now())
    except NotYours:
        actor.refuse(f"ticked milestone {raw}")
        return
    except GoalClosed:
        return
    announce_achievement(actor, goal, title, milestone_done_message(goal, title, actor.user_id))


def finish_goal(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    try:
        goal = actor.as_member("completed goal", complete_goal, action_value(body), actor.now())
    except GoalClosed:
        return
    if goal is not None:
        announce_achievement(actor, goal, goal.title, goal_completed_message(goal))


def open_progress_form(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "opened progress of goal", progress_form, action_value(body))


def open_comment_form(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "opened comment of goal", comment_form, action_value(body))


def save_progress(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    percent = read_percent(view.get("state", {}).get("values", {}))
    if percent is None or not 0 <= percent <= 100:
        ack(response_action="errors", errors={PERCENT: PERCENT_RANGE})
        return
    goal = actor.submit_as_member(
        ack, Refusals({PERCENT: NOT_YOURS}), record_progress, form_id(view), percent, actor.now()
    )
    if goal is not None:
        show(actor, goal)


def save_comment(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    text = read_comment(view.get("state", {}).get("values", {}))
    if not text.strip():
        ack(response_action="errors", errors={COMMENT: COMMENT_MISSING})
        return
    goal = actor.submit_as_member(ack, Refusals({COMMENT: NOT_YOURS}), comment, form_id(view), text, actor.now())
    if goal is not None:
        show(actor, goal)


def register(app: Routes, command: MentorCommand) -> None:
    app.action(GOAL_OPEN)(open_new_goal)
    app.action(GOAL_EDIT)(open_goal_editor)
    app.view(GOAL_SUBMIT)(save_goal)
    app.action(GOAL_MILESTONE)(tick_milestone)
    app.action(GOAL_PROGRESS)(open_progress_form)
    app.view(GOAL_PROGRESS_SUBMIT)(save_progress)
    app.action(GOAL_COMMENT)(open_comment_form)
    app.view(GOAL_COMMENT_SUBMIT)(save_comment)
    app.action(GOAL_COMPLETE)(finish_goal)
