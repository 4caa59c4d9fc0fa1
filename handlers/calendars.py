"""Calendars: `/mentor calendar` (private sign-in links), `disconnect`, and the page a sign-in comes back to."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial

from slack_bolt import Ack, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calendars import (
    CALLBACK_PATHS,
    CalendarError,
    SignInExpired,
    connect,
    connected_provider,
    disconnect,
    providers,
    sign_in_links,
)
from bot.dm_channels import send_dm
from bot.installations import NotInstalled
from bot.services import Services
from bot.views.blocks import Message
from bot.views.calendars import (
    CALENDAR_CONNECT,
    CALENDAR_GOOGLE,
    CALENDAR_MICROSOFT,
    SIGN_IN_DECLINED,
    SIGN_IN_EXPIRED,
    SIGN_IN_UNREACHABLE,
    calendars_off_message,
    connected_message,
    connected_page,
    disconnected_message,
    sign_in_failed_page,
    sign_in_message,
)
from handlers.actor import Actor
from handlers.http import Page
from handlers.routing import Invocation, MentorCommand, Routes
from storage.models import CalendarProvider

log = logging.getLogger(__name__)


def _links_for(actor: Actor) -> Message:
    settings = actor.services.settings
    if not providers(settings):
        return calendars_off_message()
    with actor.unit_of_work() as session:
        connected = connected_provider(session, actor.team_id, actor.user_id)
        links = sign_in_links(session, settings, actor.team_id, actor.user_id)
    return sign_in_message(links, str(connected or ""))


def calendar_command(call: Invocation) -> None:
    if call.args.strip().lower() == "disconnect":
        # Works with calendars switched off since, too: the tokens are deleted all the same.
        with call.actor.unit_of_work() as session:
            provider = disconnect(session, call.team_id, call.user_id)
        call.ack(**disconnected_message(None if provider is None else str(provider)).as_kwargs())
        return
    call.ack(**_links_for(call.actor).as_kwargs())


def ask_for_links(ack: Ack, respond: Respond, actor: Actor) -> None:
    ack()
    respond(replace_original=False, response_type="ephemeral", **_links_for(actor).as_kwargs())


def opened_sign_in(ack: Ack) -> None:
    """A link button opens the provider's sign-in in the browser; Slack still tells the app, which only acks."""
    ack()


def _html(status: int, body: str) -> BoltResponse:
    return BoltResponse(status=status, headers={"Content-Type": "text/html; charset=utf-8"}, body=body)


def came_back(
    services: Services,
    client_for: Callable[[str], WebClient],
    provider: CalendarProvider,
    query: Mapping[str, str],
) -> BoltResponse:
    """The provider's redirect after the person signed in (or said no): keep the tokens, tell them in Slack."""
    if query.get("error"):
        log.info("a %s sign-in came back with %s", provider, query.get("error"))
        return _html(400, sign_in_failed_page(SIGN_IN_DECLINED))
    try:
        connected = connect(services, client_for, provider, query.get("state", ""), query.get("code", ""))
    except SignInExpired:
        return _html(400, sign_in_failed_page(SIGN_IN_EXPIRED))
    except (CalendarError, OSError, ValueError) as error:
        log.warning("a %s sign-in could not be completed: %s", provider, error)
        return _html(502, sign_in_failed_page(SIGN_IN_UNREACHABLE))
    try:
        client = client_for(connected.team_id)
        send_dm(services.db, client, connected.team_id, connected.user_id, connected_message(str(provider)))
    except (SlackApiError, OSError, NotInstalled) as error:
        log.warning("could not tell %s their calendar is connected: %s", connected.user_id, error)
    return _html(200, connected_page(str(provider)))


def pages(services: Services, client_for: Callable[[str], WebClient]) -> dict[str, Page]:
    """The sign-in callbacks of the configured providers, for the HTTP door (none while calendars are off)."""
    return {
        CALLBACK_PATHS[provider]: partial(came_back, services, client_for, provider)
        for provider in providers(services.settings)
    }


def register(app: Routes, command: MentorCommand) -> None:
    command.add(
        "calendar",
        "calendar [disconnect]",
        "connect your calendar so proposed times avoid when you're busy (optional)",
        calendar_command,
    )
    app.action(CALENDAR_CONNECT)(ask_for_links)
    app.action(CALENDAR_GOOGLE)(opened_sign_in)
    app.action(CALENDAR_MICROSOFT)(opened_sign_in)
