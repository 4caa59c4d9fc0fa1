"""Calendar invitations for a pair's meetings: an iCalendar request, its repeat rule, and add-to-calendar links.

Every iCalendar line comes from the `icalendar` library, which escapes commas, semicolons and newlines; free text is
also stripped of control characters and cut to a length any calendar shows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, vCalAddress, vRecur

from bot.cadence import CADENCE_DAYS
from bot.text import cut, squash
from storage.vocabulary import Cadence

PRODID = "-//Mentorbot//Mentoring meetings//EN"
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 2000
LOCATION_LIMIT = 500
NAME_LIMIT = 100
# Slack refuses a button whose url is longer than this.
LINK_LIMIT = 3000
# Shares of LINK_LIMIT for the encoded title and location; the details get what is left.
_TITLE_BUDGET = 900
_LOCATION_BUDGET = 600
_EMAIL = re.compile(r"[^@\s<>\"',;:\x00-\x1f\x7f]+@[^@\s<>\"',;:\x00-\x1f\x7f]+")
_KEPT_CONTROLS = "\n\t"


def meeting_invite(
    *,
    uid: str,
    sequence: int,
    stamp: datetime,
    start: datetime,
    minutes: int,
    title: str,
    description: str,
    organiser_email: str,
    attendees: Sequence[tuple[str, str]],
    timezone: str,
    location: str = "",
    video_link: str = "",
    rule: vRecur | None = None,
) -> bytes:
    """A METHOD:REQUEST calendar with one event, its times in `timezone` (UTC when unknown) with its VTIMEZONE.

    Rescheduling sends the same `uid` with a higher `sequence`; `stamp` is when this version was made.
    `attendees` are (name, email) pairs; the video link is the event's URL, and its location when none is given.
    """
    end = start + timedelta(minutes=minutes)
    zone = _zone(timezone)
    # RFC 5545 reads a wall time that clocks show twice as its first showing, so such a meeting is written in UTC.
    shown = zone if _unambiguous(start, zone) and _unambiguous(end, zone) else UTC
    link = _web_link(video_link) if video_link else ""
    event = Event.new(
        uid=uid,
        sequence=sequence,
        stamp=stamp.astimezone(UTC),
        start=start.astimezone(shown),
        end=end.astimezone(shown),
        summary=_line(title, TITLE_LIMIT),
        description=_text(description, DESCRIPTION_LIMIT) or None,
        location=_line(location, LOCATION_LIMIT) or link or None,
        url=link or None,
        organizer=vCalAddress.new(_mailto(organiser_email), role="CHAIR"),
        attendees=[_attendee(name, email) for name, email in attendees],
    )
    if rule is not None:
        event.add("rrule", rule)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    untils = rule.get("UNTIL", []) if rule is not None else []
    last_year = max([start.year, *(until.year for until in untils)])
    # Whole years around the meetings, so the VTIMEZONE has both summer and winter time (the default stops in 2038).
    calendar.add_missing_timezones(first_date=date(start.year - 1, 1, 1), last_date=date(last_year + 2, 1, 1))
    ical: bytes = calendar.to_ical()  # the library leaves this method untyped
    return ical


def series_rule(cadence: Cadence, until: datetime) -> vRecur:
    """The RRULE of a pair's meetings: every 1, 2 or 4 weeks, until `until` (in UTC, as RFC 5545 asks with a TZID).

    "Monthly" is every four weeks, not FREQ=MONTHLY: the check-ins run on the same 28 days, so the meetings in the
    calendar and the check-ins that ask about them never drift apart.
    """
    return vRecur(freq="WEEKLY", interval=CADENCE_DAYS[cadence] // 7, until=until.astimezone(UTC))


def google_calendar_link(
    *, start: datetime, minutes: int, title: str, description: str = "", location: str = ""
) -> str:
    """A Google Calendar "add event" link with the meeting filled in, short enough for a Slack button."""
    end = start + timedelta(minutes=minutes)
    fields = {
        "action": "TEMPLATE",
        "text": _fit_encoded(_line(title, TITLE_LIMIT), _TITLE_BUDGET),
        "dates": f"{start.astimezone(UTC):%Y%m%dT%H%M%SZ}/{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "location": _fit_encoded(_line(location, LOCATION_LIMIT), _LOCATION_BUDGET),
    }
    return _link("https://calendar.google.com/calendar/render", fields, "details", description)


def outlook_link(*, start: datetime, minutes: int, title: str, description: str = "", location: str = "") -> str:
    """An Outlook on the web "new event" link with the meeting filled in, short enough for a Slack button."""
    end = start + timedelta(minutes=minutes)
    fields = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": _fit_encoded(_line(title, TITLE_LIMIT), _TITLE_BUDGET),
        "startdt": f"{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "location": _fit_encoded(_line(location, LOCATION_LIMIT), _LOCATION_BUDGET),
    }
    return _link("https://outlook.office.com/calendar/0/deeplink/compose", fields, "body", description)


def _link(base: str, fields: dict[str, str], details_field: str, details: str) -> str:
    url = f"{base}?{urlencode({name: value for name, value in fields.items() if value}, quote_via=quote)}"
    budget = LINK_LIMIT - len(url) - len(f"&{details_field}=")
    text = _fit_encoded(_text(details, DESCRIPTION_LIMIT), budget)
    return f"{url}&{details_field}={quote(text, safe='')}" if text else url


def _fit_encoded(text: str, budget: int) -> str:
    """The longest start of `text` whose URL encoding takes at most `budget` characters, marked with "…" when cut."""
    if len(quote(text, safe="")) <= budget:
        return text
    room, kept = budget - len(quote("…", safe="")), []
    for char in text:
        room -= len(quote(char, safe=""))
        if room < 0:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…" if kept else ""


def _unambiguous(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.replace(fold=1 - local.fold).utcoffset() == local.utcoffset()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _without_controls(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in lines if char in _KEPT_CONTROLS or unicodedata.category(char) != "Cc")


def _text(text: str, limit: int) -> str:
    """Free text kept as lines: no control characters but newlines and tabs, at most `limit` characters."""
    return cut(_without_controls(text).strip(), limit)


def _line(text: str, limit: int) -> str:
    """Free text as one line, as a title, a place or a name must be."""
    return cut(squash(_without_controls(text)), limit)


def _mailto(email: str) -> str:
    address = email.strip()
    if not _EMAIL.fullmatch(address):
        raise ValueError(f"not an email address: {address!r}")
    return f"mailto:{address}"


def _attendee(name: str, email: str) -> vCalAddress:
    return vCalAddress.new(
        _mailto(email),
        cn=_line(name, NAME_LIMIT) or None,
        cutype="INDIVIDUAL",
        role="REQ-PARTICIPANT",
        partstat="NEEDS-ACTION",
        rsvp=True,
    )


def _web_link(url: str) -> str:
    link = url.strip()
    parts = urlsplit(link)
    unsafe = any(char.isspace() or unicodedata.category(char) == "Cc" for char in link)
    if parts.scheme not in ("https", "http") or not parts.netloc or unsafe:
        raise ValueError(f"not a web link: {link!r}")
    return link
