"""A person's App Home: their dashboard, and for program admins the program's health report."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.dashboard import dashboard
from bot.exports import chart_series
from bot.programs import program_admins
from bot.report import program_report
from bot.services import Services
from bot.slack import publish_home
from bot.views.home import home_view


def refresh_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """Publish the person's dashboard; program admins also see the program's health report."""
    now = services.clock.now()
    with services.db.reading() as session:
        board = dashboard(session, team_id, user_id)
        admin = user_id in program_admins(session, team_id, services.settings.admins)
        report = program_report(session, team_id, now) if admin else None
        series = chart_series(session, team_id, now) if admin else None
    chart = None if series is None else services.charts.file_for(client, team_id, series)
    publish_home(client, user_id, home_view(board, report, chart))
