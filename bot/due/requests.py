"""Due work of requests: a reminder to the mentor, then expiry (the mentee told, the mentor's DM updated)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.due.work import Due, DueWork, Step, both
from bot.nudges import Nudge
from bot.programs import program_admins
from bot.requests import claim_due_expiry, claim_due_reminder, expired_count
from bot.views.find import expired_for_admins, expired_for_mentee, expired_for_mentor, reminder_message


def remind(session: Session, due: Due) -> Step:
    request = claim_due_reminder(session, due.now)
    if request is None:
        return Step()
    key = f"request:{request.id}:reminder"
    nudge = Nudge(request.team_id, key, reminder_message(request), user_id=request.mentor_user_id)
    return Step(handled=1, nudges=[nudge], more=True)


def expire(session: Session, due: Due) -> Step:
    request = claim_due_expiry(session, due.now)
    if request is None:
        return Step()
    team_id, key = request.team_id, f"request:{request.id}:expired"
    nudges = [Nudge(team_id, f"{key}:mentee", expired_for_mentee(request), user_id=request.mentee_user_id)]
    if request.mentor_channel and request.mentor_message_ts:
        nudges.append(
            Nudge(
                team_id,
                f"{key}:mentor",
                expired_for_mentor(request),
                channel_id=request.mentor_channel,
                update_ts=request.mentor_message_ts,
            )
        )
    total = expired_count(session, team_id, request.mentor_user_id)
    for admin in program_admins(session, request.program_id, due.configured_admins):
        nudges.append(Nudge(team_id, f"{key}:admin:{admin}", expired_for_admins(request, total), user_id=admin))
    return Step(handled=1, nudges=nudges, homes=both(request), more=True)


DUE = (
    DueWork("request reminders", remind, counts_as="reminders"),
    DueWork("request expiry", expire, counts_as="expired"),
)
