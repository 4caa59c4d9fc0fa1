"""A pair's conversation: the group DM both people share, opened with the intro when the pair starts.

It is also where the pair's meeting times and calendar invites are posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calendars import busy_for_pair, providers
from bot.dm_channels import open_group_dm, open_late
from bot.home import refresh_homes_soon
from bot.invites import google_calendar_link, meeting_invite, outlook_link, series_rule
from bot.meetings import NO_REPLY, Offer, ScheduledMeeting, after_agreement, offer_times
from bot.pairs import PairView, set_channel, without_conversation
from bot.services import Services
from bot.slack import open_dm, post, upload_to_channel, user_email
from bot.views.intro import intro_message
from bot.views.meetings import (
    INVITE_FILENAME,
    invite_description,
    invite_location,
    invite_message,
    invite_title,
    offer_message,
    series_offer_message,
)

log = logging.getLogger(__name__)


def start_conversation(services: Services, client: WebClient, pair: PairView) -> bool:
    """Open (or reopen) the pair's group DM, remember it, post the intro and three times for a first meeting, and
    refresh both App Homes. False when Slack wouldn't open the group DM: the scheduler tries again
    (`open_waiting_conversations`)."""
    try:
        channel = open_group_dm(services.db, client, pair.team_id, [pair.mentor_user_id, pair.mentee_user_id])
    except (SlackApiError, OSError) as error:
        log.warning("could not open the group DM of pair %s, the scheduler will try again: %s", pair.id, error)
        return False
    now = services.clock.now()
    # Connected calendars are asked first, so no unit of work waits on them.
    busy = busy_for_pair(services, pair, now)
    with services.db.unit_of_work() as session:
        set_channel(session, pair.id, channel)
        offer = offer_times(session, pair, now, busy=busy)
    post(client, channel, intro_message(pair))
    post(client, channel, offer_message(offer, calendars=bool(providers(services.settings))))
    refresh_homes_soon(services, client, pair.team_id, (pair.mentor_user_id, pair.mentee_user_id))
    return True


def open_waiting_conversations(services: Services, client_for: Callable[[str], WebClient], now: datetime) -> int:
    """Start the conversation of each new pair still without a group DM; how many started."""
    with services.db.reading() as session:
        waiting = [(f"intro:{pair.id}", pair.team_id, pair) for pair in without_conversation(session, now)]
    return open_late(
        services.db, client_for, now, waiting, lambda client, pair: start_conversation(services, client, pair)
    )


def meeting_times_after_agreement(services: Services, client: WebClient, pair: PairView) -> None:
    """After an agreement is confirmed or changed: times of the agreed length while none is picked, or, with one
    picked, the offer to put the whole series in their calendars."""
    now = services.clock.now()
    busy = busy_for_pair(services, pair, now)
    with services.db.unit_of_work() as session:
        answer = after_agreement(session, pair, now, busy)
    if answer is None:
        return
    channel = pair.channel_id or open_dm(client, [pair.mentor_user_id, pair.mentee_user_id])
    if isinstance(answer, Offer):
        post(client, channel, offer_message(answer, calendars=bool(providers(services.settings))))
    elif not answer.series:
        post(client, channel, series_offer_message(answer))


def send_invite(client: WebClient, meeting: ScheduledMeeting) -> None:
    """Share the meeting's calendar invite (.ics) in the pair's group DM, with add-to-calendar links, Reschedule and,
    once they have an agreement, the whole series. Attendees' emails come from Slack; a person whose email Slack
    doesn't share is left off, and without the mentor's the invite is organised by a no-reply address."""
    pair = meeting.pair
    channel = pair.channel_id or open_dm(client, [pair.mentor_user_id, pair.mentee_user_id])
    emails = {user: user_email(client, user) for user in (pair.mentee_user_id, pair.mentor_user_id)}
    names = {pair.mentee_user_id: pair.mentee_name, pair.mentor_user_id: pair.mentor_name}
    title = invite_title(pair.mentee_name, pair.mentor_name)
    description = invite_description(meeting.focus)
    location = invite_location(meeting.channel)
    until = meeting.series_until
    ics = meeting_invite(
        uid=meeting.uid,
        sequence=meeting.sequence,
        stamp=meeting.stamp,
        start=meeting.start,
        minutes=meeting.minutes,
        title=title,
        description=description,
        organiser_email=emails[pair.mentor_user_id] or NO_REPLY,
        attendees=[(names[user], email) for user, email in emails.items() if email],
        timezone=meeting.timezone,
        location=location,
        video_link=meeting.video_link,
        rule=series_rule(meeting.cadence, until) if meeting.series and until is not None else None,
    )
    start, minutes = meeting.start, meeting.minutes
    google = google_calendar_link(start=start, minutes=minutes, title=title, description=description, location=location)
    outlook = outlook_link(start=start, minutes=minutes, title=title, description=description, location=location)
    message = invite_message(meeting, google, outlook)
    upload_to_channel(client, channel, INVITE_FILENAME, ics, title, message.text)
    post(client, channel, message)
