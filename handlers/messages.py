"""Words typed in the bot's DM: a few act directly (find, status, help); anything else gets the next steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack

from bot.dashboard import dashboard
from bot.finding import find_answer
from bot.profiles import get_profile
from bot.slack import post
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
from handlers.actor import Actor
from handlers.routing import MentorCommand, Routes


def typed_by_a_person(event: dict[str, Any]) -> bool:
    """A new message a person typed in their DM with the bot (not an edit, a join notice or a bot's post)."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") in (None, "file_share")
        and not event.get("bot_id")
        and not event.get("thread_ts")
        and bool(event.get("user"))
    )


def status(actor: Actor, user_id: str) -> Message:
    with actor.reading() as session:
        return status_message(dashboard(session, actor.team_id, user_id))


def next_steps(actor: Actor, user_id: str) -> Message:
    with actor.reading() as session:
        return typed_message_reply(get_profile(session, actor.team_id, user_id) is not None)


@dataclass(frozen=True)
class TypedWords:
    """The DM's answers to typed words; `help` lists the `/mentor` subcommands the features registered."""

    help_lines: Callable[[], list[tuple[str, str]]]

    def answer(self, event: dict[str, Any], actor: Actor) -> None:
        if not typed_by_a_person(event):
            return
        user_id, channel = str(event["user"]), str(event["channel"])
        # Only the first word is read, to pick an answer; the text itself is neither stored nor logged.
        word, _, rest = str(event.get("text") or "").strip().partition(" ")
        word = word.lower().strip(".!?")
        if word == FIND_WORD:
            reply = find_answer(actor.services, actor.team_id, user_id, rest.strip())
        elif word == STATUS_WORD:
            reply = status(actor, user_id)
        elif word == HELP_WORD:
            reply = help_message(self.help_lines())
        else:
            reply = next_steps(actor, user_id)
        post(actor.client, channel, reply)


def show_matches(ack: Ack, actor: Actor) -> None:
    ack()
    actor.dm(find_answer(actor.services, actor.team_id, actor.user_id, ""))


def show_status(ack: Ack, actor: Actor) -> None:
    ack()
    actor.dm(status(actor, actor.user_id))


def register(app: Routes, command: MentorCommand) -> None:
    app.event("message")(TypedWords(command.help_lines).answer)
    app.action(MESSAGES_FIND)(show_matches)
    app.action(MESSAGES_STATUS)(show_status)
