"""Joining, editing and pausing a profile: `/mentor join`, the profile modal, `/mentor leave`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import NotJoined
from bot.home import refresh_home
from bot.profiles import follow_time_zone, get_profile, pause, save_profile, update_identity, validate_profile
from bot.services import Services
from bot.slack import send_dm, user_info
from bot.views.join import (
    JOIN_OPEN,
    JOIN_SUBMIT,
    ROLE,
    account_refused,
    profile_modal,
    read_profile_form,
    saved_message,
)
from bot.views.leave import (
    LEAVE_CANCEL,
    LEAVE_CONFIRM,
    confirm_leave_message,
    kept_message,
    not_joined_message,
    paused_message,
)
from handlers.router import Invocation, MentorCommand, Routes, workspace_of


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def open_profile_modal(client: WebClient, trigger_id: str, team_id: str, user_id: str) -> None:
        with services.db.unit_of_work() as session:
            profile = get_profile(session, team_id, user_id)
        client.views_open(trigger_id=trigger_id, view=profile_modal(profile))

    def on_join(call: Invocation) -> None:
        call.ack()
        open_profile_modal(call.client, call.trigger_id, call.team_id, call.user_id)

    def on_open_button(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        open_profile_modal(client, str(body["trigger_id"]), workspace_of(context), str(body["user"]["id"]))

    def on_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        form = read_profile_form(view.get("state", {}).get("values", {}))
        errors = validate_profile(form)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        # Before saving, so that an account Slack says can't take part is refused in the form itself.
        slack_user = user_info(client, user_id, fallback_timezone="")
        if slack_user.is_deleted or slack_user.is_bot:
            ack(response_action="errors", errors={ROLE: account_refused(slack_user.is_bot)})
            return
        with services.db.unit_of_work() as session:
            profile, created = save_profile(session, team_id, user_id, form, services.clock.now())
            profile = update_identity(session, team_id, user_id, slack_user.display_name, slack_user.timezone)
        ack()
        send_dm(client, user_id, saved_message(profile, created))
        refresh_home(services, client, team_id, user_id)

    def on_leave(call: Invocation) -> None:
        with services.db.unit_of_work() as session:
            profile = get_profile(session, call.team_id, call.user_id)
        message = confirm_leave_message() if profile else not_joined_message()
        call.ack(**message.as_kwargs())

    def on_leave_confirm(
        ack: Ack, respond: Respond, client: WebClient, body: dict[str, Any], context: BoltContext
    ) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                pause(session, team_id, user_id, services.clock.now())
        except NotJoined:
            respond(replace_original=True, **not_joined_message().as_kwargs())
            return
        respond(replace_original=True, **paused_message().as_kwargs())
        refresh_home(services, client, team_id, user_id)

    def on_leave_cancel(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, **kept_message().as_kwargs())

    def on_user_change(event: dict[str, Any], context: BoltContext) -> None:
        user = event.get("user") or {}
        team_id, user_id = workspace_of(context), str(user.get("id"))
        if user.get("deleted"):
            try:
                with services.db.unit_of_work() as session:
                    pause(session, team_id, user_id, services.clock.now())
            except NotJoined:
                return
        elif user.get("tz"):
            with services.db.unit_of_work() as session:
                follow_time_zone(session, team_id, user_id, str(user["tz"])[:64], services.clock.now())

    app.event("user_change")(on_user_change)
    command.add("join", "join", "create or edit your mentoring profile", on_join)
    command.add("leave", "leave", "pause your participation (your profile is kept)", on_leave)
    app.action(JOIN_OPEN)(on_open_button)
    app.view(JOIN_SUBMIT)(on_submit)
    app.action(LEAVE_CONFIRM)(on_leave_confirm)
    app.action(LEAVE_CANCEL)(on_leave_cancel)
