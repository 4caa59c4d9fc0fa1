"""Joining, editing and pausing a profile: `/mentor join`, the profile modal, `/mentor leave`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot.errors import NotJoined
from bot.home import refresh_home
from bot.profiles import follow_time_zone, get_profile, pause, save_profile, update_identity, validate_profile
from bot.slack import user_info
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
from handlers.actor import Actor, form_refused
from handlers.routing import Invocation, MentorCommand, Routes


def open_profile_modal(actor: Actor, trigger_id: str) -> None:
    with actor.reading() as session:
        profile = get_profile(session, actor.team_id, actor.user_id)
    actor.client.views_open(trigger_id=trigger_id, view=profile_modal(profile))


def join_command(call: Invocation) -> None:
    call.ack()
    open_profile_modal(call.actor, call.trigger_id)


def open_profile(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    open_profile_modal(actor, str(body["trigger_id"]))


def save_submitted_profile(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    form = read_profile_form(view.get("state", {}).get("values", {}))
    if form_refused(ack, validate_profile(form)):
        return
    # Before saving, so that an account Slack says can't take part is refused in the form itself.
    slack_user = user_info(actor.client, actor.user_id, fallback_timezone="")
    if slack_user.is_deleted or slack_user.is_bot:
        ack(response_action="errors", errors={ROLE: account_refused(slack_user.is_bot)})
        return
    with actor.unit_of_work() as session:
        profile, created = save_profile(session, actor.team_id, actor.user_id, form, actor.now())
        profile = update_identity(session, actor.team_id, actor.user_id, slack_user.display_name, slack_user.timezone)
    ack()
    actor.dm(saved_message(profile, created))
    refresh_home(actor.services, actor.client, actor.team_id, actor.user_id)


def leave_command(call: Invocation) -> None:
    with call.actor.reading() as session:
        profile = get_profile(session, call.team_id, call.user_id)
    message = confirm_leave_message() if profile else not_joined_message()
    call.ack(**message.as_kwargs())


def confirm_leave(ack: Ack, respond: Respond, actor: Actor) -> None:
    ack()
    try:
        with actor.unit_of_work() as session:
            pause(session, actor.team_id, actor.user_id, actor.now())
    except NotJoined:
        respond(replace_original=True, **not_joined_message().as_kwargs())
        return
    respond(replace_original=True, **paused_message().as_kwargs())
    refresh_home(actor.services, actor.client, actor.team_id, actor.user_id)


def cancel_leave(ack: Ack, respond: Respond) -> None:
    ack()
    respond(replace_original=True, **kept_message().as_kwargs())


def follow_slack_profile(event: dict[str, Any], actor: Actor) -> None:
    """Slack says a person's profile changed: a deactivated account is paused, a new time zone followed."""
    user = event.get("user") or {}
    user_id = str(user.get("id"))
    if user.get("deleted"):
        try:
            with actor.unit_of_work() as session:
                pause(session, actor.team_id, user_id, actor.now())
        except NotJoined:
            return
    elif user.get("tz"):
        with actor.unit_of_work() as session:
            follow_time_zone(session, actor.team_id, user_id, str(user["tz"])[:64], actor.now())


def register(app: Routes, command: MentorCommand) -> None:
    app.event("user_change")(follow_slack_profile)
    command.add("join", "join", "create or edit your mentoring profile", join_command)
    command.add("leave", "leave", "pause your participation (your profile is kept)", leave_command)
    app.action(JOIN_OPEN)(open_profile)
    app.view(JOIN_SUBMIT)(save_submitted_profile)
    app.action(LEAVE_CONFIRM)(confirm_leave)
    app.action(LEAVE_CANCEL)(cancel_leave)
