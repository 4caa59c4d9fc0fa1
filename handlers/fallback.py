"""The last listeners: every signed request is acknowledged, including ones no feature handles.

Bolt answers 404 to a request no listener matches; Slack retries it and turns event delivery off for apps that
fail often. These match anything, so they are wired after every feature's listeners.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.profiles import get_profile
from bot.services import Services
from bot.slack import send_dm
from bot.views.messages import stale_button_message, stale_form_modal
from handlers.router import action_id_of, workspace_of

log = logging.getLogger(__name__)
ANYTHING = re.compile(".*")


def register_last(app: App, services: Services) -> None:
    def on_unknown_button(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        user_id = str((body.get("user") or {}).get("id") or "")
        log.info("a click on %r, which this version no longer handles", action_id_of(body))
        if not user_id:
            return
        with services.db.reading() as session:
            joined = get_profile(session, workspace_of(context), user_id) is not None
        message = stale_button_message(joined)
        if body.get("response_url"):
            respond(replace_original=False, **message.as_kwargs())
        else:
            send_dm(client, user_id, message)

    def on_unknown_form(ack: Ack, view: dict[str, Any]) -> None:
        log.info("a submitted form %r, which this version no longer handles", view.get("callback_id"))
        ack(response_action="update", view=stale_form_modal())

    def on_unknown_menu(ack: Ack) -> None:
        ack(options=[])

    def acknowledge(ack: Ack) -> None:
        ack()

    def ignore_event() -> None:
        """Events are acknowledged by Bolt before a listener runs; there is nothing more to do."""

    app.action(ANYTHING)(on_unknown_button)
    app.view(ANYTHING)(on_unknown_form)
    app.view_closed(ANYTHING)(acknowledge)
    app.shortcut(ANYTHING)(acknowledge)
    app.options(ANYTHING)(on_unknown_menu)
    app.event(ANYTHING)(ignore_event)
