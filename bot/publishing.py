"""Publishing a matching round: each proposed pair is asked to confirm, and each answer reaches the partner.

The messages are queued in the outbox in the transaction that publishes or answers; the caller tells the admin
(or the person who answered) first and delivers the queue after, so nobody waits for a round's whole fan-out.
"""

from __future__ import annotations

from datetime import datetime

from bot.outbox import enqueue
from bot.pairs import PairView
from bot.rounds import PublishedRound, confirm_pair, decline_pair, publish_round
from bot.services import Services
from bot.views.rounds import (
    declined_for_partner_message,
    fewer_mentors_message,
    proposal_message,
    unmatched_message,
)


def publish(services: Services, team_id: str, round_id: int, now: datetime) -> PublishedRound:
    """Publish a draft round: ask both people of every pair it proposes, and tell everyone it left out why."""
    with services.db.unit_of_work() as session:
        published = publish_round(session, team_id, round_id, now)
        for pair in published.pairs:
            for person in (pair.mentee_user_id, pair.mentor_user_id):
                key = f"round:{published.round_id}:pair:{pair.id}:{person}"
                enqueue(session, team_id, key, proposal_message(pair, person), now, user_id=person)
        for person, reason in published.unmatched:
            key = f"round:{published.round_id}:unmatched:{person}"
            enqueue(session, team_id, key, unmatched_message(reason), now, user_id=person)
        for person, got, reason in published.short:
            key = f"round:{published.round_id}:short:{person}"
            enqueue(session, team_id, key, fewer_mentors_message(got, reason), now, user_id=person)
    return published


def confirm_proposal(services: Services, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    """One side says yes; once both have, the pair is active and its conversation can start."""
    with services.db.unit_of_work() as session:
        return confirm_pair(session, team_id, user_id, pair_id, now)


def decline_proposal(services: Services, team_id: str, user_id: str, pair_id: int, now: datetime) -> PairView:
    """One side says no: the proposal ends, and the partner is told (without blame)."""
    with services.db.unit_of_work() as session:
        pair = decline_pair(session, team_id, user_id, pair_id, now)
        partner = pair.mentor_user_id if user_id == pair.mentee_user_id else pair.mentee_user_id
        key = f"pair:{pair.id}:declined:{partner}"
        enqueue(session, team_id, key, declined_for_partner_message(), now, user_id=partner)
    return pair
