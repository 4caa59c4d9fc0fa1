"""Group workflows that reach Slack: a new member's group DM (a group DM can't gain members, so everyone moves to
a new one), and what a group hears when someone leaves or it ends."""

from __future__ import annotations

import logging
from datetime import datetime
from secrets import token_hex

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.group_life import GroupView, Left, begin, join_circle, moved_to, open_offer_for
from bot.group_meetings import PickedTime
from bot.invites import google_calendar_link, meeting_invite, outlook_link, series_rule
from bot.meetings import NO_REPLY
from bot.nudges import Nudge
from bot.outbox import deliver, enqueue
from bot.services import Services
from bot.slack import open_dm, post, upload_to_channel, user_email
from bot.views.group_life import (
    GROUP_INVITE_FILENAME,
    agreement_prompt,
    evaluation_invitation,
    group_ended_message,
    group_invite_comment,
    group_invite_description,
    group_invite_message,
    group_invite_title,
    group_thanks_post,
    left_group_message,
    offer_message,
    waiting_for_round_message,
    welcome_message,
    you_left_message,
)
from storage.models import Circle, CircleStatus, Person, PersonStatus, Program, ProgramFormat

log = logging.getLogger(__name__)


def started(session: Session, circle_id: int, channel_id: str, now: datetime) -> None:
    """A new group's life begins after its intro: its first turn, its end date, and the ask for an agreement."""
    group = begin(session, circle_id, now)
    enqueue(
        session, group.team_id, f"circle:{circle_id}:agreement-ask", agreement_prompt(group), now, channel_id=channel_id
    )


def welcome(services: Services, client: WebClient, group: GroupView, user_id: str) -> GroupView:
    """Open the group DM with everyone (the newcomer included), move the group there and welcome them."""
    now = services.clock.now()
    try:
        channel = open_dm(client, list(group.members))
    except SlackApiError:
        log.exception("could not open the new group DM of circle %s", group.id)
        return group
    with services.db.unit_of_work() as session:
        moved_to(session, group.id, channel)
        enqueue(
            session,
            group.team_id,
            f"circle:{group.id}:welcome:{user_id}",
            welcome_message(group, user_id),
            now,
            channel_id=channel,
        )
    deliver(services.db, lambda _team: client, now)
    return group


def join_group(services: Services, client: WebClient, team_id: str, user_id: str, circle_id: int) -> GroupView:
    """A program member takes a free place in a group (from `/mentor find`): `NotYours` when they may not,
    `NoLongerOpen` when it is full or they already have a group."""
    with services.db.unit_of_work() as session:
        group = join_circle(session, team_id, user_id, circle_id, services.clock.now())
    return welcome(services, client, group, user_id)


def ending_nudges(group: GroupView, completed: bool) -> list[Nudge]:
    """The group hears it has ended; each last member is asked, alone, for their private final evaluation."""
    nudges = [
        Nudge(group.team_id, f"circle:{group.id}:final:{user}", evaluation_invitation(group, "final"), user_id=user)
        for user in group.members
    ]
    if group.channel_id:
        ended = group_ended_message(group, completed)
        nudges.insert(0, Nudge(group.team_id, f"circle:{group.id}:ended", ended, channel_id=group.channel_id))
    return nudges


def leaving_nudges(left: Left) -> list[Nudge]:
    """The group hears only that they left (and what happens next); the leaver hears it is done; a place may be
    offered to someone waiting, and an ended group asks everyone for the final evaluation."""
    group = left.group
    nudges = [
        Nudge(
            group.team_id, f"circle:{group.id}:left:{left.user_id}:you", you_left_message(group), user_id=left.user_id
        )
    ]
    if group.channel_id:
        message = left_group_message(group, left.user_id, left.ended, left.offered is not None)
        nudges.append(
            Nudge(group.team_id, f"circle:{group.id}:left:{left.user_id}", message, channel_id=group.channel_id)
        )
    if left.offered is not None:
        offer = left.offered
        nudges.append(Nudge(group.team_id, f"circle-offer:{offer.id}", offer_message(offer), user_id=offer.user_id))
    if left.ended:
        nudges += [n for n in ending_nudges(group, completed=False) if n.channel_id is None]
    return nudges


def late_joiner_nudges(session: Session, person: Person, now: datetime) -> list[Nudge]:
    """Someone joins a group or circle program after its round: a place in a group with room, or word that they
    wait for the next round. Nothing before the first round (it places them with everyone else)."""
    program = session.get_one(Program, person.program_id)
    if program.format is ProgramFormat.ONE_TO_ONE or person.status is not PersonStatus.ACTIVE:
        return []
    formed = session.scalar(
        select(Circle.id).where(Circle.program_id == program.id, Circle.status == CircleStatus.ACTIVE).limit(1)
    )
    if formed is None:
        return []
    offer = open_offer_for(session, person, now)
    if offer is not None:
        return [Nudge(person.team_id, f"circle-offer:{offer.id}", offer_message(offer), user_id=person.slack_user_id)]
    kind = "circle" if program.format is ProgramFormat.CIRCLE else "group"
    waiting = waiting_for_round_message(
        program.name, kind, program.matching_at if program.matching_at and program.matching_at > now else None
    )
    return [Nudge(person.team_id, f"program:{program.id}:waits:{person.id}", waiting, user_id=person.slack_user_id)]


def send_group_invite(client: WebClient, picked: PickedTime) -> None:
    """Share the group's series (.ics, RRULE from its cadence until its end) in its group DM, with calendar links.
    A new pick later sends the same event UID with a higher SEQUENCE, so calendars move the meetings."""
    group = picked.group
    if not group.channel_id:
        return
    emails = {user: user_email(client, user) for user, _ in picked.people}
    names = dict(picked.people)
    organiser = group.mentor or group.members[0]
    title, description = group_invite_title(group), group_invite_description(group)
    ics = meeting_invite(
        uid=f"circle-{group.id}@mentorbot",
        sequence=int(picked.picked_at.timestamp()),
        stamp=picked.picked_at,
        start=picked.start,
        minutes=picked.minutes,
        title=title,
        description=description,
        organiser_email=emails.get(organiser) or NO_REPLY,
        attendees=[(names[user], email) for user, email in emails.items() if email],
        timezone=picked.timezone,
        rule=series_rule(picked.cadence, picked.until) if picked.until else None,
    )
    google = google_calendar_link(start=picked.start, minutes=picked.minutes, title=title, description=description)
    outlook = outlook_link(start=picked.start, minutes=picked.minutes, title=title, description=description)
    message = group_invite_message(picked, google, outlook)
    try:
        upload_to_channel(client, group.channel_id, GROUP_INVITE_FILENAME, ics, title, group_invite_comment(picked))
        post(client, group.channel_id, message)
    except SlackApiError:
        log.exception("could not share the invite of circle %s", group.id)


def thank_group(services: Services, client: WebClient, group: GroupView, user_id: str, text: str) -> None:
    """Post their thanks in the group's DM, through the outbox (so it is kept before anyone reads it)."""
    if not group.channel_id:
        return
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        key = f"circle:{group.id}:thanks:{user_id}:{token_hex(8)}"
        enqueue(session, group.team_id, key, group_thanks_post(user_id, text), now, channel_id=group.channel_id)
    deliver(services.db, lambda _team: client, now)
