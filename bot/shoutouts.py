"""Celebrating in public: a finished milestone becomes a shout-out only when both people consent, and a
thank-you reaches the program channel only when its sender shares it."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.celebrate import (
    ThanksView,
    consent,
    program_channel,
    propose_shoutout,
    send_thanks,
    share_thanks,
    validate_thanks,
)
from bot.dm_channels import send_dm
from bot.goals import GoalView
from bot.outbox import deliver, enqueue
from bot.services import Services
from bot.views.celebrate import shoutout_post, shoutout_question, thanks_dm, thanks_post, thanks_sent


def channel_for(services: Services, team_id: str) -> str | None:
    """The program channel celebrations go to, if the workspace has one."""
    with services.db.unit_of_work() as session:
        return program_channel(session, team_id, services.settings.shoutout_channel)


def ask_to_celebrate(services: Services, client: WebClient, goal: GoalView, achievement: str) -> None:
    """Ask both people, privately, whether this may be celebrated in the program channel."""
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        channel = program_channel(session, goal.pair.team_id, services.settings.shoutout_channel, goal.pair.program_id)
        if channel is None:
            return
        shoutout = propose_shoutout(session, goal, achievement, now)
        for person in (goal.pair.mentee_user_id, goal.pair.mentor_user_id):
            key = f"shoutout:{shoutout.id}:ask:{person}"
            enqueue(session, goal.pair.team_id, key, shoutout_question(shoutout, channel), now, user_id=person)
    deliver(services.db, lambda _team: client, now)


def answer_shoutout(
    services: Services, client: WebClient, team_id: str, user_id: str, shoutout_id: int, agree: bool, story: str
) -> bool:
    """Record one person's yes (with their story) or no; the second yes posts the shout-out. True once posted."""
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        shoutout = consent(session, team_id, user_id, shoutout_id, agree, story, now)
        posted = shoutout.status == "posted"
        channel = program_channel(session, team_id, services.settings.shoutout_channel, shoutout.pair.program_id)
        if posted and channel:
            enqueue(session, team_id, f"shoutout:{shoutout.id}", shoutout_post(shoutout), now, channel_id=channel)
    if posted:
        deliver(services.db, lambda _team: client, now)
    return posted


def thank(
    services: Services, client: WebClient, team_id: str, user_id: str, to_user: str | None, message: str
) -> str | None:
    """Send a thank-you to its person, and its sender a copy they may share; or say why not (then nothing is
    stored or sent)."""
    problem = validate_thanks(user_id, to_user, message)
    if problem or to_user is None:
        return problem
    with services.db.unit_of_work() as session:
        thanks = send_thanks(session, team_id, user_id, to_user, message, services.clock.now())
    send_dm(services.db, client, team_id, to_user, thanks_dm(thanks))
    send_dm(services.db, client, team_id, user_id, thanks_sent(thanks, channel_for(services, team_id)))
    return None


def share_in_channel(services: Services, client: WebClient, team_id: str, user_id: str, thanks_id: int) -> ThanksView:
    """The sender shares their thank-you in the program channel (once)."""
    now = services.clock.now()
    channel = channel_for(services, team_id)
    with services.db.unit_of_work() as session:
        thanks = share_thanks(session, team_id, user_id, thanks_id, now)
        if channel:
            enqueue(session, team_id, f"thanks:{thanks.id}", thanks_post(thanks), now, channel_id=channel)
    deliver(services.db, lambda _team: client, now)
    return thanks
