"""Due work of meetings: one gentle nudge, to the mentee, when no time was picked three days after the offer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.due.work import BATCH, Due, DueWork, Step
from bot.meetings import claim_nudge, due_nudges
from bot.nudges import Nudge
from bot.views.meetings import unpicked_nudge_message


def nudge_unpicked(session: Session, due: Due) -> Step:
    step = Step()
    meetings = due_nudges(session, due.now, BATCH)
    for meeting_id in meetings:
        nudge = claim_nudge(session, meeting_id, due.now)
        if nudge is not None:
            message = unpicked_nudge_message(nudge)
            step.nudges.append(Nudge(nudge.pair.team_id, f"meeting:{meeting_id}:nudge", message, user_id=nudge.to))
            step.handled += 1
    step.more = len(meetings) == BATCH
    return step


DUE = (DueWork("meeting nudges", nudge_unpicked),)
