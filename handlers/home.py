"""App Home: publishes the person's dashboard when they open it and after anything on it changes."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.dashboard import dashboard
from bot.programs import program_admins
from bot.report import program_report
from bot.services import Services
from bot.slack import publish_home
from bot.views.home import home_view, status_message
from handlers.router import Invocation, MentorCommand, Routes, workspace_of


def refresh_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """Publish the person's dashboard; program admins also see the program's health report."""
    with services.db.unit_of_work() as session:
        board = dashboard(session, team_id, user_id)
        admin = user_id in program_admins(session, team_id, services.settings.admins)
        report = program_report(session, team_id) if admin else None
    publish_home(client, user_id, home_view(board, report))


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
