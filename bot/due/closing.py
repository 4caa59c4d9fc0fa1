"""Due work of closing: pairs whose agreed length is over end with thanks; old pairs are nudged to say hello."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.closing import due_endings, due_touch_nudges
from bot.due.work import BATCH, Due, DueWork, Step, both, to_pair
from bot.nudges import Nudge
from bot.views.closing import closing_message, touch_nudge


def end_finished(session: Session, due: Due) -> Step:
    step = Step()
    finished = due_endings(session, due.now, BATCH)
    for pair in finished:
        step.homes |= both(pair)
        for person in (pair.mentee_user_id, pair.mentor_user_id):
            message = closing_message(pair, person, completed=True)
            step.nudges.append(Nudge(pair.team_id, f"pair:{pair.id}:completed:{person}", message, user_id=person))
    step.handled, step.more = len(finished), len(finished) == BATCH
    return step


def stay_in_touch(session: Session, due: Due) -> Step:
    step = Step()
    pairs = due_touch_nudges(session, due.now, BATCH)
    for pair in pairs:
        step.nudges += to_pair(pair.team_id, f"pair:{pair.id}:touch:{due.now.date()}", pair, touch_nudge(pair))
    step.more = len(pairs) == BATCH
    return step


DUE = (
    DueWork("pairs at their end", end_finished, counts_as="closed"),
    DueWork("stay-in-touch nudges", stay_in_touch),
)
