"""Due work of evaluations: invitations at the program's days and at the end, and one reminder."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.due.work import BATCH, Due, DueWork, Step
from bot.evaluations import due_evaluations, due_reminders, request_evaluations
from bot.nudges import Nudge
from bot.views.evaluations import invitation_message


def invite(session: Session, due: Due) -> Step:
    step = Step()
    pairs = due_evaluations(session, due.now, BATCH)
    for pair_id in pairs:
        for ask in request_evaluations(session, pair_id, due.now):
            step.nudges.append(Nudge(ask.team_id, f"evaluation:{ask.id}", invitation_message(ask), user_id=ask.user_id))
            step.handled += 1
    step.more = len(pairs) == BATCH
    return step


def remind(session: Session, due: Due) -> Step:
    asks = due_reminders(session, due.now, BATCH)
    nudges = [
        Nudge(ask.team_id, f"evaluation:{ask.id}:reminder", invitation_message(ask, reminder=True), user_id=ask.user_id)
        for ask in asks
    ]
    return Step(nudges=nudges, more=len(asks) == BATCH)


DUE = (
    DueWork("evaluations", invite, counts_as="evaluations"),
    DueWork("evaluation reminders", remind),
)
