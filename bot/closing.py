"""Closing well: a no-fault end with a private reason, the end of the agreed length, and staying in touch."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.activity import lock_due
from bot.errors import PairClosed
from bot.pairs import PairView, end_pair, pair_for_member, view_of
from storage.models import Pair, PairStatus

END_REASONS = {
    "goals_reached": "We reached what we set out to do",
    "schedules": "Our schedules don't fit any more",
    "fit": "It isn't the right fit",
    "other": "Another reason",
}
STAY_IN_TOUCH_EVERY = timedelta(days=365)


def end_by_member(session: Session, team_id: str, user_id: str, pair_id: int, reason: str, now: datetime) -> PairView:
    """Either person ends the pair; the reason is kept for the program, never shown to the partner."""
    pair = pair_for_member(session, team_id, user_id, pair_id)
    if pair.status not in (PairStatus.ACTIVE, PairStatus.PROPOSED):
        raise PairClosed(pair.status)
    end_pair(session, pair, reason if reason in END_REASONS else "other", now)
    return view_of(session, pair)


def due_endings(session: Session, now: datetime, limit: int) -> list[PairView]:
    """Pairs whose agreed length is over: they end, with thanks and a final evaluation."""
    ended = []
    query = select(Pair.id).where(Pair.status == PairStatus.ACTIVE, Pair.ends_at <= now).limit(limit)
    for pair_id in lock_due(session, query, Pair.team_id):
        pair = session.get_one(Pair, pair_id)
        end_pair(session, pair, "completed", now)
        ended.append(view_of(session, pair))
    return ended


def stay_in_touch(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    pair = pair_for_member(session, team_id, user_id, pair_id)
    pair.stay_in_touch_at = now + STAY_IN_TOUCH_EVERY
    return view_of(session, pair)


def due_touch_nudges(session: Session, now: datetime, limit: int) -> list[PairView]:
    nudged = []
    query = select(Pair.id).where(Pair.stay_in_touch_at <= now).limit(limit)
    for pair_id in lock_due(session, query, Pair.team_id):
        pair = session.get_one(Pair, pair_id)
        pair.stay_in_touch_at = now + STAY_IN_TOUCH_EVERY
        nudged.append(view_of(session, pair))
    return nudged
