"""A person's App Home: their dashboard, and for program admins the health of a program they manage."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from slack_sdk import WebClient

from bot.dashboard import dashboard
from bot.exports import chart_series
from bot.programs import default_program, manageable
from bot.report import program_report, workspace_overview
from bot.services import Services
from bot.slack import publish_home
from bot.views.home import home_view


def refresh_homes_soon(services: Services, client: WebClient, team_id: str, people: Iterable[str]) -> None:
    """Redraw these people's App Homes after a change they may not be watching: in a worker, once its jobs leave
    it time (`bot.later`; one draw for several changes in a row); elsewhere at once."""
    for person in people:
        if services.later is None:
            refresh_home(services, client, team_id, person)
        else:
            services.later.add(_home_key(team_id, person), partial(refresh_home, services, client, team_id, person))


def refresh_home_now(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """Redraw the person's App Home at once (they are looking at it), instead of a redraw waiting for later."""
    if services.later is not None:
        services.later.discard(_home_key(team_id, user_id))
    refresh_home(services, client, team_id, user_id)


def _home_key(team_id: str, user_id: str) -> str:
    return f"home:{team_id}:{user_id}"


def refresh_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """Publish the person's dashboard; program admins also see their programs at a glance and the first one's
    health report and chart."""
    now = services.clock.now()
    with services.db.reading() as session:
        board = dashboard(session, team_id, user_id, now)
        managed = [p.id for p in manageable(session, team_id, user_id, services.settings.admins, False)]
    if not managed and user_id in services.settings.admins:
        with services.db.unit_of_work() as session:
            managed = [default_program(session, team_id, now).id]
    with services.db.reading() as session:
        report = program_report(session, managed[0], now) if managed else None
        series = chart_series(session, managed[0], now) if managed else None
        overview = workspace_overview(session, managed) if len(managed) > 1 else []
    chart = None if series is None else services.charts.file_for(client, team_id, series)
    publish_home(client, user_id, home_view(board, report, chart, overview))
