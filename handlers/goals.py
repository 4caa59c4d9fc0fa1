"""SMART goals in the pair's group DM: create, edit, progress, milestones, comments, completion."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.celebrate import program_channel, propose_shoutout
from bot.errors import NotYours, RequestClosed
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
from bot.home import refresh_home
from bot.outbox import deliver, enqueue
from bot.services import Services
from bot.slack import edit, open_dm, post
from bot.views.celebrate import shoutout_question
from bot.views.goals import (
    GOAL_COMMENT,
    GOAL_COMMENT_SUBMIT,
    GOAL_COMPLETE,
    GOAL_EDIT,
    GOAL_MILESTONE,
    GOAL_OPEN,
    GOAL_PROGRESS,
    GOAL_PROGRESS_SUBMIT,
    GOAL_SUBMIT,
    comment_modal,
    goal_card,
    goal_completed_message,
    goal_modal,
    milestone_done_message,
    progress_modal,
    read_comment,
    read_goal_form,
    read_goal_metadata,
    read_percent,
)
from handlers.router import MentorCommand, Routes, action_value, refuse, workspace_of

log = logging.getLogger(__name__)
NOT_YOURS = "This goal belongs to another pair, so I can't change it."


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def show(client: WebClient, team_id: str, goal: GoalView) -> None:
        """Keep one card per goal in the pair's group DM up to date, and both App Homes with it."""
        card = goal_card(goal)
        if goal.channel_id and goal.message_ts:
            edit(client, goal.channel_id, goal.message_ts, card)
        else:
            channel = goal.channel_id or open_dm(client, [goal.pair.mentor_user_id, goal.pair.mentee_user_id])
            ts = post(client, channel, card)
            with services.db.unit_of_work() as session:
                remember_card(session, goal.id, channel, ts)
        for person in (goal.pair.mentor_user_id, goal.pair.mentee_user_id):
            refresh_home(services, client, team_id, person)

    def ask_to_celebrate(client: WebClient, goal: GoalView, achievement: str) -> None:
        """Ask both people, privately, whether this may be celebrated in the program channel."""
        now = services.clock.now()
        with services.db.unit_of_work() as session:
            channel = program_channel(session, goal.pair.team_id, services.settings.shoutout_channel)
            if channel is None:
                return
            shoutout = propose_shoutout(session, goal, achievement, now)
            for person in (goal.pair.mentee_user_id, goal.pair.mentor_user_id):
                key = f"shoutout:{shoutout.id}:ask:{person}"
                enqueue(session, goal.pair.team_id, key, shoutout_question(shoutout, channel), now, user_id=person)
        deliver(services.db, lambda _team: client, now)

    def on_open(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                last_day = goal_window(session, team_id, user_id, pair_id, services.clock.now())
        except (NotYours, RequestClosed):
            refuse(client, user_id, f"opened a goal for pair {pair_id}")
            return
        client.views_open(trigger_id=str(body["trigger_id"]), view=goal_modal(pair_id, last_day))

    def on_edit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, goal_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                goal = view_goal(session, team_id, user_id, goal_id)
                last_day = goal_window(session, team_id, user_id, goal.pair.id, services.clock.now())
        except (NotYours, RequestClosed):
            refuse(client, user_id, f"edited goal {goal_id}")
            return
        client.views_open(trigger_id=str(body["trigger_id"]), view=goal_modal(goal.pair.id, last_day, goal))

    def on_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        form = read_goal_form(view.get("state", {}).get("values", {}))
        pair_id, goal_id = read_goal_metadata(str(view.get("private_metadata") or ""))
        now = services.clock.now()
        try:
            with services.db.unit_of_work() as session:
                errors = validate_goal(form, now.date(), goal_window(session, team_id, user_id, pair_id or 0, now))
                if errors:
                    ack(response_action="errors", errors=errors)
                    return
                if goal_id is None:
                    goal = create_goal(session, team_id, user_id, pair_id or 0, form, now)
                else:
                    goal = edit_goal(session, team_id, user_id, goal_id, form, now)
        except (NotYours, RequestClosed):
            log.warning("refused: %s saved a goal for pair %s", user_id, pair_id)
            ack(response_action="errors", errors={"title": NOT_YOURS})
            return
        ack()
        show(client, team_id, goal)

    def on_milestone(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        raw = str(((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value") or "0:0")
        goal_id, _, milestone_id = raw.partition(":")
        try:
            with services.db.unit_of_work() as session:
                goal, title = complete_milestone(
                    session, team_id, user_id, int(goal_id or 0), int(milestone_id or 0), services.clock.now()
                )
        except (NotYours, ValueError):
            refuse(client, user_id, f"ticked milestone {raw}")
            return
        except RequestClosed:
            return
        show(client, team_id, goal)
        if goal.channel_id:
            post(client, goal.channel_id, milestone_done_message(goal, title, user_id))
        ask_to_celebrate(client, goal, title)

    def open_goal_modal(body: dict[str, Any], client: WebClient, context: BoltContext, kind: str) -> None:
        team_id, user_id, goal_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                goal = view_goal(session, team_id, user_id, goal_id)
        except NotYours:
            refuse(client, user_id, f"opened {kind} of goal {goal_id}")
            return
        view = progress_modal(goal) if kind == "progress" else comment_modal(goal)
        client.views_open(trigger_id=str(body["trigger_id"]), view=view)

    def on_progress(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        open_goal_modal(body, client, context, "progress")

    def on_comment(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        open_goal_modal(body, client, context, "comment")

    def on_progress_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        percent = read_percent(view.get("state", {}).get("values", {}))
        if percent is None or not 0 <= percent <= 100:
            ack(response_action="errors", errors={"percent": "Enter a whole number from 0 to 100."})
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                goal = record_progress(
                    session, team_id, user_id, int(view.get("private_metadata") or 0), percent, services.clock.now()
                )
        except (NotYours, ValueError):
            ack(response_action="errors", errors={"percent": NOT_YOURS})
            return
        ack()
        show(client, team_id, goal)

    def on_comment_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        text = read_comment(view.get("state", {}).get("values", {}))
        if not text.strip():
            ack(response_action="errors", errors={"comment": "Write a few words for your partner."})
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                goal = comment(
                    session, team_id, user_id, int(view.get("private_metadata") or 0), text, services.clock.now()
                )
        except (NotYours, ValueError):
            ack(response_action="errors", errors={"comment": NOT_YOURS})
            return
        ack()
        show(client, team_id, goal)

    def on_complete(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, goal_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                goal = complete_goal(session, team_id, user_id, goal_id, services.clock.now())
        except NotYours:
            refuse(client, user_id, f"completed goal {goal_id}")
            return
        except RequestClosed:
            return
        show(client, team_id, goal)
        if goal.channel_id:
            post(client, goal.channel_id, goal_completed_message(goal))
        ask_to_celebrate(client, goal, goal.title)

    app.action(GOAL_OPEN)(on_open)
    app.action(GOAL_EDIT)(on_edit)
    app.view(GOAL_SUBMIT)(on_submit)
    app.action(GOAL_MILESTONE)(on_milestone)
    app.action(GOAL_PROGRESS)(on_progress)
    app.view(GOAL_PROGRESS_SUBMIT)(on_progress_submit)
    app.action(GOAL_COMMENT)(on_comment)
    app.view(GOAL_COMMENT_SUBMIT)(on_comment_submit)
    app.action(GOAL_COMPLETE)(on_complete)
