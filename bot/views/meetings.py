"""A pair's meeting times in their group DM: the offer (each time in everyone's zone), the pick, the invite."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.meetings import LocalTime, Offer, OfferedTime, ScheduledMeeting, Stretch, UnpickedNudge
from bot.text import cut, escape
from bot.views.blocks import BUTTON_TEXT_LIMIT, Block, Message, actions, button, context, plain, said, section
from bot.views.calendars import CALENDAR_CONNECT
from storage.vocabulary import MeetingChannel

MEETING_PICK = "meeting.pick"
MEETING_OTHERS = "meeting.others"
MEETING_OURSELVES = "meeting.ourselves"
MEETING_ASYNC = "meeting.async"
MEETING_RESCHEDULE = "meeting.reschedule"
MEETING_SERIES = "meeting.series"
MEETING_GOOGLE = "meeting.google"
MEETING_OUTLOOK = "meeting.outlook"
INVITE_FILENAME = "mentoring-meeting.ics"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LOCATIONS = {
    MeetingChannel.VIDEO: "Video call",
    MeetingChannel.IN_PERSON: "In person",
    MeetingChannel.HUDDLE: "Slack huddle in your group DM",
}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def pick_value(meeting_id: int, start: datetime) -> str:
    return f"{meeting_id}:{int(start.timestamp())}"


def read_pick(value: str) -> tuple[int, datetime | None]:
    """The meeting and the start a pick button carries (0 and None for anything malformed)."""
    meeting, _, start = value.partition(":")
    if not meeting.isdecimal() or not start.isdecimal():
        return 0, None
    return int(meeting), datetime.fromtimestamp(int(start), UTC)


def short_time(start: datetime, timezone: str) -> str:
    """ "Tue 15:00", in the given zone."""
    local = start.astimezone(_zone(timezone))
    return f"{_WEEKDAYS[local.weekday()]} {local:%H:%M}"


def weekday_name(start: datetime, timezone: str) -> str:
    return _WEEKDAY_NAMES[start.astimezone(_zone(timezone)).weekday()]


def _who(user_ids: tuple[str, ...]) -> str:
    return " ".join(f"<@{user}>" for user in user_ids)


def _lines(local: tuple[LocalTime, ...]) -> str:
    """One short line per time zone, so it reads on a phone: "<@U…> Tue 1 Dec, 15:00–15:30 (Europe/Berlin)"."""
    return "\n".join(f"{_who(zone.user_ids)} {escape(zone.label)}" for zone in local)


def _minutes(minutes: int) -> str:
    if minutes < 60 or (minutes % 60 and minutes % 30):
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:g} h"


def _stretch(stretch: Stretch) -> str:
    parts = []
    if stretch.minutes_early:
        parts.append(f"starts {_minutes(stretch.minutes_early)} early")
    if stretch.minutes_late:
        parts.append(f"stays {_minutes(stretch.minutes_late)} late")
    return f"<@{stretch.user_id}> {' and '.join(parts)}" if parts else f"<@{stretch.user_id}> inside their day"


def _time_block(offer: Offer, offered: OfferedTime, label: str) -> Block:
    return section(
        _lines(offered.local), accessory=button(label, MEETING_PICK, value=pick_value(offer.meeting_id, offered.start))
    )


def _assumed(offer: Offer) -> list[Block]:
    if not offer.assumed_utc:
        return []
    return [
        context(f"I don't know {_who(offer.assumed_utc)}'s time zone, so I used UTC. Set it in your Slack profile.")
    ]


def offer_message(offer: Offer, heading: str = "", calendars: bool = False) -> Message:
    """Up to three times both can make, each in everyone's own time, with a pick button; or, when their days
    never overlap, the fairest compromise and an async thread. With `calendars` (the workspace set them up),
    a button to connect one so later times avoid busy ones."""
    if offer.times:
        title = heading or (
            "*New times for your meeting.* Pick one and your invite moves."
            if offer.rescheduling
            else f"*Three times you can both make* ({_minutes(offer.minutes)})"
        )
        text = "New times for your meeting" if offer.rescheduling else "Three times you can both make"
        blocks: list[Block] = [section(title)]
        blocks += [_time_block(offer, t, f"Pick {short_time(t.start, offer.lead_timezone)}") for t in offer.times]
        choices = [
            button("Three other times", MEETING_OTHERS, value=str(offer.meeting_id)),
            button("We'll sort it ourselves", MEETING_OURSELVES, value=str(offer.meeting_id)),
        ]
        if calendars:
            choices.append(button("Connect a calendar", CALENDAR_CONNECT))
        blocks.append(actions(*choices))
        blocks.append(context("All inside both your working hours, on weekdays. First pick wins; I'll send an invite."))
        return Message(text=text, blocks=blocks + _assumed(offer))
    if offer.compromise is not None:
        text = "Your working hours never overlap"
        blocks = [
            section(
                f"{heading + chr(10) if heading else ''}*Your working hours never overlap* on a weekday, so no time "
                "fits inside both your days."
            ),
            section("*The fairest time*\n" + "\n".join(_stretch(s) for s in offer.stretches)),
            _time_block(offer, offer.compromise, "Pick this time"),
            section("Or keep it async: share updates in a thread and I'll check in on your rhythm."),
            actions(
                button("Keep it async", MEETING_ASYNC, value=str(offer.meeting_id), style="primary"),
                button("We'll sort it ourselves", MEETING_OURSELVES, value=str(offer.meeting_id)),
            ),
        ]
        return Message(text=text, blocks=blocks + _assumed(offer))
    text = "I couldn't find a time in the next two weeks"
    return Message(
        text=text,
        blocks=[
            section(f"{text}. Agree one between you, and I'll check in after."),
            actions(button("We'll sort it ourselves", MEETING_OURSELVES, value=str(offer.meeting_id))),
        ],
    )


def time_passed_message(offer: Offer) -> Message:
    return offer_message(offer, heading="*That time has passed.* Here are fresh ones:")


def picked_message(meeting: ScheduledMeeting) -> Message:
    text = f"<@{meeting.picked_by}> picked a time. I'm posting the invite below."
    return Message(text=text, blocks=[section(f"{text}\n{_lines(meeting.local)}")])


def already_picked_message(meeting: ScheduledMeeting) -> Message:
    text = f"<@{meeting.picked_by}> already picked {short_time(meeting.start, meeting.timezone)}."
    return Message(
        text=text, blocks=[section(f"{text} Your meeting is:\n{_lines(meeting.local)}\nReschedule from the invite.")]
    )


def meeting_closed_message() -> Message:
    return Message(text="These times are no longer on offer. Use Reschedule on your invite to move a meeting.")


def sorted_ourselves_message() -> Message:
    return Message(text="Sounds good: find a time that suits you both. I'll check in after you've met.")


def async_message(pair_user_ids: tuple[str, str]) -> Message:
    text = (
        f"Async it is, {_who(pair_user_ids)}. Reply in a thread under this message with what you're working on and "
        "where you'd like input; I'll check in on your rhythm."
    )
    return said(text)


def invite_title(mentee_name: str, mentor_name: str) -> str:
    """The event's title (plain text: the calendar library escapes it; Slack views escape it when shown)."""
    return f"Mentoring: {mentee_name} & {mentor_name}"


def invite_description(focus: str) -> str:
    if focus.strip():
        return f"Focus: {focus.strip()}\n\nSet up by Mentorbot in your Slack group DM."
    return (
        "Your first mentoring meeting: introductions, what you hope to get out of it, how you'll work together, "
        "and one first goal.\n\nSet up by Mentorbot in your Slack group DM."
    )


def invite_location(channel: MeetingChannel | None) -> str:
    return LOCATIONS.get(channel, "") if channel is not None else ""


def link_button(text: str, action_id: str, url: str) -> Block:
    return {"type": "button", "text": plain(text, BUTTON_TEXT_LIMIT), "action_id": action_id, "url": url}


def series_button(meeting: ScheduledMeeting) -> Block:
    return button("Add the whole series", MEETING_SERIES, value=str(meeting.meeting_id))


def invite_message(meeting: ScheduledMeeting, google: str, outlook: str) -> Message:
    """The invite's companion message: the time for everyone, calendar links, reschedule and the series."""
    title = escape(invite_title(meeting.pair.mentee_name, meeting.pair.mentor_name))
    if meeting.series:
        lead = "Your meetings are in the invite: the whole series, on your agreed rhythm."
    elif meeting.rescheduled:
        lead = "Your meeting moved. Open the new invite to update your calendar."
    else:
        lead = "Your meeting is set. Open the invite to add it to your calendar."
    text = f"{lead.split('.')[0]}: {invite_title(meeting.pair.mentee_name, meeting.pair.mentor_name)}"
    elements = [
        link_button("Add to Google Calendar", MEETING_GOOGLE, google),
        link_button("Outlook", MEETING_OUTLOOK, outlook),
        button("Reschedule", MEETING_RESCHEDULE, value=str(meeting.meeting_id)),
    ]
    if meeting.agreed and not meeting.series:
        elements.append(series_button(meeting))
    return Message(
        text=cut(text, 300),
        blocks=[
            section(f"*{title}*\n{lead}\n{_lines(meeting.local)}"),
            actions(*elements),
            context("The .ics file works with any calendar. Rescheduling updates the same event."),
        ],
    )


def series_offer_message(meeting: ScheduledMeeting) -> Message:
    text = "Your agreement is set. Want every meeting in your calendars?"
    return Message(
        text=text,
        blocks=[section(f"{text}\nFrom {_lines(meeting.local)}"), actions(series_button(meeting))],
    )


def unpicked_nudge_message(nudge: UnpickedNudge) -> Message:
    pair = nudge.pair
    partner = pair.mentor_user_id if nudge.to == pair.mentee_user_id else pair.mentee_user_id
    text = f"Found a time with <@{partner}> yet? A first meeting early on makes the rest easier."
    return Message(
        text=text,
        blocks=[
            section(f"{text}\nPick one of the times in your group DM, or I can find three new ones."),
            actions(button("Three new times", MEETING_OTHERS, value=str(nudge.meeting_id), style="primary")),
        ],
    )
