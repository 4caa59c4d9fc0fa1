"""Due work of cohorts: each step of a cohort's calendar, announced to its channel, its admins and its pairs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.cohorts import claim_due_step
from bot.due.work import Due, DueWork, Step, both, to_pair
from bot.groups import ending_nudges
from bot.nudges import Nudge
from bot.views.circles import GroupLine, circle_preview_message
from bot.views.closing import closing_message
from bot.views.cohorts import (
    ended_for_channel,
    for_admins,
    matching_day,
    matching_day_for_groups,
    relationships,
    signup_closed,
    signup_closing,
    signup_open,
    started_for_channel,
    started_for_pair,
)
from storage.models import CohortStage


def advance(session: Session, due: Due) -> Step:
    done = claim_due_step(session, due.now, due.configured_admins)
    if done is None:
        return Step()
    program, team = done.program, done.team_id
    key = f"cohort:{program.id}:{done.stage}"
    step = Step(handled=1, more=True)
    started = len(done.pairs) + done.groups_started
    finished = len(done.pairs) + len(done.groups)
    channel_post = {
        CohortStage.SIGNUP_OPEN: signup_open(program),
        CohortStage.CLOSING_REMINDED: signup_closing(program),
        CohortStage.SIGNUP_CLOSED: signup_closed(program, done.members),
        CohortStage.STARTED: started_for_channel(program, started),
        CohortStage.ENDED: ended_for_channel(program, finished, done.goals_completed),
    }.get(done.stage)
    if channel_post is not None and program.channel:
        step.nudges.append(Nudge(team, key, channel_post, channel_id=program.channel))
    admin_note = {
        CohortStage.SIGNUP_CLOSED: f"sign-up closed with {done.members} people.",
        CohortStage.STARTED: f"the cohort started today with {relationships(program, started)}.",
        CohortStage.ENDED: f"the cohort ended; {relationships(program, finished)} got their final evaluation.",
    }.get(done.stage)
    for admin in done.admins:
        if done.stage is CohortStage.MATCHING_DAY and done.preview is not None:
            step.nudges.append(Nudge(team, f"{key}:{admin}", matching_day(program, done.preview), user_id=admin))
        elif done.stage is CohortStage.MATCHING_DAY and done.circle_preview is not None:
            preview = done.circle_preview
            lines = [GroupLine(c.user_ids, c.sentence, c.mentor_user_id) for c in preview.circles]
            proposed = circle_preview_message(
                preview.round_id, preview.program, lines, preview.unplaced, preview.min_size, preview.mentoring
            )
            message = matching_day_for_groups(program, proposed, preview.mentoring)
            step.nudges.append(Nudge(team, f"{key}:{admin}", message, user_id=admin))
        elif admin_note:
            step.nudges.append(Nudge(team, f"{key}:{admin}", for_admins(program, admin_note), user_id=admin))
    for group in done.groups:
        step.nudges += ending_nudges(group, completed=True)
    for pair in done.pairs:
        if done.stage is CohortStage.STARTED:
            step.nudges += to_pair(team, f"{key}:pair:{pair.id}", pair, started_for_pair(program, pair))
            continue
        # The cohort's end is the pair's: thanks, the final evaluation to come, and staying in touch.
        for person in (pair.mentee_user_id, pair.mentor_user_id):
            message = closing_message(pair, person, completed=True)
            step.nudges.append(Nudge(team, f"pair:{pair.id}:completed:{person}", message, user_id=person))
        step.homes |= both(pair)
    return step


DUE = (DueWork("cohort calendar", advance),)
