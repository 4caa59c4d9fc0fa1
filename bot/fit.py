"""The private fit check two weeks in: each person answers alone; "not a good fit" offers a no-fault end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.pairs import PairView, end_pair, pair_for_member, view_of
from bot.workspaces import installed
from storage.models import FitAnswer, FitCheck, Pair, PairStatus


def claim_due_fit_check(session: Session, now: datetime) -> PairView | None:
    """Take one active pair whose fit check is due; the conditional UPDATE makes it one process's alone."""
    due = session.scalars(
        select(Pair.id)
        .where(Pair.status == PairStatus.ACTIVE, Pair.fit_check_at <= now, installed(Pair.team_id))
        .order_by(Pair.fit_check_at)
        .limit(1)
    ).first()
    if due is None:
        return None
    claimed = session.execute(update(Pair).where(Pair.id == due, Pair.fit_check_at <= now).values(fit_check_at=None))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return view_of(session, session.get_one(Pair, due))


def answer(session: Session, team_id: str, user_id: str, pair_id: int, value: FitAnswer, now: datetime) -> PairView:
    """Store (or change) this person's private answer."""
    pair = pair_for_member(session, team_id, user_id, pair_id)
    existing = session.scalars(select(FitCheck).where(FitCheck.pair_id == pair_id, FitCheck.user_id == user_id)).first()
    if existing is None:
        session.add(FitCheck(team_id=team_id, pair_id=pair_id, user_id=user_id, answer=value, created_at=now))
    else:
        existing.answer = value
        existing.created_at = now
    return view_of(session, pair)


def end_without_blame(session: Session, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    pair = pair_for_member(session, team_id, user_id, pair_id)
    end_pair(session, pair, "not_a_fit", now)
    return view_of(session, pair)
