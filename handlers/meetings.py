"""Meeting times in the pair's group DM: pick one, ask for others, sort it out yourselves, reschedule, the series."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot.calendars import busy_for_meeting
from bot.conversations import send_invite
from bot.meetings import (
    AlreadyPicked,
    MeetingClosed,
    TimePassed,
    add_series,
    fresh_times,
    other_times,
    pick,
    start_reschedule,
    stop_offering,
)
from bot.views.meetings import (
    MEETING_ASYNC,
    MEETING_GOOGLE,
    MEETING_OTHERS,
    MEETING_OURSELVES,
    MEETING_OUTLOOK,
    MEETING_PICK,
    MEETING_RESCHEDULE,
    MEETING_SERIES,
    already_picked_message,
    async_message,
    meeting_closed_message,
    offer_message,
    picked_message,
    read_pick,
    sorted_ourselves_message,
    time_passed_message,
)
from handlers.actor import Actor, action_value, raw_action_value
from handlers.routing import MentorCommand, Routes


def _closed(respond: Respond) -> None:
    respond(replace_original=False, response_type="ephemeral", **meeting_closed_message().as_kwargs())


def pick_time(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    meeting_id, start = read_pick(raw_action_value(body))
    try:
        meeting = actor.as_member("picked a time of meeting", pick, meeting_id, start, actor.now())
    except AlreadyPicked as taken:
        respond(replace_original=False, response_type="ephemeral", **already_picked_message(taken.meeting).as_kwargs())
        return
    except TimePassed:
        busy = busy_for_meeting(actor.services, actor.team_id, meeting_id, actor.now())
        offer = actor.as_member("refreshed meeting", fresh_times, meeting_id, actor.now(), busy)
        if offer is not None:
            respond(replace_original=True, **time_passed_message(offer).as_kwargs())
        return
    except MeetingClosed:
        _closed(respond)
        return
    if meeting is None:
        return
    respond(replace_original=True, **picked_message(meeting).as_kwargs())
    send_invite(actor.client, meeting)


def show_other_times(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        busy = busy_for_meeting(actor.services, actor.team_id, action_value(body), actor.now())
        offer = actor.as_member("asked other times of meeting", other_times, action_value(body), actor.now(), busy)
    except MeetingClosed:
        _closed(respond)
        return
    if offer is not None:
        respond(replace_original=True, **offer_message(offer).as_kwargs())


def reschedule_meeting(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        busy = busy_for_meeting(actor.services, actor.team_id, action_value(body), actor.now())
        offer = actor.as_member("rescheduled meeting", start_reschedule, action_value(body), actor.now(), busy)
    except MeetingClosed:
        _closed(respond)
        return
    if offer is not None:
        respond(replace_original=False, response_type="in_channel", **offer_message(offer).as_kwargs())


def sort_it_ourselves(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if actor.as_member("declined times of meeting", stop_offering, action_value(body), actor.now()) is not None:
        respond(replace_original=True, **sorted_ourselves_message().as_kwargs())


def keep_it_async(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    pair = actor.as_member("chose async for meeting", stop_offering, action_value(body), actor.now())
    if pair is not None:
        respond(replace_original=True, **async_message((pair.mentee_user_id, pair.mentor_user_id)).as_kwargs())


def add_whole_series(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        meeting = actor.as_member("added the series of meeting", add_series, action_value(body), actor.now())
    except MeetingClosed:
        _closed(respond)
        return
    if meeting is not None:
        send_invite(actor.client, meeting)


def opened_calendar_link(ack: Ack) -> None:
    """A link button opens the person's calendar in their browser; Slack still tells the app, which only acks."""
    ack()


def register(app: Routes, command: MentorCommand) -> None:
    app.action(MEETING_PICK)(pick_time)
    app.action(MEETING_OTHERS)(show_other_times)
    app.action(MEETING_RESCHEDULE)(reschedule_meeting)
    app.action(MEETING_OURSELVES)(sort_it_ourselves)
    app.action(MEETING_ASYNC)(keep_it_async)
    app.action(MEETING_SERIES)(add_whole_series)
    app.action(MEETING_GOOGLE)(opened_calendar_link)
    app.action(MEETING_OUTLOOK)(opened_calendar_link)
