"""Words typed in the bot's DM: a few act directly (find, status, help); anything else gets the next steps."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.dashboard import dashboard
from bot.finding import find_answer
from bot.profiles import get_profile
from bot.services import Services
from bot.slack import post, send_dm
from bot.views.blocks import Message
from bot.views.help import help_message
from bot.views.home import status_message
from bot.views.messages import (
    FIND_WORD,
    HELP_WORD,
    MESSAGES_FIND,
    MESSAGES_STATUS,
    STATUS_WORD,
    typed_message_reply,
)
from handlers.router import MentorCommand, Routes, workspace_of


def typed_by_a_person(event: dict[str, Any]) -> bool:
    """A new message a person typed in their DM with the bot (not an edit, a join notice or a bot's post)."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") in (None, "file_share")
        and not event.get("bot_id")
        and not event.get("thread_ts")
        and bool(event.get("user"))
    )


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def joined(team_id: str, user_id: str) -> bool:
        with services.db.reading() as session:
            return get_profile(session, team_id, user_id) is not None

    def status(team_id: str, user_id: str) -> Message:
        with services.db.reading() as session:
            return status_message(dashboard(session, team_id, user_id))

    def on_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if not typed_by_a_person(event):
            return
        team_id, user_id, channel = workspace_of(context), str(event["user"]), str(event["channel"])
        # Only the first word is read, to pick an answer; the text itself is neither stored nor logged.
        word, _, rest = str(event.get("text") or "").strip().partition(" ")
        word = word.lower().strip(".!?")
        if word == FIND_WORD:
            answer = find_answer(services, team_id, user_id, rest.strip())
        elif word == STATUS_WORD:
            answer = status(team_id, user_id)
        elif word == HELP_WORD:
            answer = help_message(command.help_lines())
        else:
            answer = typed_message_reply(joined(team_id, user_id))
        post(client, channel, answer)

    def on_find_button(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        send_dm(client, user_id, find_answer(services, team_id, user_id, ""))

    def on_status_button(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        send_dm(client, user_id, status(team_id, user_id))

    app.event("message")(on_message)
    app.action(MESSAGES_FIND)(on_find_button)
    app.action(MESSAGES_STATUS)(on_status_button)
