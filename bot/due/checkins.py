"""Due work of check-ins: on the pair's cadence, inside both working days."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.checkins import due_checkins, open_checkin
from bot.due.work import BATCH, Due, DueWork, Step, to_pair
from bot.views.checkins import checkin_message


def open_due(session: Session, due: Due) -> Step:
    step = Step()
    pairs = due_checkins(session, due.now, BATCH)
    for pair_id in pairs:
        checkin = open_checkin(session, pair_id, due.now)
        if checkin is not None:
            step.nudges += to_pair(checkin.team_id, f"checkin:{checkin.id}", checkin.pair, checkin_message(checkin))
            step.handled += 1
    step.more = len(pairs) == BATCH
    return step


DUE = (DueWork("check-ins", open_due, counts_as="checkins"),)
