"""Pair activity: every sign of life pushes the at-risk and dormancy due times forward."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.cadence import cadence_interval
from bot.workspaces import installed
from storage.dialects import claimed
from storage.models import Pair

QUIET_CADENCES = 3
DORMANT_AFTER = timedelta(days=90)
CLOSE_AFTER_WARNING = timedelta(days=7)


def touch(pair: Pair, now: datetime) -> None:
    """Something happened in this pair: it is neither quiet nor dormant, and any closing warning is withdrawn."""
    pair.last_activity_at = now
    pair.health_check_at = now + cadence_interval(pair.cadence) * QUIET_CADENCES
    pair.dormant_at = now + DORMANT_AFTER
    pair.close_at = None


def lock_due(session: Session, query: Select[int], team: InstrumentedAttribute[str]) -> list[int]:
    """IDs of due rows, locked for this transaction; other processes skip them (PostgreSQL) or wait (SQLite).

    Rows of workspaces that uninstalled the app are left alone until it is installed again.
    """
    return list(session.scalars(claimed(session, query.where(installed(team)))))
