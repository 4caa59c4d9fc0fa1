"""App Home: publishes the person's dashboard when they open it and after anything on it changes."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.dashboard import dashboard
from bot.home import refresh_home
from bot.services import Services
from bot.views.home import status_message
from handlers.router import Invocation, MentorCommand, Routes, workspace_of


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def on_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("tab", "home") == "home":
            refresh_home(services, client, workspace_of(context), str(event["user"]))

    def on_status(call: Invocation) -> None:
        with services.db.unit_of_work() as session:
            board = dashboard(session, call.team_id, call.user_id)
        call.ack(**status_message(board).as_kwargs())

    command.add("status", "status", "your pairs, agreements, goals and open requests at a glance", on_status)
    app.event("app_home_opened")(on_home_opened)
