"""Due work of groups and circles: the check-in after each meeting (with whose turn is next), and the end."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.due.work import BATCH, Due, DueWork, Step
from bot.group_goals import goals_of_group
from bot.group_life import (
    GroupView,
    due_group_checkins,
    due_group_endings,
    due_group_evaluations,
    due_offer_expiries,
    open_group_checkin,
)
from bot.groups import ending_nudges, passed_on_nudges
from bot.nudges import Nudge
from bot.programs import program_admins
from bot.views.group_life import (
    admins_groups_at_risk,
    evaluation_invitation,
    group_checkin_message,
    offer_expired_message,
)


def open_due(session: Session, due: Due) -> Step:
    """Each due group's check-in; the admins of a program hear, once per tick, of groups whose attendance dropped."""
    step = Step()
    circles = due_group_checkins(session, due.now, BATCH)
    at_risk: dict[int, list[GroupView]] = {}
    for circle_id in circles:
        checkin = open_group_checkin(session, circle_id, due.now)
        if checkin is None:
            continue
        if checkin.newly_at_risk:
            at_risk.setdefault(checkin.group.program_id, []).append(checkin.group)
        if checkin.group.channel_id:
            message = group_checkin_message(checkin, goals_of_group(session, circle_id))
            key = f"circle-checkin:{checkin.id}"
            step.nudges.append(Nudge(checkin.group.team_id, key, message, channel_id=checkin.group.channel_id))
            step.handled += 1
    for program_id, groups in at_risk.items():
        team_id = groups[0].team_id
        for admin in program_admins(session, program_id, due.configured_admins):
            key = f"circles-at-risk:{program_id}:{admin}:{due.now.isoformat()}"
            step.nudges.append(Nudge(team_id, key, admins_groups_at_risk(groups), user_id=admin))
    step.more = len(circles) == BATCH
    return step


def ask_evaluations(session: Session, due: Due) -> Step:
    step = Step()
    asked = due_group_evaluations(session, due.now, BATCH)
    for group, milestone in asked:
        for user in group.members:
            message = evaluation_invitation(group, milestone)
            step.nudges.append(Nudge(group.team_id, f"circle:{group.id}:{milestone}:{user}", message, user_id=user))
        step.handled += 1
    step.more = len(asked) == BATCH
    return step


def end_finished(session: Session, due: Due) -> Step:
    step = Step()
    ended = due_group_endings(session, due.now, BATCH)
    for group in ended:
        step.nudges += ending_nudges(group, completed=True)
    step.handled, step.more = len(ended), len(ended) == BATCH
    return step


def expire_offers(session: Session, due: Due) -> Step:
    step = Step()
    expired = due_offer_expiries(session, due.now, BATCH)
    for answered in expired:
        group = answered.group
        note = Nudge(
            group.team_id,
            f"circle:{group.id}:offer-expired:{answered.user_id}",
            offer_expired_message(group),
            user_id=answered.user_id,
        )
        step.nudges += [note, *passed_on_nudges(answered)]
    step.handled, step.more = len(expired), len(expired) == BATCH
    return step


DUE = (
    DueWork("offered places nobody answered", expire_offers),
    DueWork("group check-ins", open_due, counts_as="checkins"),
    DueWork("group evaluations", ask_evaluations, counts_as="evaluations"),
    DueWork("groups at their end", end_finished, counts_as="closed"),
)
