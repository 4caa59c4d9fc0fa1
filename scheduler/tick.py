"""One scheduler pass: claim what is due, write its messages to the outbox in the same transaction, deliver."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.checkins import due_checkins, open_checkin
from bot.closing import due_endings, due_touch_nudges
from bot.deliveries import prune
from bot.evaluations import due_evaluations, due_reminders, request_evaluations
from bot.fit import claim_due_fit_check
from bot.health import AtRisk, assess, due_closures, due_dormancy_warnings, due_health_checks
from bot.home import refresh_home
from bot.installations import NotInstalled
from bot.outbox import Delivery, Pacer, deliver, enqueue
from bot.pairs import PairView
from bot.programs import program_admins
from bot.requests import RequestView, claim_due_expiry, claim_due_reminder, expired_count
from bot.services import Services
from bot.views.blocks import Message
from bot.views.checkins import checkin_message
from bot.views.closing import closing_message, touch_nudge
from bot.views.evaluations import invitation_message
from bot.views.find import expired_for_admins, expired_for_mentee, expired_for_mentor, reminder_message
from bot.views.fit import question_message
from bot.views.health import admins_at_risk, closed_for_inactivity, dormancy_warning, kind_checkin

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class TickReport:
    reminders: int = 0
    expired: int = 0
    fit_checks: int = 0
    checkins: int = 0
    evaluations: int = 0
    at_risk: int = 0
    closed: int = 0
    delivery: Delivery = field(default_factory=Delivery)

    def summary(self) -> str:
        return (
            f"reminders {self.reminders}, expired requests {self.expired}, fit checks {self.fit_checks}, "
            f"check-ins {self.checkins}, evaluations {self.evaluations}, at risk {self.at_risk}, "
            f"closed {self.closed}; messages sent {self.delivery.sent}, retrying {self.delivery.retried}, "
            f"failed {self.delivery.failed}"
        )


def _to_pair(session: Session, team_id: str, key: str, pair: PairView, message: Message, now: datetime) -> None:
    if pair.channel_id:
        enqueue(session, team_id, key, message, now, channel_id=pair.channel_id)
    else:
        for person in (pair.mentee_user_id, pair.mentor_user_id):
            enqueue(session, team_id, f"{key}:{person}", message, now, user_id=person)


def _one_at_a_time(services: Services, work: Callable[[Session], bool]) -> int:
    """Repeat `work` (claim one item and queue its messages, in one transaction) until nothing is due."""
    count = 0
    while True:
        with services.db.unit_of_work() as session:
            if not work(session):
                return count
        count += 1


def _both(match: PairView | RequestView) -> set[tuple[str, str]]:
    """The two people of a pair or a request, as (workspace, user)."""
    return {(match.team_id, match.mentor_user_id), (match.team_id, match.mentee_user_id)}


def _request_work(services: Services, now: datetime, changed: set[tuple[str, str]]) -> tuple[int, int]:
    """Remind mentors of waiting requests and expire old ones; `changed` gets the people whose Home changed."""

    def remind(session: Session) -> bool:
        request = claim_due_reminder(session, now)
        if request is not None:
            key = f"request:{request.id}:reminder"
            enqueue(session, request.team_id, key, reminder_message(request), now, user_id=request.mentor_user_id)
        return request is not None

    def expire(session: Session) -> bool:
        request = claim_due_expiry(session, now)
        if request is None:
            return False
        team_id, key = request.team_id, f"request:{request.id}:expired"
        changed.update(_both(request))
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
            enqueue(session, team_id, f"{key}:admin:{admin}", expired_for_admins(request, total), now, user_id=admin)
        return True

    return _one_at_a_time(services, remind), _one_at_a_time(services, expire)


def _fit_checks(services: Services, now: datetime) -> int:
    def ask(session: Session) -> bool:
        pair = claim_due_fit_check(session, now)
        if pair is None:
            return False
        for person in (pair.mentor_user_id, pair.mentee_user_id):
            key = f"pair:{pair.id}:fitcheck:{person}"
            enqueue(session, pair.team_id, key, question_message(pair, person), now, user_id=person)
        return True

    return _one_at_a_time(services, ask)


def _checkins(services: Services, now: datetime) -> int:
    sent = 0
    while True:
        with services.db.unit_of_work() as session:
            due = due_checkins(session, now, BATCH)
            for pair_id in due:
                checkin = open_checkin(session, pair_id, now)
                if checkin is not None:
                    _to_pair(
                        session, checkin.team_id, f"checkin:{checkin.id}", checkin.pair, checkin_message(checkin), now
                    )
                    sent += 1
        if len(due) < BATCH:
            return sent


def _evaluations(services: Services, now: datetime) -> int:
    asked = 0
    while True:
        with services.db.unit_of_work() as session:
            due = due_evaluations(session, now, BATCH)
            for pair_id in due:
                for ask in request_evaluations(session, pair_id, now):
                    enqueue(
                        session, ask.team_id, f"evaluation:{ask.id}", invitation_message(ask), now, user_id=ask.user_id
                    )
                    asked += 1
            reminders = due_reminders(session, now, BATCH)
            for ask in reminders:
                message = invitation_message(ask, reminder=True)
                enqueue(session, ask.team_id, f"evaluation:{ask.id}:reminder", message, now, user_id=ask.user_id)
        if len(due) < BATCH and len(reminders) < BATCH:
            return asked


def _health(services: Services, now: datetime, changed: set[tuple[str, str]]) -> tuple[int, int]:
    """Check on pairs, warn quiet ones, close long-dormant ones; `changed` gets the people whose Home changed."""
    flagged = closed = 0
    while True:
        with services.db.unit_of_work() as session:
            due = due_health_checks(session, now, BATCH)
            by_team: dict[str, list[AtRisk]] = {}
            for pair_id in due:
                risk = assess(session, pair_id, now)
                if risk is not None:
                    by_team.setdefault(risk.team_id, []).append(risk)
                    key = f"pair:{risk.pair.id}:at-risk:{now.isoformat()}"
                    _to_pair(session, risk.team_id, key, risk.pair, kind_checkin(risk.pair), now)
            for team_id, risks in by_team.items():
                flagged += len(risks)
                for admin in program_admins(session, team_id, services.settings.admins):
                    key = f"health:{team_id}:{admin}:{now.isoformat()}:{risks[0].pair.id}"
                    enqueue(session, team_id, key, admins_at_risk(risks), now, user_id=admin)
            warned = due_dormancy_warnings(session, now, BATCH)
            for pair in warned:
                key = f"pair:{pair.id}:dormant:{now.isoformat()}"
                _to_pair(session, pair.team_id, key, pair, dormancy_warning(pair), now)
            ended = due_closures(session, now, BATCH)
            for team_id, pair in ended:
                _to_pair(session, team_id, f"pair:{pair.id}:closed", pair, closed_for_inactivity(pair), now)
                changed.update(_both(pair))
            closed += len(ended)
        if max(len(due), len(warned), len(ended)) < BATCH:
            return flagged, closed


def _endings(services: Services, now: datetime, changed: set[tuple[str, str]]) -> int:
    """End pairs whose agreed time is over, and nudge old pairs that chose to stay in touch."""
    ended = 0
    while True:
        with services.db.unit_of_work() as session:
            finished = due_endings(session, now, BATCH)
            for pair in finished:
                changed.update(_both(pair))
                for person in (pair.mentee_user_id, pair.mentor_user_id):
                    message = closing_message(pair, person, completed=True)
                    enqueue(session, pair.team_id, f"pair:{pair.id}:completed:{person}", message, now, user_id=person)
            nudged = due_touch_nudges(session, now, BATCH)
            for pair in nudged:
                _to_pair(session, pair.team_id, f"pair:{pair.id}:touch:{now.date()}", pair, touch_nudge(pair), now)
            ended += len(finished)
        if max(len(finished), len(nudged)) < BATCH:
            return ended


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
    services: Services, client_for: Callable[[str], WebClient], now: datetime, pacer: Pacer | None = None
) -> TickReport:
    """Everything due at `now`, exactly once across processes, then delivery of the outbox."""
    report = TickReport()
    homes: set[tuple[str, str]] = set()
    report.reminders, report.expired = _request_work(services, now, homes)
    report.fit_checks = _fit_checks(services, now)
    report.checkins = _checkins(services, now)
    report.at_risk, report.closed = _health(services, now, homes)
    report.closed += _endings(services, now, homes)
    report.evaluations = _evaluations(services, now)
    report.delivery = deliver(services.db, client_for, now, pacer)
    _refresh_homes(services, client_for, homes)
    with services.db.unit_of_work() as session:
        prune(session, now)
    if report.delivery.sent or report.delivery.failed:
        log.info("tick at %s: %s", now.isoformat(), report.summary())
    return report
