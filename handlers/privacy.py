"""Privacy controls: `/mentor privacy`, export my data as JSON, delete my data."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot.dm_channels import upload_to_dm
from bot.errors import NotJoined
from bot.exports import my_data_json
from bot.privacy import delete_my_data
from bot.views.privacy import (
    MY_DATA_FILE,
    MY_DATA_TITLE,
    PRIVACY_DELETE,
    PRIVACY_EXPORT,
    deleted_message,
    exported_message,
    nothing_to_delete_message,
    partner_left_message,
    privacy_message,
)
from handlers.actor import Actor
from handlers.routing import Invocation, MentorCommand, Routes


def privacy_command(call: Invocation) -> None:
    call.ack(**privacy_message().as_kwargs())


def export_my_data(ack: Ack, actor: Actor) -> None:
    ack()
    with actor.unit_of_work() as session:
        data = my_data_json(session, actor.team_id, actor.user_id)
    upload_to_dm(
        actor.services.db,
        actor.client,
        actor.team_id,
        actor.user_id,
        MY_DATA_FILE,
        data,
        MY_DATA_TITLE,
        exported_message().text,
    )


def delete_data(ack: Ack, respond: Respond, actor: Actor) -> None:
    ack()
    try:
        with actor.unit_of_work() as session:
            ended = delete_my_data(session, actor.team_id, actor.user_id, actor.now())
    except NotJoined:
        respond(replace_original=False, **nothing_to_delete_message().as_kwargs())
        return
    respond(replace_original=True, **deleted_message().as_kwargs())
    for pair in ended:
        partner = pair.mentor_user_id if actor.user_id == pair.mentee_user_id else pair.mentee_user_id
        actor.dm_to(partner, partner_left_message(actor.user_id))
        actor.refresh_homes(partner)
    actor.refresh_homes(actor.user_id)


def register(app: Routes, command: MentorCommand) -> None:
    command.add("privacy", "privacy", "what I store about you, export it, or delete it", privacy_command)
    app.action(PRIVACY_EXPORT)(export_my_data)
    app.action(PRIVACY_DELETE)(delete_data)
