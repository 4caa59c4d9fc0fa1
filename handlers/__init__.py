"""Slack listeners, grouped by feature of a pair's journey; `register` wires them all into a Bolt app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.deliveries import PENDING, Pending, delivery_key, first_time
from bot.services import Services
from bot.text import drop_control_characters
from handlers import (
    admin,
    calendars,
    celebrate,
    checkins,
    fallback,
    feedback,
    find,
    goals,
    groups,
    home,
    install,
    intro,
    join,
    meetings,
    messages,
    privacy,
)
from handlers.actor import remember_actor, workspace_of
from handlers.routing import MentorCommand, Routes

FEATURES = (
    install,
    join,
    find,
    intro,
    meetings,
    calendars,
    goals,
    checkins,
    groups,
    feedback,
    celebrate,
    home,
    privacy,
    admin,
    messages,
)


def _clean_payload(body: dict[str, Any], next: Callable[[], None]) -> None:
    """Everything people type passes through here first, so no listener ever sees a control character."""
    drop_control_characters(body)
    next()


def register(app: App, services: Services) -> MentorCommand:
    command = MentorCommand()
    routes = Routes(app)

    def once(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
        """Slack retries events and people double-click: the second delivery is acknowledged and dropped."""
        key = delivery_key(body)
        if key is not None and (command.checked_after_ack(body) or routes.checked_after_ack(body)):
            # No write before this ack: the request's job records the delivery, or drops a duplicate.
            context[PENDING] = Pending(key, workspace_of(context))
        elif key is not None:
            with services.db.transaction() as connection:
                fresh = first_time(connection, key, workspace_of(context), services.clock.now())
            if not fresh:
                return BoltResponse(status=200, body="")
        next()
        return None

    app.use(_clean_payload)
    app.use(once)
    app.use(remember_actor(services))
    # Bolt tries listeners in order, and each miss costs about 0.15 ms: the busiest one goes first, and all
    # buttons and modal submissions are behind two routing listeners (see Routes).
    app.command("/mentor")(command)
    for feature in FEATURES:
        feature.register(routes, command)
    routes.install()
    fallback.register_last(app)
    return command
