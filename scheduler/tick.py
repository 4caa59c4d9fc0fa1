"""One scheduler pass: claim what is due, write its messages to the outbox in the same transaction, deliver."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient

from bot.fit import claim_due_fit_check
from bot.outbox import Delivery, deliver, enqueue
from bot.programs import program_admins
from bot.requests import claim_due_expiry, claim_due_reminder, expired_count
from bot.services import Services
from bot.views.find import (
    expired_for_admins,
    expired_for_mentee,
    expired_for_mentor,
    reminder_message,
)
from bot.views.fit import question_message
from storage.models import Pair

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    reminders: int = 0
    expired: int = 0
    fit_checks: int = 0
    delivery: Delivery = field(default_factory=Delivery)

    def summary(self) -> str:
        return (
            f"reminders {self.reminders}, expired requests {self.expired}, fit checks {self.fit_checks}; "
            f"messages sent {self.delivery.sent}, "
            f"retrying {self.delivery.retried}, failed {self.delivery.failed}"
        )


def _request_reminders(services: Services, now: datetime) -> int:
    count = 0
    while True:
        with services.db.unit_of_work() as session:
            request = claim_due_reminder(session, now)
            if request is None:
                return count
            enqueue(
                session,
                request.team_id,
                f"request:{request.id}:reminder",
                reminder_message(request),
                now,
                user_id=request.mentor_user_id,
            )
        count += 1


def _request_expiries(services: Services, now: datetime) -> int:
    count = 0
    while True:
        with services.db.unit_of_work() as session:
            request = claim_due_expiry(session, now)
            if request is None:
                return count
            team_id = request.team_id
            key = f"request:{request.id}:expired"
            enqueue(session, team_id, f"{key}:mentee", expired_for_mentee(request), now, user_id=request.mentee_user_id)
            if request.mentor_channel and request.mentor_message_ts:
                enqueue(
                    session,
                    team_id,
                    f"{key}:mentor",
                    expired_for_mentor(request),
                    now,
                    channel_id=request.mentor_channel,
                    update_ts=request.mentor_message_ts,
                )
            total = expired_count(session, team_id, request.mentor_user_id)
            for admin in program_admins(session, team_id, services.settings.admins):
                enqueue(
                    session, team_id, f"{key}:admin:{admin}", expired_for_admins(request, total), now, user_id=admin
                )
        count += 1


def _fit_checks(services: Services, now: datetime) -> int:
    count = 0
    while True:
        with services.db.unit_of_work() as session:
            pair = claim_due_fit_check(session, now)
            if pair is None:
                return count
            team_id = session.get_one(Pair, pair.id).team_id
            for person in (pair.mentor_user_id, pair.mentee_user_id):
                key = f"pair:{pair.id}:fitcheck:{person}"
                enqueue(session, team_id, key, question_message(pair, person), now, user_id=person)
        count += 1


def run_tick(services: Services, client_for: Callable[[str], WebClient], now: datetime) -> TickReport:
    """Everything due at `now`, exactly once across processes, then delivery of the outbox."""
    report = TickReport()
    report.reminders = _request_reminders(services, now)
    report.expired = _request_expiries(services, now)
    report.fit_checks = _fit_checks(services, now)
    report.delivery = deliver(services.db, client_for, now)
    if report.reminders or report.expired or report.fit_checks or report.delivery.sent or report.delivery.failed:
        log.info("tick at %s: %s", now.isoformat(), report.summary())
    return report
