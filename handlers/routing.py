"""Where features wire their listeners: `/mentor` subcommands, and buttons and forms routed by ID in one step.

Bolt tries its listeners one at a time, and each try costs about 0.15 ms (it builds the arguments of the
listener's matcher). With some fifty buttons and forms, a click used to pay for dozens of misses before its own
listener ran. Here Bolt sees one listener for all buttons and one for all form submissions, ahead of the rarer
events; each finds its listener in a dict and calls it with the arguments it names, as Bolt would.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deliveries import PENDING, Pending
from bot.views.blocks import Message
from bot.views.help import help_message
from handlers.actor import ACTOR, Actor, action_id_of

log = logging.getLogger(__name__)
Listener = Callable[..., Any]


def pending_delivery(context: BoltContext) -> Pending | None:
    """The delivery whose duplicate check was left to this request's job (see `Pending`)."""
    pending = context.get(PENDING)
    return pending if isinstance(pending, Pending) else None


# What a routed listener may name as an argument, as Bolt's own listeners may.
_ARGUMENTS: dict[str, Callable[[dict[str, Any], BoltContext], Any]] = {
    "ack": lambda body, context: context.ack,
    "body": lambda body, context: body,
    "context": lambda body, context: context,
    "client": lambda body, context: context.client,
    "respond": lambda body, context: context.respond,
    "view": lambda body, context: body.get("view") or {},
    "actor": lambda body, context: context[ACTOR],
    "delivery": lambda body, context: pending_delivery(context),
}


def _caller(listener: Listener) -> Callable[[dict[str, Any], BoltContext], Any]:
    names = list(inspect.signature(listener).parameters)
    unknown = [name for name in names if name not in _ARGUMENTS]
    if unknown:
        raise TypeError(f"{listener.__name__} names arguments a routed listener can't have: {unknown}")
    getters = [(name, _ARGUMENTS[name]) for name in names]

    def call(body: dict[str, Any], context: BoltContext) -> Any:
        return listener(**{name: get(body, context) for name, get in getters})

    return call


@dataclass(frozen=True)
class Invocation:
    """One `/mentor <subcommand> <args>` call, parsed."""

    actor: Actor
    args: str
    trigger_id: str
    response_url: str
    ack: Ack
    respond: Respond
    # Set for a subcommand added with `checked_after_ack`: hand it to `once_after_ack` with the work.
    delivery: Pending | None = None

    @property
    def team_id(self) -> str:
        return self.actor.team_id

    @property
    def user_id(self) -> str:
        return self.actor.user_id

    @property
    def client(self) -> WebClient:
        return self.actor.client

    def answer(self, message: Message) -> None:
        """Answer the person who typed the command, privately, under it (through its response_url)."""
        self.respond(**message.as_kwargs())


Subcommand = Callable[[Invocation], None]


@dataclass(frozen=True)
class _Entry:
    usage: str
    description: str
    handler: Subcommand
    listed: bool
    checked_after_ack: bool


class MentorCommand:
    """The `/mentor` slash command: one entry point that dispatches on the first word and answers with help."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def add(
        self,
        name: str,
        usage: str,
        description: str,
        handler: Subcommand,
        listed: bool = True,
        checked_after_ack: bool = False,
    ) -> None:
        """`checked_after_ack`: the handler acks with nothing and hands its work, with `Invocation.delivery`, to
        `once_after_ack`, so a second delivery is found and dropped there instead of before the ack."""
        self._entries[name] = _Entry(usage, description, handler, listed, checked_after_ack)

    def checked_after_ack(self, body: dict[str, Any]) -> bool:
        """The request is this command with a subcommand added with `checked_after_ack`."""
        if not body.get("command"):
            return False
        entry = self._entries.get(str(body.get("text") or "").strip().partition(" ")[0].lower())
        return entry is not None and entry.checked_after_ack

    def help_lines(self) -> list[tuple[str, str]]:
        listed = [(e.usage, e.description) for e in self._entries.values() if e.listed]
        return [*listed, ("help", "show this list")]

    def __call__(self, ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        name, _, args = str(command.get("text") or "").strip().partition(" ")
        entry = self._entries.get(name.lower())
        if entry is None:
            unknown = None if name.lower() in {"", "help"} else name
            ack(**help_message(self.help_lines(), unknown).as_kwargs())
            return
        entry.handler(
            Invocation(
                actor=context[ACTOR],
                args=args.strip(),
                trigger_id=str(command.get("trigger_id") or ""),
                response_url=str(command.get("response_url") or ""),
                ack=ack,
                respond=respond,
                delivery=pending_delivery(context),
            )
        )


class Routes:
    """What a feature's `register` wires its buttons, forms and events into."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._actions: dict[str, Listener] = {}
        self._views: dict[str, Listener] = {}
        self._events: dict[str, Listener] = {}
        self._checked_after_ack: set[str] = set()

    def action(self, action_id: str, checked_after_ack: bool = False) -> Callable[[Listener], Listener]:
        """`checked_after_ack`: as for `MentorCommand.add`; the listener names `delivery` and passes it on."""
        if checked_after_ack:
            self._checked_after_ack.add(action_id)
        return self._adder(self._actions, action_id)

    def checked_after_ack(self, body: dict[str, Any]) -> bool:
        """The request is a click on a button added with `checked_after_ack`."""
        return action_id_of(body) in self._checked_after_ack

    def view(self, callback_id: str) -> Callable[[Listener], Listener]:
        return self._adder(self._views, callback_id)

    def event(self, event_type: str) -> Callable[[Listener], Listener]:
        return self._adder(self._events, event_type)

    @staticmethod
    def _adder(table: dict[str, Listener], key: str) -> Callable[[Listener], Listener]:
        def add(listener: Listener) -> Listener:
            if key in table:
                raise ValueError(f"two listeners for {key!r}")
            table[key] = listener
            return listener

        return add

    def install(self) -> None:
        """Hand Bolt the listeners, busiest first; call once every feature has registered."""
        actions = {key: _caller(listener) for key, listener in self._actions.items()}
        views = {key: _caller(listener) for key, listener in self._views.items()}

        def on_action(body: dict[str, Any], context: BoltContext) -> Any:
            return actions[str(action_id_of(body))](body, context)

        def on_view(body: dict[str, Any], context: BoltContext) -> Any:
            return views[str(body["view"]["callback_id"])](body, context)

        self.app.action({"type": "block_actions", "action_id": _one_of(actions)})(on_action)
        self.app.view(_one_of(views))(on_view)
        for event_type, listener in self._events.items():
            self.app.event(event_type)(listener)


def _one_of(keys: dict[str, Any]) -> re.Pattern[str]:
    return re.compile(rf"^(?:{'|'.join(re.escape(key) for key in keys)})\Z")
