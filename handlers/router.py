"""The `/mentor` slash command: one entry point that dispatches on the first word and answers with help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.views.help import help_message


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
