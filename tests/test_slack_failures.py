"""Slack's rate limits, server errors and slow answers are retried or survived; nothing the user saved is lost."""

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.settings import Settings
from sandbox.fake_slack import FakeSlack
from storage.models import Person
from tests.conftest import Running, running_app
from tests.steps import MENTOR_PROFILE, join


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
