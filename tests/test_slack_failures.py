"""Slack's rate limits, server errors and slow answers are retried or survived; nothing the user saved is lost."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.settings import Settings
from sandbox.fake_slack import FakeSlack
from storage.models import Person
from tests.conftest import START, Running, running_app
from tests.steps import (
    MENTEE_PROFILE,
    MENTOR_PROFILE,
    button_value,
    join,
    mentor_request_dm,
    request_mentor,
    request_message_stored,
    tick_at,
)


def test_rate_limited_dm_is_retried_after_retry_after(app: Running) -> None:
    app.slack.fail("chat.postMessage", "429", retry_after=1)
    join(app, "UBEN", MENTOR_PROFILE)
    assert app.slack.attempts["chat.postMessage"] == 2
    assert len(app.slack.messages_to("DUBEN")) == 1


def test_server_error_is_retried(app: Running) -> None:
    app.slack.fail("conversations.open", "500")
    join(app, "UBEN", MENTOR_PROFILE)
    assert app.slack.attempts["conversations.open"] == 2


@pytest.fixture
def impatient_app(settings: Settings, slack: FakeSlack, clock: FixedClock) -> Iterator[Running]:
    with running_app(replace(settings, slack_api_timeout=1), slack, clock) as running:
        yield running


def test_slow_users_info_does_not_lose_the_profile(impatient_app: Running) -> None:
    impatient_app.slack.fail("users.info", "timeout", times=3, delay=1.5)
    join(impatient_app, "UBEN", MENTOR_PROFILE)
    with impatient_app.services.db.unit_of_work() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == "UBEN")).one()
    assert person.timezone == "UTC" and person.capacity == 2


def test_a_group_dm_slack_refuses_at_the_accept_is_opened_by_the_scheduler_with_its_intro(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    request_mentor(app, "UANA", "UBEN", "I'd love help preparing my first conference talk, from outline to delivery.")
    request_id = int(button_value(mentor_request_dm(app, "UBEN"), "find.accept"))
    request_message_stored(app, request_id)
    # Slack fails the pair's group DM on the first try and on both of the client's retries.
    app.slack.fail("conversations.open", "500", times=3)
    mark = app.slack.mark()
    app.user.click("UBEN", "find.accept", value=str(request_id), channel="DUBEN")
    told = app.slack.wait_for("response_url", since=mark)[-1]
    assert "You accepted" in told.text()
    app.finish_work()
    assert app.slack.messages_to("GANABEN") == [], "no group DM yet"

    assert tick_at(app, START + timedelta(minutes=1)).conversations == 0, "the accept's own try may still be running"
    assert tick_at(app, START + timedelta(minutes=3)).conversations == 1
    [intro, times] = app.slack.messages_to("GANABEN")
    assert "<@UANA>" in intro.text() and "<@UBEN>" in intro.text()
    assert "time" in times.text().lower()
    assert tick_at(app, START + timedelta(minutes=3)).conversations == 0
    assert tick_at(app, START + timedelta(minutes=6)).conversations == 0
    assert len(app.slack.messages_to("GANABEN")) == 2, "the intro is posted once"
