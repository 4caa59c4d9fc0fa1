"""Due work of groups and circles: the check-in after each meeting (with whose turn is next), and the end."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.due.work import BATCH, Due, DueWork, Nudge, Step
from bot.group_life import GroupView, due_group_checkins, due_group_endings, open_group_checkin
from bot.views.group_life import evaluation_invitation, group_checkin_message, group_ended_message


def ending_nudges(group: GroupView, completed: bool) -> list[Nudge]:
    """The group hears it has ended; each last member is asked, alone, for their private final evaluation."""
    nudges = [
        Nudge(group.team_id, f"circle:{group.id}:evaluation:{user}", evaluation_invitation(group), user_id=user)
        for user in group.members
    ]
    if group.channel_id:
        ended = group_ended_message(group, completed)
        nudges.insert(0, Nudge(group.team_id, f"circle:{group.id}:ended", ended, channel_id=group.channel_id))
    return nudges


def open_due(session: Session, due: Due) -> Step:
    step = Step()
    circles = due_group_checkins(session, due.now, BATCH)
    for circle_id in circles:
        checkin = open_group_checkin(session, circle_id, due.now)
        if checkin is not None and checkin.group.channel_id:
            message = group_checkin_message(checkin)
            key = f"circle-checkin:{checkin.id}"
            step.nudges.append(Nudge(checkin.group.team_id, key, message, channel_id=checkin.group.channel_id))
            step.handled += 1
    step.more = len(circles) == BATCH
    return step


def end_finished(session: Session, due: Due) -> Step:
    step = Step()
    ended = due_group_endings(session, due.now, BATCH)
    for group in ended:
        step.nudges += ending_nudges(group, completed=True)
    step.handled, step.more = len(ended), len(ended) == BATCH
    return step


DUE = (
    DueWork("group check-ins", open_due, counts_as="checkins"),
    DueWork("groups at their end", end_finished, counts_as="closed"),
)
