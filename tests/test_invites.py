"""Calendar invitations for a pair's meetings: what a calendar reads back, and add-to-calendar links (pure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, vRecur

from bot.invites import (
    LINK_LIMIT,
    PRODID,
    google_calendar_link,
    meeting_invite,
    outlook_link,
    series_rule,
)
from storage.vocabulary import Cadence

START = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thursday, 15:00 in Berlin
STAMP = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOSTILE = "Lunch, then; talk\nBEGIN:VEVENT"


def invite(
    *,
    title: str = "Ana and Bo: first meeting",
    description: str = "Bring one goal.",
    sequence: int = 0,
    start: datetime = START,
    timezone: str = "Europe/Berlin",
    rule: vRecur | None = None,
    video_link: str = "",
    location: str = "",
) -> bytes:
    return meeting_invite(
        uid="pair-7-first-meeting@mentorbot",
        sequence=sequence,
        stamp=STAMP,
        start=start,
        minutes=30,
        title=title,
        description=description,
        organiser_email="mentorbot@example.org",
        attendees=[("Ana Ng", "ana@example.org"), ("Bo, the mentor", "bo@example.org")],
        timezone=timezone,
        location=location,
        video_link=video_link,
        rule=rule,
    )


def the_event(ical: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(ical)
    assert len(calendar.events) == 1
    return calendar, calendar.events[0]


def test_an_invite_reads_back_with_its_time_zone_people_uid_and_sequence() -> None:

    ical = invite(sequence=2)

    calendar, event = the_event(ical)

    assert (calendar.prodid, calendar.version, calendar.method) == (PRODID, "2.0", "REQUEST")
    assert b"DTSTART;TZID=Europe/Berlin:20261203T150000" in ical.splitlines()
    assert b"DTEND;TZID=Europe/Berlin:20261203T153000" in ical.splitlines()
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Berlin"]
    assert event.start == START and event.end == START + timedelta(minutes=30)
    assert isinstance(event.start, datetime) and event.start.tzinfo == ZoneInfo("Europe/Berlin")
    assert (event.uid, event.sequence, event.stamp) == ("pair-7-first-meeting@mentorbot", 2, STAMP)
    assert event.organizer == "mailto:mentorbot@example.org"
    attendees = [(a.email, a.name, a.ROLE, a.RSVP) for a in event.attendees]
    assert attendees == [
        ("ana@example.org", "Ana Ng", "REQ-PARTICIPANT", True),
        ("bo@example.org", "Bo, the mentor", "REQ-PARTICIPANT", True),
    ]


def test_rescheduling_keeps_the_uid_and_raises_the_sequence() -> None:
    _, first = the_event(invite(sequence=0))
    _, moved = the_event(invite(sequence=1, start=START + timedelta(days=1)))

    assert first.uid == moved.uid
    assert moved.sequence > first.sequence
    assert moved.start - first.start == timedelta(days=1)


def test_a_meeting_on_the_night_clocks_go_back_is_written_in_utc_not_as_an_ambiguous_wall_time() -> None:
    second_half_past_two = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 in Berlin, the second time round

    ical = invite(start=second_half_past_two)

    _, event = the_event(ical)
    assert event.start == second_half_past_two and event.end == second_half_past_two + timedelta(minutes=30)
    assert b"DTSTART:20261025T013000Z" in ical.splitlines()


def test_an_unknown_time_zone_gives_an_invite_in_utc() -> None:
    ical = invite(timezone="Mars/Olympus_Mons")

    calendar, event = the_event(ical)
    assert event.start == START and b"DTSTART:20261203T140000Z" in ical.splitlines()
    assert calendar.timezones == []


def test_a_video_link_is_the_url_and_the_place_unless_a_room_is_given() -> None:
    _, online = the_event(invite(video_link="https://meet.example.org/ana-bo?pwd=a;b"))
    _, in_person = the_event(invite(video_link="https://meet.example.org/ana-bo", location="Room 4, second floor"))

    assert online.url == "https://meet.example.org/ana-bo?pwd=a;b"
    assert online.location == "https://meet.example.org/ana-bo?pwd=a;b"
    assert in_person.location == "Room 4, second floor"


@pytest.mark.parametrize("link", ["javascript:alert(1)", "https://meet.example.org/x\r\nATTENDEE:mailto:eve@x.org"])
def test_anything_but_a_plain_web_link_is_refused(link: str) -> None:
    with pytest.raises(ValueError):
        invite(video_link=link)


def test_an_address_that_smuggles_a_line_is_refused() -> None:
    with pytest.raises(ValueError):
        meeting_invite(
            uid="u",
            sequence=0,
            stamp=STAMP,
            start=START,
            minutes=30,
            title="t",
            description="",
            organiser_email="mentorbot@example.org",
            attendees=[("Eve", "eve@example.org\r\nATTENDEE:mailto:mallory@example.org")],
            timezone="UTC",
        )


def test_hostile_text_stays_plain_text_and_never_opens_a_second_event() -> None:
    ical = invite(title=HOSTILE + " <!channel>", description=HOSTILE + "\x00\x07 <!channel>")

    _, event = the_event(ical)

    assert ical.splitlines().count(b"BEGIN:VEVENT") == 1  # the text itself still says BEGIN:VEVENT, escaped
    assert event.summary == "Lunch, then; talk BEGIN:VEVENT <!channel>"
    assert event.description == HOSTILE + " <!channel>"


def test_long_text_is_cut_to_what_a_calendar_shows() -> None:
    _, event = the_event(invite(title="goal " * 100, description="step " * 1000))

    assert len(event.summary) <= 200 and event.summary.endswith("…")
    assert len(event.description) <= 2000


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=300), description=st.text(max_size=300))
def test_any_text_reads_back_as_one_event_without_control_characters(title: str, description: str) -> None:
    _, event = the_event(invite(title=title, description=description))

    for text in (event.summary or "", event.description or ""):
        assert not any(ord(char) < 32 and char not in "\n\t" for char in text)
    assert "\n" not in (event.summary or "")


@pytest.mark.parametrize(
    ("cadence", "weeks"), [(Cadence.WEEKLY, 1), (Cadence.BIWEEKLY, 2), (Cadence.MONTHLY, 4)], ids=str
)
def test_a_series_repeats_with_the_check_in_cadence_until_a_utc_end(cadence: Cadence, weeks: int) -> None:
    until = datetime(2027, 6, 30, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    _, event = the_event(invite(rule=series_rule(cadence, until)))

    [rule] = event.rrules
    assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [weeks]
    assert rule["UNTIL"] == [datetime(2027, 6, 30, 16, 0, tzinfo=UTC)]
    assert b"UNTIL=20270630T160000Z" in invite(rule=series_rule(cadence, until))


def test_the_google_calendar_link_carries_the_encoded_meeting() -> None:
    link = google_calendar_link(
        start=START, minutes=30, title=HOSTILE, description="Bring a goal & a question", location="Room 4/B"
    )

    parts = urlsplit(link)
    fields = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://calendar.google.com/calendar/render"
    assert fields["action"] == ["TEMPLATE"]
    assert fields["text"] == ["Lunch, then; talk BEGIN:VEVENT"]
    assert fields["dates"] == ["20261203T140000Z/20261203T143000Z"]
    assert fields["details"] == ["Bring a goal & a question"]
    assert fields["location"] == ["Room 4/B"]
    assert "text=Lunch%2C%20then%3B%20talk%20BEGIN%3AVEVENT" in link and "%26%20a%20question" in link


def test_the_outlook_link_carries_the_encoded_meeting() -> None:
    link = outlook_link(start=START, minutes=45, title="Ana & Bo", description="Line one\nline two", location="")

    fields = parse_qs(urlsplit(link).query)
    assert link.startswith("https://outlook.office.com/calendar/0/deeplink/compose?")
    assert fields["rru"] == ["addevent"] and fields["path"] == ["/calendar/action/compose"]
    assert fields["subject"] == ["Ana & Bo"]
    assert fields["startdt"] == ["2026-12-03T14:00:00Z"] and fields["enddt"] == ["2026-12-03T14:45:00Z"]
    assert fields["body"] == ["Line one\nline two"]
    assert "location" not in fields
    assert "subject=Ana%20%26%20Bo" in link


@pytest.mark.parametrize("build", [google_calendar_link, outlook_link])
def test_links_stay_short_enough_for_a_slack_button(build: Callable[..., str]) -> None:
    link = build(start=START, minutes=30, title="🎯" * 500, description="🌱" * 3000, location="🏢" * 500)

    assert len(link) <= LINK_LIMIT
    details = parse_qs(urlsplit(link).query)
    assert all(
        value[0].endswith("…") for name, value in details.items() if name in {"text", "subject", "details", "body"}
    )
