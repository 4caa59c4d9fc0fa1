"""The last listeners: every signed request is acknowledged, including ones no feature handles.

Bolt answers 404 to a request no listener matches; Slack retries it and turns event delivery off for apps that
fail often. These match anything, so they are wired after every feature's listeners.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.profiles import get_profile
from bot.views.messages import stale_button_message, stale_form_modal
from handlers.actor import Actor, action_id_of

log = logging.getLogger(__name__)
ANYTHING = re.compile(".*")


def answer_stale_button(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    log.info("a click on %r, which this version no longer handles", action_id_of(body))
    if not actor.user_id:
        return
    with actor.reading() as session:
        joined = get_profile(session, actor.team_id, actor.user_id) is not None
    message = stale_button_message(joined)
    if body.get("response_url"):
        respond(replace_original=False, **message.as_kwargs())
    else:
        actor.dm(message)


def answer_stale_form(ack: Ack, view: dict[str, Any]) -> None:
    log.info("a submitted form %r, which this version no longer handles", view.get("callback_id"))
    ack(response_action="update", view=stale_form_modal())


def answer_unknown_menu(ack: Ack) -> None:
    ack(options=[])


def acknowledge(ack: Ack) -> None:
    ack()


def ignore_event() -> None:
    """Events are acknowledged by Bolt before a listener runs; there is nothing more to do."""


def register_last(app: App) -> None:
    app.action(ANYTHING)(answer_stale_button)
    app.view(ANYTHING)(answer_stale_form)
    app.view_closed(ANYTHING)(acknowledge)
    app.shortcut(ANYTHING)(acknowledge)
    app.options(ANYTHING)(answer_unknown_menu)
    app.event(ANYTHING)(ignore_event)
