"""App Home: publishes the person's dashboard when they open it and after anything on it changes."""

from __future__ import annotations

from typing import Any

from bot.dashboard import dashboard
from bot.views.home import status_message
from handlers.actor import Actor
from handlers.routing import Invocation, MentorCommand, Routes


def show_home(event: dict[str, Any], actor: Actor) -> None:
    if event.get("tab", "home") == "home":
        actor.refresh_homes(str(event["user"]))


def status_command(call: Invocation) -> None:
    with call.actor.unit_of_work() as session:
        board = dashboard(session, call.team_id, call.user_id)
    call.ack(**status_message(board).as_kwargs())


def register(app: Routes, command: MentorCommand) -> None:
    command.add("status", "status", "your pairs, agreements, goals and open requests at a glance", status_command)
    app.event("app_home_opened")(show_home)
