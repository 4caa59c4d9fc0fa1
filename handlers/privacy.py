"""Privacy controls: `/mentor privacy`, export my data as JSON, delete my data."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import NotJoined
from bot.exports import my_data_json
from bot.home import refresh_home
from bot.privacy import delete_my_data
from bot.services import Services
from bot.slack import send_dm, upload_to_dm
from bot.views.privacy import (
    PRIVACY_DELETE,
    PRIVACY_EXPORT,
    deleted_message,
    exported_message,
    partner_left_message,
    privacy_message,
)
from handlers.router import Invocation, MentorCommand, Routes, workspace_of


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def on_privacy(call: Invocation) -> None:
        call.ack(**privacy_message().as_kwargs())

    def on_export(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        with services.db.unit_of_work() as session:
            data = my_data_json(session, team_id, user_id)
        upload_to_dm(client, user_id, "mentorbot-my-data.json", data, "My Mentorbot data", exported_message().text)

    def on_delete(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                ended = delete_my_data(session, team_id, user_id, services.clock.now())
        except NotJoined:
            respond(replace_original=False, text="There's nothing stored about you to delete.")
            return
        respond(replace_original=True, **deleted_message().as_kwargs())
        for pair in ended:
            partner = pair.mentor_user_id if user_id == pair.mentee_user_id else pair.mentee_user_id
            send_dm(client, partner, partner_left_message(user_id))
            refresh_home(services, client, team_id, partner)
        refresh_home(services, client, team_id, user_id)

    command.add("privacy", "privacy", "what I store about you, export it, or delete it", on_privacy)
    app.action(PRIVACY_EXPORT)(on_export)
    app.action(PRIVACY_DELETE)(on_delete)
