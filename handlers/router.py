"""The `/mentor` slash command: one entry point that dispatches on the first word and answers with help."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack import send_dm
from bot.views.blocks import Message
from bot.views.help import help_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invocation:
    """One `/mentor <subcommand> <args>` call, parsed."""

    team_id: str
    user_id: str
    args: str
    trigger_id: str
    ack: Ack
    respond: Respond
    client: WebClient


Subcommand = Callable[[Invocation], None]


@dataclass(frozen=True)
class _Entry:
    usage: str
    description: str
    handler: Subcommand
    listed: bool


def refuse(client: WebClient, user_id: str, what: str) -> None:
    """Someone acted on a pair, goal or request that is not theirs: log it, change nothing, tell them kindly."""
    log.warning("refused: %s %s", user_id, what)
    send_dm(client, user_id, Message(text="That belongs to someone else's mentoring, so I've left it alone."))


def action_value(body: dict[str, Any]) -> int:
    """The numeric ID a button carries as its value (0 when it carries none, which matches nothing)."""
    try:
        return int(body["actions"][0]["value"])
    except (KeyError, IndexError, ValueError, TypeError):
        return 0


def workspace_of(context: BoltContext) -> str:
    """The workspace a request belongs to (an org-wide install has only an enterprise ID)."""
    return str(context.team_id or context.enterprise_id or "")


class MentorCommand:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def add(self, name: str, usage: str, description: str, handler: Subcommand, listed: bool = True) -> None:
        self._entries[name] = _Entry(usage, description, handler, listed)

    def help_lines(self) -> list[tuple[str, str]]:
        listed = [(e.usage, e.description) for e in self._entries.values() if e.listed]
        return [*listed, ("help", "show this list")]

    def __call__(
        self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        name, _, args = str(command.get("text") or "").strip().partition(" ")
        entry = self._entries.get(name.lower())
        if entry is None:
            unknown = None if name.lower() in {"", "help"} else name
            ack(**help_message(self.help_lines(), unknown).as_kwargs())
            return
        entry.handler(
            Invocation(
                team_id=workspace_of(context),
                user_id=str(command["user_id"]),
                args=args.strip(),
                trigger_id=str(command.get("trigger_id") or ""),
                ack=ack,
                respond=respond,
                client=client,
            )
        )
