"""Slack listeners, grouped by feature of a pair's journey; `register` wires them all into a Bolt app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.services import Services
from bot.text import drop_control_characters
from handlers import admin, celebrate, checkins, feedback, find, goals, home, intro, join, privacy
from handlers.router import MentorCommand


def _clean_payload(body: dict[str, Any], next: Callable[[], None]) -> None:
    """Everything people type passes through here first, so no listener ever sees a control character."""
    drop_control_characters(body)
    next()


def register(app: App, services: Services) -> MentorCommand:
    app.use(_clean_payload)
    command = MentorCommand()
    for feature in (join, find, intro, goals, checkins, feedback, celebrate, home, privacy, admin):
        feature.register(app, services, command)
    app.command("/mentor")(command)
    return command
