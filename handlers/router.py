"""The `/mentor` slash command: one entry point that dispatches on the first word and answers with help."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.kwargs_injection.utils import build_required_kwargs
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient

from bot.deliveries import PENDING, Pending
from bot.settings import Settings
from bot.slack import make_client, respond_at, send_dm
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
    response_url: str
    ack: Ack
    respond: Respond
    client: WebClient
    # Set for a subcommand added with `checked_after_ack`: hand it to `once_after_ack` with the work.
    delivery: Pending | None = None


Subcommand = Callable[[Invocation], None]


@dataclass(frozen=True)
class Click:
    """One button click as plain values, so its work can continue in a worker process after the ack."""

    team_id: str
    user_id: str
    value: int
    # Empty for a button in the App Home, which has no message to answer under.
    response_url: str
    message_ts: str
    # The bot token of the click's workspace, as Bolt found it (after any rotation); kept out of logs.
    token: str = field(repr=False)

    @classmethod
    def of(cls, body: dict[str, Any], context: BoltContext) -> Click:
        return cls(
            team_id=workspace_of(context),
            user_id=str(body["user"]["id"]),
            value=action_value(body),
            response_url=str(body.get("response_url") or ""),
            message_ts=str((body.get("message") or {}).get("ts") or ""),
            token=str(context.bot_token or ""),
        )

    def client(self, settings: Settings) -> WebClient:
        return make_client(settings.slack_api_url, self.token, settings.slack_api_timeout)

    def answer(self, settings: Settings, message: Message, replace_original: bool = False) -> None:
        """Tell the person who clicked: under (or in place of) the clicked message; from the App Home, which has
        no message to answer, in their DM."""
        if self.response_url:
            respond_at(self.response_url, message, settings.slack_api_timeout, replace_original)
        else:
            send_dm(self.client(settings), self.user_id, message)


@dataclass(frozen=True)
class _Entry:
    usage: str
    description: str
    handler: Subcommand
    listed: bool
    checked_after_ack: bool


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


def action_id_of(body: dict[str, Any]) -> str | None:
    """The ID of the button a `block_actions` request clicked (None for anything else, or a malformed one)."""
    actions = body.get("actions") if body.get("type") == "block_actions" else None
    first = actions[0] if isinstance(actions, list) and actions else None
    return str(first.get("action_id")) if isinstance(first, dict) else None


def pending_delivery(context: BoltContext) -> Pending | None:
    """The delivery whose duplicate check was left to this request's job (see `Pending`)."""
    pending = context.get(PENDING)
    return pending if isinstance(pending, Pending) else None


def workspace_of(context: BoltContext) -> str:
    """The workspace a request belongs to (an org-wide install has only an enterprise ID)."""
    return str(context.team_id or context.enterprise_id or "")


class MentorCommand:
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
                response_url=str(command.get("response_url") or ""),
                ack=ack,
                respond=respond,
                client=client,
                delivery=pending_delivery(context),
            )
        )


Handler = Callable[..., Any]


class Routes:
    """Where features register their listeners: buttons and modal submissions are routed by ID in one step.

    Bolt tries its listeners one at a time, and each try costs about 0.15 ms (it builds the arguments of the
    listener's matcher). With some fifty buttons and modals, a click used to pay for dozens of misses before its
    own listener ran. Here Bolt sees one listener for all buttons and one for all submissions, ahead of the
    rarer events; each finds its handler in a dict and calls it with the arguments it names, as Bolt would.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._actions: dict[str, Handler] = {}
        self._views: dict[str, Handler] = {}
        self._events: dict[str, Handler] = {}
        self._checked_after_ack: set[str] = set()

    def action(self, action_id: str, checked_after_ack: bool = False) -> Callable[[Handler], Handler]:
        """`checked_after_ack`: as for `MentorCommand.add`; the handler passes `pending_delivery(context)` on."""
        if checked_after_ack:
            self._checked_after_ack.add(action_id)
        return self._adder(self._actions, action_id)

    def checked_after_ack(self, body: dict[str, Any]) -> bool:
        """The request is a click on a button added with `checked_after_ack`."""
        return action_id_of(body) in self._checked_after_ack

    def view(self, callback_id: str) -> Callable[[Handler], Handler]:
        return self._adder(self._views, callback_id)

    def event(self, event_type: str) -> Callable[[Handler], Handler]:
        return self._adder(self._events, event_type)

    @staticmethod
    def _adder(table: dict[str, Handler], key: str) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            if key in table:
                raise ValueError(f"two listeners for {key!r}")
            table[key] = handler
            return handler

        return add

    def _route(self, table: dict[str, Handler]) -> Callable[[str, BoltRequest, BoltResponse], Any]:
        """Call the handler registered under a key with the arguments it names (read once, not per request)."""
        names = {key: get_arg_names_of_callable(handler) for key, handler in table.items()}

        def call(key: str, request: BoltRequest, response: BoltResponse) -> Any:
            handler = table[key]
            return handler(
                **build_required_kwargs(
                    logger=log, required_arg_names=names[key], request=request, response=response, this_func=handler
                )
            )

        return call

    def install(self) -> None:
        """Hand Bolt the listeners, busiest first; call once every feature has registered."""
        call_action, call_view = self._route(self._actions), self._route(self._views)

        def on_action(body: dict[str, Any], request: BoltRequest, response: BoltResponse) -> Any:
            return call_action(str(action_id_of(body)), request, response)

        def on_view(body: dict[str, Any], request: BoltRequest, response: BoltResponse) -> Any:
            return call_view(str(body["view"]["callback_id"]), request, response)

        self.app.action({"type": "block_actions", "action_id": _one_of(self._actions)})(on_action)
        self.app.view(_one_of(self._views))(on_view)
        for event_type, handler in self._events.items():
            self.app.event(event_type)(handler)


def _one_of(keys: dict[str, Handler]) -> re.Pattern[str]:
    return re.compile(rf"^(?:{'|'.join(re.escape(key) for key in keys)})\Z")
