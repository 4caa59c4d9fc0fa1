"""Due work of fit checks: two weeks in, each person privately asked how the pair is going."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.due.work import Due, DueWork, Step
from bot.fit import claim_due_fit_check
from bot.nudges import Nudge
from bot.views.fit import question_message


def ask(session: Session, due: Due) -> Step:
    pair = claim_due_fit_check(session, due.now)
    if pair is None:
        return Step()
    nudges = [
        Nudge(pair.team_id, f"pair:{pair.id}:fitcheck:{person}", question_message(pair, person), user_id=person)
        for person in (pair.mentor_user_id, pair.mentee_user_id)
    ]
    return Step(handled=1, nudges=nudges, more=True)


DUE = (DueWork("fit checks", ask, counts_as="fit_checks"),)
