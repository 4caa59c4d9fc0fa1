"""Slack listeners, grouped by feature of a pair's journey; `register` wires them all into a Bolt app."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import admin, celebrate, checkins, feedback, find, goals, home, intro, join
from handlers.router import MentorCommand


def register(app: App, services: Services) -> MentorCommand:
    command = MentorCommand()
    for feature in (join, find, intro, goals, checkins, feedback, celebrate, home, admin):
        feature.register(app, services, command)
    app.command("/mentor")(command)
    return command
