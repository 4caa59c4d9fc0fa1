"""Celebrate and thank: consented shout-outs, `/mentor thanks`, and confidential help for admins."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.celebrate import (
    ask_for_help,
    consent,
    mark_handled,
    program_channel,
    send_thanks,
    share_thanks,
    shoutout_for_member,
    validate_thanks,
)
from bot.errors import NotYours, RequestClosed
from bot.outbox import deliver, enqueue
from bot.pairs import pair_for_member, view_of
from bot.programs import is_program_admin, program_admins
from bot.services import Services
from bot.slack import send_dm, user_info
from bot.text import parse_mention
from bot.views.celebrate import (
    HELP_HANDLED,
    HELP_OPEN,
    HELP_SUBMIT,
    SHOUTOUT_NO,
    SHOUTOUT_SUBMIT,
    SHOUTOUT_YES,
    THANKS_OPEN,
    THANKS_SHARE,
    THANKS_SUBMIT,
    consent_recorded,
    help_for_admins,
    help_handled,
    help_modal,
    help_sent,
    read_help,
    read_story,
    read_thanks,
    shoutout_post,
    story_modal,
    thanks_dm,
    thanks_modal,
    thanks_post,
    thanks_problem,
    thanks_sent,
)
from handlers.router import Invocation, MentorCommand, Routes, action_value, refuse, workspace_of

log = logging.getLogger(__name__)


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def channel_for(team_id: str) -> str | None:
        with services.db.unit_of_work() as session:
            return program_channel(session, team_id, services.settings.shoutout_channel)

    def on_shoutout_yes(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, shoutout_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                shoutout = shoutout_for_member(session, team_id, user_id, shoutout_id)
        except NotYours:
            refuse(client, user_id, f"agreed to shout-out {shoutout_id}")
            return
        client.views_open(trigger_id=str(body["trigger_id"]), view=story_modal(shoutout))

    def record(client: WebClient, team_id: str, user_id: str, shoutout_id: int, agree: bool, story: str) -> bool:
        now = services.clock.now()
        with services.db.unit_of_work() as session:
            shoutout = consent(session, team_id, user_id, shoutout_id, agree, story, now)
            posted = shoutout.status == "posted"
            channel = program_channel(session, team_id, services.settings.shoutout_channel)
            if posted and channel:
                enqueue(session, team_id, f"shoutout:{shoutout.id}", shoutout_post(shoutout), now, channel_id=channel)
        if posted:
            deliver(services.db, lambda _team: client, now)
        send_dm(client, user_id, consent_recorded(agree, posted))
        return posted

    def on_shoutout_no(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        team_id, user_id, shoutout_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            record(client, team_id, user_id, shoutout_id, False, "")
        except NotYours:
            refuse(client, user_id, f"declined shout-out {shoutout_id}")
        except RequestClosed:
            respond(replace_original=False, text="This one is already settled. Thank you!")

    def on_shoutout_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        story = read_story(view.get("state", {}).get("values", {}))
        if len(story.split()) < 3:
            ack(response_action="errors", errors={"story": "A few words, please: what was achieved?"})
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        ack()
        try:
            record(client, team_id, user_id, int(view.get("private_metadata") or 0), True, story)
        except (NotYours, RequestClosed):
            log.warning("refused: %s agreed to a settled or foreign shout-out", user_id)

    def thank(client: WebClient, team_id: str, user_id: str, to_user: str | None, message: str) -> str | None:
        """Send a thank-you, or say why not (nothing is stored or sent then)."""
        problem = validate_thanks(user_id, to_user, message)
        if problem or to_user is None:
            return problem
        with services.db.unit_of_work() as session:
            thanks = send_thanks(session, team_id, user_id, to_user, message, services.clock.now())
        send_dm(client, to_user, thanks_dm(thanks))
        send_dm(client, user_id, thanks_sent(thanks, channel_for(team_id)))
        return None

    def on_thanks(call: Invocation) -> None:
        call.ack()
        target, _, message = call.args.partition(" ")
        problem = thank(call.client, call.team_id, call.user_id, parse_mention(target), message.strip())
        if problem:
            call.respond(**thanks_problem(problem, message.strip()).as_kwargs())

    def on_thanks_open(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                view = view_of(session, pair_for_member(session, team_id, user_id, pair_id))
        except NotYours:
            refuse(client, user_id, f"thanked in pair {pair_id}")
            return
        partner = view.mentor_user_id if user_id == view.mentee_user_id else view.mentee_user_id
        client.views_open(trigger_id=str(body["trigger_id"]), view=thanks_modal(pair_id, partner))

    def on_thanks_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        message = read_thanks(view.get("state", {}).get("values", {}))
        _, _, partner = str(view.get("private_metadata") or "").partition(":")
        problem = validate_thanks(user_id, partner or None, message)
        if problem:
            ack(response_action="errors", errors={"message": problem})
            return
        ack()
        thank(client, team_id, user_id, partner, message)

    def on_thanks_share(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        team_id, user_id, thanks_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        now = services.clock.now()
        channel = channel_for(team_id)
        try:
            with services.db.unit_of_work() as session:
                thanks = share_thanks(session, team_id, user_id, thanks_id, now)
                if channel:
                    enqueue(session, team_id, f"thanks:{thanks.id}", thanks_post(thanks), now, channel_id=channel)
        except NotYours:
            refuse(client, user_id, f"shared thanks {thanks_id}")
            return
        except RequestClosed:
            respond(replace_original=False, text="Already shared. Thank you!")
            return
        deliver(services.db, lambda _team: client, now)
        respond(replace_original=True, text="Shared in the program channel. 💛")

    def on_help_open(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        pair_id = action_value(body) or None
        client.views_open(trigger_id=str(body["trigger_id"]), view=help_modal(pair_id))

    def on_help_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        reason, details = read_help(view.get("state", {}).get("values", {}))
        if reason is None:
            ack(response_action="errors", errors={"reason": "Pick what's closest; you can add details below."})
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        raw_pair = str(view.get("private_metadata") or "")
        now = services.clock.now()
        try:
            with services.db.unit_of_work() as session:
                request = ask_for_help(
                    session, team_id, user_id, int(raw_pair) if raw_pair.isdigit() else None, reason, details, now
                )
                for admin in program_admins(session, team_id, services.settings.admins):
                    enqueue(
                        session, team_id, f"help:{request.id}:{admin}", help_for_admins(request), now, user_id=admin
                    )
        except NotYours:
            ack(response_action="errors", errors={"reason": "This isn't your pair."})
            return
        ack()
        deliver(services.db, lambda _team: client, now)
        send_dm(client, user_id, help_sent())

    def on_help_handled(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        team_id, user_id, help_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        workspace_admin = user_info(client, user_id).is_workspace_admin
        with services.db.unit_of_work() as session:
            allowed = is_program_admin(session, team_id, user_id, services.settings.admins, workspace_admin)
            request = mark_handled(session, team_id, user_id, help_id, services.clock.now()) if allowed else None
        if request is None:
            refuse(client, user_id, f"handled help request {help_id}")
            return
        respond(replace_original=True, **help_handled(request).as_kwargs())

    command.add("thanks", "thanks @someone message", "send someone a thank-you", on_thanks)
    app.action(SHOUTOUT_YES)(on_shoutout_yes)
    app.action(SHOUTOUT_NO)(on_shoutout_no)
    app.view(SHOUTOUT_SUBMIT)(on_shoutout_submit)
    app.action(THANKS_OPEN)(on_thanks_open)
    app.view(THANKS_SUBMIT)(on_thanks_submit)
    app.action(THANKS_SHARE)(on_thanks_share)
    app.action(HELP_OPEN)(on_help_open)
    app.view(HELP_SUBMIT)(on_help_submit)
    app.action(HELP_HANDLED)(on_help_handled)
