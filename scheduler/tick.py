"""One scheduler pass: walk the registry of due work (`bot.due`), write its messages to the outbox, deliver."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.circle_rounds import open_waiting_circles
from bot.conversations import open_waiting_conversations
from bot.deliveries import prune
from bot.due import REGISTRY
from bot.due.work import Due, DueWork
from bot.home import refresh_home
from bot.installations import NotInstalled
from bot.outbox import Delivery, deliver
from bot.pacing import Pace
from bot.services import Services

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    reminders: int = 0
    expired: int = 0
    fit_checks: int = 0
    checkins: int = 0
    evaluations: int = 0
    at_risk: int = 0
    closed: int = 0
    conversations: int = 0
    delivery: Delivery = field(default_factory=Delivery)

    def summary(self) -> str:
        return (
            f"reminders {self.reminders}, expired requests {self.expired}, fit checks {self.fit_checks}, "
            f"check-ins {self.checkins}, evaluations {self.evaluations}, at risk {self.at_risk}, "
            f"closed {self.closed}; messages sent {self.delivery.sent}, retrying {self.delivery.retried}, "
            f"failed {self.delivery.failed}; group DMs opened late {self.conversations}"
        )


def _run(services: Services, work: DueWork, now: datetime, homes: set[tuple[str, str]]) -> int:
    """Claim `work` batch by batch until nothing is due; each batch's nudges go to the outbox in its transaction."""
    due = Due(now, services.settings.admins)
    handled = 0
    while True:
        with services.db.unit_of_work() as session:
            step = work.step(session, due)
            for nudge in step.nudges:
                nudge.queue(session, now)
        handled += step.handled
        homes |= step.homes
        if not step.more:
            return handled


def _refresh_homes(services: Services, client_for: Callable[[str], WebClient], people: set[tuple[str, str]]) -> None:
    """Redraw the App Home of people whose requests or pairs closed, so it never offers their buttons any more.

    A Home is redrawn whole from the database, so a redraw that fails is only stale until the next one.
    """
    for team_id, user_id in sorted(people):
        try:
            refresh_home(services, client_for(team_id), team_id, user_id)
        except (NotInstalled, SlackApiError, OSError) as error:
            log.warning("could not redraw the App Home of %s in %s: %s", user_id, team_id, error)


def run_tick(
    services: Services, client_for: Callable[[str], WebClient], now: datetime, pace: Pace | None = None
) -> TickReport:
    """Everything due at `now`, exactly once across processes, then delivery of the outbox."""
    report = TickReport()
    homes: set[tuple[str, str]] = set()
    for work in REGISTRY:
        handled = _run(services, work, now, homes)
        if work.counts_as:
            setattr(report, work.counts_as, getattr(report, work.counts_as) + handled)
    report.conversations = open_waiting_conversations(services, client_for, now)
    report.conversations += open_waiting_circles(services, client_for, now)
    report.delivery = deliver(services.db, client_for, now, pace)
    _refresh_homes(services, client_for, homes)
    with services.db.unit_of_work() as session:
        prune(session, now)
    if report.delivery.sent or report.delivery.failed:
        log.info("tick at %s: %s", now.isoformat(), report.summary())
    return report
