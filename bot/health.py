"""Pair health: at-risk pairs (missed check-ins, low ratings, silence) and dormant pairs that close after a warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.activity import CLOSE_AFTER_WARNING, QUIET_CADENCES, lock_due, touch
from bot.cadence import cadence_interval
from bot.checkins import MISSED_FOR_RISK
from bot.pairs import PairView, end_pair, pair_for_member, view_of
from storage.models import Pair, PairStatus


@dataclass(frozen=True)
class AtRisk:
    team_id: str
    pair: PairView
    reasons: list[str]


def _due(session: Session, column: InstrumentedAttribute[datetime | None], now: datetime, limit: int) -> list[int]:
    query = select(Pair.id).where(Pair.status == PairStatus.ACTIVE, column <= now).limit(limit)
    return lock_due(session, query, Pair.team_id)


def due_health_checks(session: Session, now: datetime, limit: int) -> list[int]:
    return _due(session, Pair.health_check_at, now, limit)


def assess(session: Session, pair_id: int, now: datetime) -> AtRisk | None:
    """Newly at-risk pairs, with reasons that quote nobody's confidential text."""
    pair = session.get_one(Pair, pair_id)
    quiet_for = cadence_interval(pair.cadence) * QUIET_CADENCES
    reasons = _risks(pair, now)
    next_quiet = (pair.last_activity_at or now) + quiet_for
    pair.health_check_at = next_quiet if next_quiet > now else None
    if not reasons:
        pair.at_risk_since = None
        return None
    if pair.at_risk_since is not None:
        return None
    pair.at_risk_since = now
    return AtRisk(pair.team_id, view_of(session, pair), reasons)


def _risks(pair: Pair, now: datetime) -> list[str]:
    """Why a pair may need a hand, in words that quote nobody's confidential text."""
    quiet_for = cadence_interval(pair.cadence) * QUIET_CADENCES
    reasons = []
    if pair.missed_checkins >= MISSED_FOR_RISK:
        reasons.append(f"{pair.missed_checkins} check-ins in a row without an answer")
    if pair.low_rating:
        reasons.append("a low score in an evaluation")
    if pair.last_activity_at is not None and pair.last_activity_at + quiet_for <= now:
        reasons.append(f"no activity for {quiet_for.days // 7} weeks")
    return reasons


def at_risk_now(session: Session, program_id: int, now: datetime) -> list[AtRisk]:
    """The program's active pairs flagged at risk, longest-flagged first, each with why."""
    pairs = session.scalars(
        select(Pair)
        .where(Pair.program_id == program_id, Pair.status == PairStatus.ACTIVE, Pair.at_risk_since.is_not(None))
        .order_by(Pair.at_risk_since, Pair.id)
    )
    return [AtRisk(pair.team_id, view_of(session, pair), _risks(pair, now) or ["flagged earlier"]) for pair in pairs]


def due_dormancy_warnings(session: Session, now: datetime, limit: int) -> list[PairView]:
    """Pairs silent for 90 days: warn them and close them a week later unless someone keeps the pair."""
    warned = []
    for pair_id in _due(session, Pair.dormant_at, now, limit):
        pair = session.get_one(Pair, pair_id)
        pair.dormant_at = None
        pair.close_at = now + CLOSE_AFTER_WARNING
        warned.append(view_of(session, pair))
    return warned


def due_closures(session: Session, now: datetime, limit: int) -> list[tuple[str, PairView]]:
    closed = []
    for pair_id in _due(session, Pair.close_at, now, limit):
        pair = session.get_one(Pair, pair_id)
        end_pair(session, pair, "inactive", now)
        closed.append((pair.team_id, view_of(session, pair)))
    return closed


def keep(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    """One click keeps a dormant pair going."""
    pair = pair_for_member(session, team_id, user_id, pair_id)
    if pair.status is PairStatus.ACTIVE:
        touch(pair, now)
        pair.at_risk_since = None
    return view_of(session, pair)
