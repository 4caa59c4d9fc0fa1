"""Who acted: the workspace, the person and the services, handed to every listener as its `actor` argument.

A global middleware (`remember_actor`) puts one `Actor` in Bolt's context for each request; Bolt passes context
values to listeners by name, so a listener names `actor` and needs no closure and no repeated lines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.clicks import Click
from bot.deliveries import Pending
from bot.dm_channels import send_dm
from bot.errors import InvalidInput, NoLongerOpen, NotYours
from bot.home import refresh_home
from bot.offload import Busy, Job, once_after_ack
from bot.outbox import deliver
from bot.programs import ProgramView, default_program, manageable, view_of_program
from bot.services import Services
from bot.slack import user_info
from bot.views.blocks import Block, Message
from bot.views.messages import busy_message, not_yours_message

log = logging.getLogger(__name__)
ACTOR = "actor"
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Refusals:
    """What a form shows, by field, when its submission can't be taken: `not_yours` when what it is about is
    someone else's (a value the service finds invalid shows the service's own reasons, by field), `closed` when
    that is already settled (`NoLongerOpen`; None: the error is left to Bolt, as nothing the form could say would
    help). With `logged`, a refusal of someone else's is also logged, as what they tried then the first argument."""

    not_yours: dict[str, str]
    closed: dict[str, str] | None = None
    logged: str = ""


@dataclass(frozen=True)
class Actor:
    services: Services
    team_id: str
    user_id: str
    client: WebClient

    def now(self) -> datetime:
        return self.services.clock.now()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session committed when the block ends (see `Database.unit_of_work`)."""
        with self.services.db.unit_of_work() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.services.db.reading() as session:
            yield session

    def dm(self, message: Message) -> None:
        """Tell the person who acted, in their DM with the bot."""
        self.dm_to(self.user_id, message)

    def dm_to(self, user_id: str, message: Message) -> None:
        """Tell someone of this workspace, in their DM with the bot (its channel kept once opened)."""
        send_dm(self.services.db, self.client, self.team_id, user_id, message)

    def after_ack(
        self,
        tell: Callable[[Message], None],
        delivery: Pending | None,
        job: Job[P],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Hand `job` to the workers (see `bot.offload.once_after_ack`). When they have as many jobs waiting as
        they may, nothing is handed over or recorded, and `tell` says so at once, where the answer would have gone:
        the person tries again in a minute rather than waiting for an answer that comes late."""
        try:
            once_after_ack(self.services, delivery, job, *args, **kwargs)
        except Busy:
            log.warning("the workers are busy: told %s to try again (%s)", self.user_id, job.__name__)
            tell(busy_message())

    def refuse(self, what: str) -> None:
        """They acted on a pair, goal or request that is not theirs: log it, change nothing, tell them kindly."""
        log.warning("refused: %s %s", self.user_id, what)
        self.dm(not_yours_message())

    def as_member(
        self, what: str, service: Callable[Concatenate[Session, str, str, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """`service(session, team_id, user_id, *args)` in one unit of work, on something of theirs (a pair, goal,
        check-in…). When it is someone else's (`NotYours`), nothing changes, they are refused and the answer is None;
        the log says `what` they tried, then the first argument (its ID). Other domain errors are the caller's."""
        try:
            with self.unit_of_work() as session:
                return service(session, self.team_id, self.user_id, *args, **kwargs)
        except NotYours:
            self.refuse(f"{what} {args[0]}" if args else what)
            return None

    def open_as_member(
        self,
        trigger_id: str,
        what: str,
        form: Callable[Concatenate[Session, str, str, P], Block],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Open the modal `form(session, team_id, user_id, *args)` builds about something of theirs (see
        `as_member`: when it is someone else's, they are refused instead)."""
        view = self.as_member(what, form, *args, **kwargs)
        if view is not None:
            self.client.views_open(trigger_id=trigger_id, view=view)

    def submit_as_member(
        self,
        ack: Ack,
        refusals: Refusals,
        service: Callable[Concatenate[Session, str, str, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """A form's `as_member`: the form closes when `service` succeeds; when it can't be taken, the form stays open
        showing why (see `Refusals`) and the answer is None."""
        try:
            with self.unit_of_work() as session:
                answer = service(session, self.team_id, self.user_id, *args, **kwargs)
        except (NotYours, InvalidInput) as error:
            if isinstance(error, NotYours) and refusals.logged:
                log.warning("refused: %s %s %s", self.user_id, refusals.logged, args[0] if args else "")
            problems = error.problems if isinstance(error, InvalidInput) else {}
            ack(response_action="errors", errors=problems or refusals.not_yours)
            return None
        except NoLongerOpen:
            if refusals.closed is None:
                raise
            ack(response_action="errors", errors=refusals.closed)
            return None
        ack()
        return answer

    def managed_programs(self) -> list[ProgramView]:
        """The programs they may manage: all when named in MENTORBOT_ADMINS or a Slack workspace admin, else
        those that name them as an admin."""
        workspace_admin = user_info(self.client, self.user_id).is_workspace_admin
        with self.unit_of_work() as session:
            default_program(session, self.team_id, self.now())
            programs = manageable(session, self.team_id, self.user_id, self.services.settings.admins, workspace_admin)
            return [view_of_program(p) for p in programs]

    def manages_workspace(self) -> bool:
        """They may create programs and manage every one: MENTORBOT_ADMINS and Slack workspace admins."""
        return self.user_id in self.services.settings.admins or user_info(self.client, self.user_id).is_workspace_admin

    def is_admin(self) -> bool:
        """They may manage at least one program."""
        return bool(self.managed_programs())

    def manages(self, program_id: int) -> bool:
        return any(p.id == program_id for p in self.managed_programs())

    def refresh_homes(self, *people: str) -> None:
        """Redraw these people's App Homes after something on them changed."""
        for person in people:
            refresh_home(self.services, self.client, self.team_id, person)

    def send_queued(self) -> None:
        """Deliver what is due in the outbox now (what this request queued among it), not at the next tick."""
        deliver(self.services.db, lambda _team: self.client, self.now())


def workspace_of(context: BoltContext) -> str:
    """The workspace a request belongs to (an org-wide install has only an enterprise ID)."""
    return str(context.team_id or context.enterprise_id or "")


def _user_of(body: dict[str, Any], context: BoltContext) -> str:
    user = body.get("user")
    if isinstance(user, dict) and user.get("id"):
        return str(user["id"])
    return str(body.get("user_id") or context.user_id or "")


def remember_actor(services: Services) -> Callable[..., None]:
    """The global middleware that puts this request's `Actor` in Bolt's context."""

    def remember(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:
        context[ACTOR] = Actor(services, workspace_of(context), _user_of(body, context), context.client)
        next()

    return remember


def action_value(body: dict[str, Any]) -> int:
    """The numeric ID a button carries as its value (0 when it carries none, which matches nothing)."""
    try:
        return int(body["actions"][0]["value"])
    except (KeyError, IndexError, ValueError, TypeError):
        return 0


def raw_action_value(body: dict[str, Any]) -> str:
    """The text a button carries as its value ("" when it carries none)."""
    try:
        return str(body["actions"][0].get("value") or "")
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""


def selected_value(body: dict[str, Any]) -> str:
    """The value of the option a menu's click selected ("" when it carries none)."""
    try:
        return str(body["actions"][0]["selected_option"]["value"] or "")
    except (KeyError, IndexError, TypeError):
        return ""


def form_refused(ack: Ack, errors: dict[str, str]) -> bool:
    """Keep a submitted form open showing `errors` by field; False, and nothing acknowledged, when there are none."""
    if errors:
        ack(response_action="errors", errors=errors)
    return bool(errors)


def form_id(view: dict[str, Any]) -> int:
    """The numeric ID a form carries in its private metadata (0 when it carries none, which matches nothing)."""
    try:
        return int(view.get("private_metadata") or 0)
    except (ValueError, TypeError):
        return 0


def action_id_of(body: dict[str, Any]) -> str | None:
    """The ID of the button a `block_actions` request clicked (None for anything else, or a malformed one)."""
    actions = body.get("actions") if body.get("type") == "block_actions" else None
    first = actions[0] if isinstance(actions, list) and actions else None
    return str(first.get("action_id")) if isinstance(first, dict) else None


def click_of(body: dict[str, Any], context: BoltContext) -> Click:
    """The click as plain values, for work that goes on in a worker after the ack."""
    return Click(
        team_id=workspace_of(context),
        user_id=_user_of(body, context),
        value=action_value(body),
        response_url=str(body.get("response_url") or ""),
        message_ts=str((body.get("message") or {}).get("ts") or ""),
        token=str(context.bot_token or ""),
    )
