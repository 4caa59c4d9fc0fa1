"""Group workflows: each group rule with the messages it decides, queued in the same transaction (the outbox
delivers them), and the steps that reach Slack itself: a new group DM when someone joins or leaves (a group DM
can't gain or lose members, so the group moves), and the calendar invite."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.celebrate import program_channel
from bot.dm_channels import open_group_dm
from bot.errors import InvalidShoutout
from bot.goals import GoalInput
from bot.group_goals import GroupGoal, add_group_goal
from bot.group_life import (
    Agreement,
    Answered,
    GroupView,
    Left,
    ShoutoutView,
    answer_offer,
    answer_shoutout,
    confirm_agreement,
    evaluate_group,
    evaluated_members,
    group_of,
    join_circle,
    moved_to,
    open_offer_for,
    propose_agreement,
    propose_shoutout,
    view_of_group,
    waits_or_belongs,
)
from bot.group_meetings import PickedTime, offer_group_times
from bot.invites import google_calendar_link, meeting_invite, outlook_link, series_rule
from bot.meetings import NO_REPLY
from bot.nudges import Nudge
from bot.outbox import deliver, enqueue
from bot.programs import program_admins
from bot.services import Services
from bot.slack import post, upload_to_channel, user_email
from bot.views.group_life import (
    GROUP_INVITE_FILENAME,
    agreement_message,
    agreement_prompt,
    evaluation_invitation,
    group_ended_message,
    group_goal_message,
    group_invite_comment,
    group_invite_description,
    group_invite_message,
    group_invite_title,
    group_thanks_post,
    group_times_message,
    left_group_message,
    moved_message,
    offer_message,
    shared_evaluation_message,
    shoutout_ask_message,
    shoutout_asked_message,
    shoutout_outcome_message,
    shoutout_post,
    waiting_for_round_message,
    welcome_message,
    you_left_message,
)
from bot.views.group_life import (
    SHOUTOUT as SHOUTOUT_FIELD,
)
from storage.models import Circle, CircleStatus, Person, PersonStatus, Program, ProgramFormat, ShoutoutState

log = logging.getLogger(__name__)


def started(session: Session, circle_id: int, channel_id: str, now: datetime) -> None:
    """After a new group's intro (its turn and end date were set when it was published): the ask for an
    agreement."""
    group = view_of_group(session, session.get_one(Circle, circle_id))
    enqueue(
        session, group.team_id, f"circle:{circle_id}:agreement-ask", agreement_prompt(group), now, channel_id=channel_id
    )


def welcome(services: Services, client: WebClient, group: GroupView, user_id: str) -> bool:
    """Open the group DM with everyone (the newcomer included), move the group there, welcome them, and leave a
    line in the old one; False when Slack wouldn't open it (the group stays where it was)."""
    now = services.clock.now()
    old = group.channel_id
    try:
        channel = open_group_dm(services.db, client, group.team_id, list(group.members))
    except SlackApiError:
        log.exception("could not open the new group DM of circle %s", group.id)
        return False
    with services.db.unit_of_work() as session:
        moved_to(session, group.id, channel)
        key = f"circle:{group.id}:welcome:{user_id}:{now.isoformat()}"
        enqueue(session, group.team_id, key, welcome_message(group, user_id), now, channel_id=channel)
        if old and old != channel:
            enqueue(session, group.team_id, f"{key}:moved", moved_message(group), now, channel_id=old)
    deliver(services.db, lambda _team: client, now)
    return True


def join_group(services: Services, client: WebClient, team_id: str, user_id: str, circle_id: int) -> bool:
    """A program member takes a free place in a group (from `/mentor find`): `NotYours` when they may not,
    `NoLongerOpen` when it is full or they already have a group; False when the new group DM couldn't open."""
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


def leaving_nudges(session: Session, left: Left, configured: str) -> list[Nudge]:
    """The leaver hears it is done, with their own final evaluation; a place may be offered to someone waiting; an
    ended group hears why and asks everyone for the final evaluation; a shout-out that waited only on the leaver is
    posted to the program's `channel`. (A group that goes on hears of it in its new DM: `regroup`.)"""
    group, leaver = left.group, left.user_id
    channel = program_channel(session, group.team_id, configured, group.program_id)
    nudges = [
        Nudge(group.team_id, f"circle:{group.id}:left:{leaver}:you", you_left_message(group), user_id=leaver),
        Nudge(
            group.team_id,
            f"circle:{group.id}:final:{leaver}",
            evaluation_invitation(group, "final", left=True),
            user_id=leaver,
        ),
    ]
    if left.offered is not None:
        offer = left.offered
        nudges.append(Nudge(group.team_id, f"circle-offer:{offer.id}", offer_message(offer), user_id=offer.user_id))
    if left.ended:
        if group.channel_id:
            message = left_group_message(group, leaver, ended=True, offered=False, mentor_left=left.mentor_left)
            nudges.append(
                Nudge(group.team_id, f"circle:{group.id}:left:{leaver}", message, channel_id=group.channel_id)
            )
        nudges += [n for n in ending_nudges(group, completed=False) if n.channel_id is None]
    for shoutout in left.posted:
        nudges += celebration_nudges(shoutout, channel)
    return nudges


def regroup(services: Services, client: WebClient, left: Left) -> None:
    """After someone leaves a group that goes on: a group DM can't lose members either, so the others move to a
    new one and hear there only that they left; the old one gets a line saying the group has moved."""
    group = left.group
    if left.ended:
        return
    now = services.clock.now()
    message = left_group_message(group, left.user_id, ended=False, offered=left.offered is not None)
    key = f"circle:{group.id}:left:{left.user_id}"
    try:
        channel: str | None = open_group_dm(services.db, client, group.team_id, list(group.members))
    except SlackApiError:
        log.exception("could not open the group DM of circle %s without %s", group.id, left.user_id)
        channel = None
    with services.db.unit_of_work() as session:
        if channel is not None and channel != group.channel_id:
            moved_to(session, group.id, channel)
            if group.channel_id:
                enqueue(session, group.team_id, f"{key}:moved", moved_message(group), now, channel_id=group.channel_id)
        target = channel or group.channel_id
        if target:
            enqueue(session, group.team_id, key, message, now, channel_id=target)
    deliver(services.db, lambda _team: client, now)


def propose_and_post(
    session: Session, team_id: str, user_id: str, circle_id: int, agreement: Agreement, now: datetime
) -> GroupView:
    """A member's proposal, posted in the group DM (in the same transaction) for everyone to confirm."""
    group = propose_agreement(session, team_id, user_id, circle_id, agreement, now)
    if group.channel_id:
        key = f"circle:{group.id}:agreement:{group.agreement_version}"
        enqueue(session, team_id, key, agreement_message(group), now, channel_id=group.channel_id)
    return group


def confirm_and_offer(
    session: Session, team_id: str, user_id: str, circle_id: int, version: int, now: datetime
) -> GroupView:
    """A member confirms; the last confirmation of an agreement whose meeting time isn't picked yet (or whose
    meeting length changed) brings three times everyone can make."""
    group, completed = confirm_agreement(session, team_id, user_id, circle_id, version, now)
    if completed and not group.time_picked and group.channel_id:
        offer = offer_group_times(session, group.id, now)
        key = f"circle:{group.id}:times:{group.agreement_version}"
        enqueue(session, team_id, key, group_times_message(offer), now, channel_id=group.channel_id)
    return group


def celebration_nudges(shoutout: ShoutoutView, channel: str | None) -> list[Nudge]:
    """What a settled shout-out sends: everyone said yes (the program's channel and the group DM hear it), or one
    person kept it inside the group (the group DM hears only that)."""
    group = shoutout.group
    key = f"circle-shoutout:{shoutout.id}"
    nudges = []
    if shoutout.status == ShoutoutState.POSTED and channel:
        nudges.append(Nudge(group.team_id, key, shoutout_post(shoutout), channel_id=channel))
    if group.channel_id and shoutout.status in (ShoutoutState.POSTED, ShoutoutState.DECLINED):
        outcome = shoutout_outcome_message(shoutout, channel)
        nudges.append(Nudge(group.team_id, f"{key}:outcome", outcome, channel_id=group.channel_id))
    return nudges


def propose_celebration(
    session: Session, team_id: str, user_id: str, circle_id: int, text: str, configured: str, now: datetime
) -> ShoutoutView:
    """A member proposes a shout-out naming the whole group: each other member is asked alone, in their DM (so
    nobody sees who said no); the group DM hears that they were asked. No channel to post in: `InvalidShoutout`."""
    group_now = group_of(session, team_id, user_id, circle_id)
    channel = program_channel(session, team_id, configured, group_now.program_id)
    if not channel:
        raise InvalidShoutout({SHOUTOUT_FIELD: "This program has no channel for celebrations yet; ask its admins."})
    shoutout = propose_shoutout(session, team_id, user_id, circle_id, text, now)
    group = shoutout.group
    key = f"circle-shoutout:{shoutout.id}"
    if group.channel_id:
        enqueue(
            session,
            team_id,
            f"{key}:asked",
            shoutout_asked_message(shoutout, channel),
            now,
            channel_id=group.channel_id,
        )
    for member in shoutout.waiting_for:
        enqueue(session, team_id, f"{key}:ask:{member}", shoutout_ask_message(shoutout, channel), now, user_id=member)
    if shoutout.status == ShoutoutState.POSTED:
        for nudge in celebration_nudges(shoutout, channel):
            nudge.queue(session, now)
    return shoutout


def answer_celebration(
    session: Session, team_id: str, user_id: str, shoutout_id: int, yes: bool, configured: str, now: datetime
) -> ShoutoutView:
    """One member's answer, in their DM; the last yes posts it, a no keeps it inside the group."""
    shoutout = answer_shoutout(session, team_id, user_id, shoutout_id, yes, now)
    channel = program_channel(session, team_id, configured, shoutout.group.program_id)
    for nudge in celebration_nudges(shoutout, channel):
        nudge.queue(session, now)
    return shoutout


def passed_on_nudges(answered: Answered) -> list[Nudge]:
    """After a place was let go (or never answered): the next person waiting is offered it, or a group below its
    minimum ends, everyone asked for the final evaluation."""
    group = answered.group
    nudges = []
    if answered.offered is not None:
        offer = answered.offered
        nudges.append(Nudge(group.team_id, f"circle-offer:{offer.id}", offer_message(offer), user_id=offer.user_id))
    if answered.ended:
        nudges += ending_nudges(group, completed=False)
    return nudges


def answer_place(session: Session, team_id: str, user_id: str, offer_id: int, accept: bool, now: datetime) -> Answered:
    """Their answer to an offered place, with what it sends (see `passed_on_nudges`)."""
    answered = answer_offer(session, team_id, user_id, offer_id, accept, now)
    for nudge in passed_on_nudges(answered):
        nudge.queue(session, now)
    return answered


def evaluate_and_share(
    session: Session,
    team_id: str,
    user_id: str,
    circle_id: int,
    milestone: str,
    answers: tuple[int, int, str, bool],
    admins: frozenset[str],
    now: datetime,
) -> GroupView:
    """A member's private evaluation; shared, it reaches the program's admins with their name, except any admin who
    is in the group (their own mentor, say)."""
    group = evaluate_group(session, team_id, user_id, circle_id, milestone, answers, now)
    if answers[3]:
        message = shared_evaluation_message(group, user_id, milestone, answers)
        everyone = set(evaluated_members(session, circle_id))
        for admin in program_admins(session, group.program_id, admins):
            if admin not in everyone:
                key = f"circle:{group.id}:{milestone}:shared:{user_id}:{admin}"
                enqueue(session, team_id, key, message, now, user_id=admin)
    return group


def set_goal(
    session: Session, team_id: str, user_id: str, circle_id: int, form: GoalInput, mine: bool, now: datetime
) -> GroupGoal:
    """A goal for the group or for themselves, posted in the group DM in the same transaction."""
    goal = add_group_goal(session, team_id, user_id, circle_id, form, mine, now)
    if goal.group.channel_id:
        message = group_goal_message(goal, user_id)
        enqueue(session, team_id, f"circle-goal:{goal.id}", message, now, channel_id=goal.group.channel_id)
    return goal


def late_joiner_nudges(session: Session, person: Person, now: datetime) -> list[Nudge]:
    """Someone active in a group or circle program after its round, with no group and no place offered: a place in
    a group with room, or word that they wait for the next round. Nothing before the first round (it places them
    with everyone else)."""
    program = session.get_one(Program, person.program_id)
    if program.format is ProgramFormat.ONE_TO_ONE or person.status is not PersonStatus.ACTIVE:
        return []
    formed = session.scalar(
        select(Circle.id).where(Circle.program_id == program.id, Circle.status == CircleStatus.ACTIVE).limit(1)
    )
    if formed is None or waits_or_belongs(session, person.id):
        return []
    offer = open_offer_for(session, person, now)
    if offer is not None:
        return [Nudge(person.team_id, f"circle-offer:{offer.id}", offer_message(offer), user_id=person.slack_user_id)]
    kind = "circle" if program.format is ProgramFormat.CIRCLE else "group"
    leads = program.format is ProgramFormat.GROUP and person.role.mentors and not person.role.seeks_mentor
    matching = program.matching_at if program.matching_at and program.matching_at > now else None
    waiting = waiting_for_round_message(program.name, kind, matching, leads)
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


def thank_group(services: Services, client: WebClient, group: GroupView, user_id: str, text: str) -> bool:
    """Post their thanks in the group's DM, through the outbox (so it is kept before anyone reads it); False when
    the group has no DM to post in."""
    if not group.channel_id:
        return False
    now = services.clock.now()
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    with services.db.unit_of_work() as session:
        key = f"circle:{group.id}:thanks:{user_id}:{now.isoformat()}:{digest}"
        enqueue(session, group.team_id, key, group_thanks_post(user_id, text), now, channel_id=group.channel_id)
    deliver(services.db, lambda _team: client, now)
    return True
