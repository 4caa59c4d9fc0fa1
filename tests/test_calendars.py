"""Connected calendars, through signed HTTP and the real sign-in callback, against fake Google and Microsoft servers:
sign-in, tokens encrypted at rest, busy times left out of the times offered after the intro, refresh, failures,
disconnecting, and calendars switched off."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.app import build
from bot.cadence import WorkingHours
from bot.calendars import google_busy, microsoft_busy
from bot.clock import FixedClock
from bot.meeting_times import propose
from bot.settings import Settings, SettingsError, load_settings
from handlers.http import BackgroundServer
from sandbox.fake_calendars import GOOGLE_FREEBUSY, GRAPH_SCHEDULE, FakeCalendars, browse, sign_in
from sandbox.fake_slack import FakeSlack
from sandbox.slack_user import SlackUserAgent
from storage.models import CalendarConnection, CalendarProvider, Meeting
from tests.conftest import SIGNING_SECRET, START, Running, running_app, stop_and_empty
from tests.steps import buttons, paired

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

KEY = Fernet.generate_key().decode()
ANA = WorkingHours("Europe/Berlin", 8 * 60 + 30, 16 * 60 + 30)  # the mentee profile of tests/steps.py
BEN = WorkingHours("America/New_York", 9 * 60, 17 * 60)  # the mentor profile


class _Door:
    """A WSGI app that serves the app set later: the server's port must be known before the app is built, as it is
    the public address calendar sign-ins come back to."""

    app: WSGIApplication | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        assert self.app is not None
        return self.app(environ, start_response)


@pytest.fixture
def calendars() -> Iterator[FakeCalendars]:
    fake = FakeCalendars().start()
    yield fake
    fake.stop()


@contextmanager
def calendar_app(
    settings: Settings, slack: FakeSlack, clock: FixedClock, fake: FakeCalendars, **which: bool
) -> Iterator[Running]:
    door = _Door()
    server = BackgroundServer(door).start()
    public = f"http://127.0.0.1:{server.port}"
    configured = replace(settings, slack_api_url=slack.base_url, secret_keys=(KEY,), **fake.settings(public, **which))
    mentorbot = build(configured, clock)
    door.app = mentorbot.wsgi()
    try:
        yield Running(SlackUserAgent(server.events_url, SIGNING_SECRET, slack), slack, mentorbot.services, clock)
    finally:
        server.stop()
        stop_and_empty(mentorbot)


@pytest.fixture
def app(settings: Settings, slack: FakeSlack, clock: FixedClock, calendars: FakeCalendars) -> Iterator[Running]:
    with calendar_app(settings, slack, clock, calendars) as running:
        yield running


def sign_in_link(app: Running, user_id: str, action_id: str) -> str:
    reply = app.user.command(user_id, "calendar")
    assert reply.status == 200
    return str(next(b for b in buttons(reply.json()["blocks"]) if b["action_id"] == action_id)["url"])


def connect(app: Running, user_id: str, action_id: str = "calendar.google") -> None:
    """Sign in from the private link, come back through the callback, and wait for the DM saying it worked."""
    dm = app.slack.dm_channel(user_id)
    before = len(app.slack.messages_to(dm))
    page = sign_in(sign_in_link(app, user_id, action_id))
    assert page.status == 200 and "is connected" in page.body, page.body
    app.slack.wait_for_message(dm, before + 1)


def opened(sealed: str) -> str:
    return Fernet(KEY.encode()).decrypt(sealed.encode()).decode()


def connection(app: Running, user_id: str) -> CalendarConnection | None:
    with app.services.db.unit_of_work() as session:
        return session.scalars(select(CalendarConnection).where(CalendarConnection.user_id == user_id)).first()


def offered(app: Running) -> list[datetime]:
    with app.services.db.unit_of_work() as session:
        meeting = session.scalars(select(Meeting).order_by(Meeting.id.desc())).first()
        assert meeting is not None
        return [datetime.fromisoformat(start) for start in meeting.proposals]


def first_free_times(busy: list[tuple[datetime, datetime]] | None = None) -> list[datetime]:
    """What the intro offers Ana and Ben for a 30-minute meeting (the rules themselves are tested elsewhere)."""
    return list(propose(START, [ANA, BEN], 30, busy=busy or []).times)


def around(start: datetime) -> tuple[datetime, datetime]:
    return start - timedelta(minutes=30), start + timedelta(minutes=60)


def overlaps(starts: list[datetime], busy: tuple[datetime, datetime]) -> bool:
    return any(start < busy[1] and busy[0] < start + timedelta(minutes=30) for start in starts)


def test_connecting_google_keeps_the_tokens_encrypted_and_a_busy_slot_is_left_out_of_the_intro_times(
    app: Running, calendars: FakeCalendars
) -> None:
    calendars.account = "ana@example.com"
    link = sign_in_link(app, "UANA", "calendar.google")
    assert link.startswith(calendars.base_url) and "calendar.freebusy" in link and "state=" in link
    connect(app, "UANA")
    dm = app.slack.messages_to("DUANA")[-1].text()
    assert "Google Calendar is connected" in dm and "/mentor calendar disconnect" in dm
    stored = connection(app, "UANA")
    assert stored is not None and stored.provider is CalendarProvider.GOOGLE
    issued = calendars.issued_access_tokens()
    assert stored.access_token not in issued and "google-" not in stored.access_token + stored.refresh_token
    assert opened(stored.access_token) in issued

    usual = first_free_times()
    busy = around(usual[0])
    calendars.set_busy("ana@example.com", [busy])
    paired(app)
    times = offered(app)
    assert len(times) == 3 and not overlaps(times, busy) and usual[0] not in times
    assert times == first_free_times([busy])
    offer = next(c for c in app.slack.messages_to("GANABEN") if "Three times you can both make" in c.text())
    assert "Connect a calendar" in offer.text(), "the offer says calendars can be connected where they are set up"
    asked = calendars.calls_to(GOOGLE_FREEBUSY)[-1].args
    assert asked["items"] == [{"id": "primary"}] and asked["timeMin"].endswith("Z")


def test_connecting_microsoft_365_leaves_the_mentors_busy_slot_out(app: Running, calendars: FakeCalendars) -> None:
    connect(app, "UBEN", "calendar.microsoft")
    assert "Microsoft 365 (Outlook) is connected" in app.slack.messages_to("DUBEN")[-1].text()
    stored = connection(app, "UBEN")
    assert stored is not None and stored.provider is CalendarProvider.MICROSOFT and stored.email == "ben@example.com"
    usual = first_free_times()
    busy = around(usual[1])
    calendars.set_busy("ben@example.com", [busy])
    paired(app)
    times = offered(app)
    assert len(times) == 3 and not overlaps(times, busy) and times == first_free_times([busy])
    asked = calendars.calls_to(GRAPH_SCHEDULE)[-1].args
    assert asked["schedules"] == ["ben@example.com"] and asked["startTime"]["timeZone"] == "UTC"


def test_an_expired_access_token_is_refreshed_and_the_new_one_kept(app: Running, calendars: FakeCalendars) -> None:
    calendars.token_lifetime = 0  # the first access token has expired by the time it is used
    connect(app, "UANA")
    first = connection(app, "UANA")
    assert first is not None
    calendars.token_lifetime = 3600
    busy = around(first_free_times()[0])
    calendars.set_busy("ana@example.com", [busy])
    paired(app)
    assert calendars.grants("refresh_token"), "the expired token was refreshed"
    assert not overlaps(offered(app), busy)
    refreshed = connection(app, "UANA")
    assert refreshed is not None and opened(refreshed.access_token) != opened(first.access_token)
    # Google keeps the refresh token it gave (sealed again, so stored differently).
    assert opened(refreshed.refresh_token) == opened(first.refresh_token)


def test_three_other_times_leave_out_busy_times_too(app: Running, calendars: FakeCalendars) -> None:
    connect(app, "UANA")
    paired(app)
    first = offered(app)
    usual_others = list(propose(START, [ANA, BEN], 30, skip=first).times)
    busy = around(usual_others[0])
    calendars.set_busy("ana@example.com", [busy])
    with app.services.db.unit_of_work() as session:
        meeting_id = session.scalars(select(Meeting.id).order_by(Meeting.id.desc())).first()
    mark = app.slack.mark()
    app.user.click("UANA", "meeting.others", value=str(meeting_id), channel="GANABEN")
    app.slack.wait_for("response_url", since=mark)
    others = offered(app)
    assert len(others) == 3 and not overlaps(others, busy) and not set(first) & set(others)
    assert others == list(propose(START, [ANA, BEN], 30, skip=first, busy=[busy]).times)


@pytest.mark.parametrize("failing", [GOOGLE_FREEBUSY, "/token"])
def test_a_calendar_that_fails_still_leaves_three_times(app: Running, calendars: FakeCalendars, failing: str) -> None:
    calendars.token_lifetime = 0 if failing == "/token" else 3600
    connect(app, "UANA")
    calendars.fail(failing, 500)
    calendars.set_busy("ana@example.com", [around(first_free_times()[0])])
    paired(app)
    assert offered(app) == first_free_times()


def test_an_unreachable_calendar_still_leaves_three_times(app: Running, calendars: FakeCalendars) -> None:
    connect(app, "UANA")
    calendars.stop()
    paired(app)
    assert offered(app) == first_free_times()


def test_a_sign_in_link_works_once(app: Running, calendars: FakeCalendars) -> None:
    consent = browse(sign_in_link(app, "UANA", "calendar.google"))
    assert consent.status == 302
    assert browse(consent.location).status == 200
    again = browse(consent.location)
    assert again.status == 400 and "used already" in again.body
    declined = browse(consent.location.split("?")[0] + "?error=access_denied&state=x")
    assert declined.status == 400 and "cancelled" in declined.body


def test_disconnecting_deletes_the_tokens_and_the_calendar_is_no_longer_asked(
    app: Running, calendars: FakeCalendars
) -> None:
    connect(app, "UANA")
    assert connection(app, "UANA") is not None
    reply = app.user.command("UANA", "calendar disconnect")
    assert "disconnected" in reply.text() and "sign-in is deleted" in reply.text()
    assert connection(app, "UANA") is None
    asked = len(calendars.calls_to(GOOGLE_FREEBUSY))
    paired(app)
    assert len(calendars.calls_to(GOOGLE_FREEBUSY)) == asked
    assert "nothing to disconnect" in app.user.command("UANA", "calendar disconnect").text()


def test_a_second_connection_replaces_the_first(app: Running, calendars: FakeCalendars) -> None:
    connect(app, "UANA")
    reply = app.user.command("UANA", "calendar")
    assert "Your Google Calendar is connected" in reply.text()
    connect(app, "UANA", "calendar.microsoft")
    stored = connection(app, "UANA")
    assert stored is not None and stored.provider is CalendarProvider.MICROSOFT


def test_only_the_configured_provider_is_offered(
    settings: Settings, slack: FakeSlack, clock: FixedClock, calendars: FakeCalendars
) -> None:
    with calendar_app(settings, slack, clock, calendars, microsoft=False) as app:
        reply = app.user.command("UANA", "calendar")
        ids = {b["action_id"] for b in buttons(reply.json()["blocks"])}
        assert ids == {"calendar.google"}


def test_without_calendar_settings_the_command_says_they_are_not_set_up(
    settings: Settings, slack: FakeSlack, clock: FixedClock
) -> None:
    with running_app(settings, slack, clock) as app:
        text = app.user.command("UANA", "calendar").text()
        assert "Calendars aren't set up for this workspace" in text and "everything works without one" in text
        assert "/mentor calendar" in app.user.command("UANA", "help").text()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GOOGLE_CLIENT_ID": "g"}, "both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET"),
        ({"MICROSOFT_CLIENT_SECRET": "m"}, "both MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET"),
        ({"GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": "s", "MENTORBOT_PUBLIC_URL": "https://x"}, "SECRET_KEY"),
        ({"GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": "s", "MENTORBOT_SECRET_KEY": KEY}, "MENTORBOT_PUBLIC_URL"),
        ({"GOOGLE_API_URL": "ftp://x"}, "must start with http"),
    ],
)
def test_calendar_settings_fail_with_a_clear_message(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ, env_file=None)


def test_calendar_settings_default_to_off_and_the_real_endpoints() -> None:
    settings = load_settings({}, env_file=None)
    assert not settings.google_calendar and not settings.microsoft_calendar
    assert settings.google_api_url == "https://www.googleapis.com/" and settings.microsoft_tenant == "common"
    on = load_settings(
        {
            "MICROSOFT_CLIENT_ID": "m",
            "MICROSOFT_CLIENT_SECRET": "s",
            "MENTORBOT_SECRET_KEY": KEY,
            "MENTORBOT_PUBLIC_URL": "https://mentorbot.example.com/",
            "MICROSOFT_GRAPH_URL": "http://127.0.0.1:9",
        },
        env_file=None,
    )
    assert on.microsoft_calendar and on.public_url == "https://mentorbot.example.com"
    assert on.microsoft_graph_url == "http://127.0.0.1:9/"


def _parsed(read: Callable[[dict[str, Any]], list[tuple[datetime, datetime]]], answer: dict[str, Any]) -> list[str]:
    return [f"{start:%H:%M}-{end:%H:%M}" for start, end in read(answer)]


def test_busy_times_are_read_from_the_documented_shapes() -> None:
    google = {"calendars": {"primary": {"busy": [{"start": "2026-12-02T14:00:00Z", "end": "2026-12-02T15:00:00Z"}]}}}
    assert _parsed(google_busy, google) == ["14:00-15:00"]
    offset = {
        "calendars": {"primary": {"busy": [{"start": "2026-12-02T15:00:00+01:00", "end": "2026-12-02T16:00:00+01:00"}]}}
    }
    assert _parsed(google_busy, offset) == ["14:00-15:00"]
    item = {
        "start": {"dateTime": "2026-12-02T14:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-02T14:30:00.0000000", "timeZone": "UTC"},
    }
    graph = {
        "value": [
            {
                "scheduleId": "ben@example.com",
                "scheduleItems": [
                    {**item, "status": "busy"},
                    {**item, "status": "free"},
                    {**item, "status": "workingElsewhere"},
                    {**item, "status": "oof"},
                ],
            }
        ]
    }
    assert _parsed(microsoft_busy, graph) == ["14:00-14:30", "14:00-14:30"]
