"""Slack retries events and people double-click: every delivery is handled once."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Delivery, Pair, Person
from tests.conftest import Running
from tests.steps import (
    MENTEE_PROFILE,
    MENTOR_PROFILE,
    button_value,
    join,
    mentor_request_dm,
    open_join_modal,
    request_mentor,
)


def test_a_retried_event_is_acknowledged_and_handled_once(app: Running) -> None:
    assert app.user.event({"type": "app_home_opened", "user": "UANA", "tab": "home"}).status == 200
    app.slack.wait_for("views.publish")
    retry = app.user.resend(retry=1)
    assert retry.status == 200 and retry.body == ""
    app.user.resend(retry=2)
    assert len(app.slack.calls_to("views.publish")) == 1


def test_a_slash_command_delivered_twice_opens_one_modal(app: Running) -> None:
    app.user.command("UANA", "join")
    app.slack.wait_for("views.open")
    assert app.user.resend().body == ""
    assert len(app.slack.calls_to("views.open")) == 1


def test_a_double_submitted_profile_is_saved_once(app: Running) -> None:
    view = open_join_modal(app, "UBEN")
    app.user.submit("UBEN", view, MENTOR_PROFILE)
    app.user.resend()
    app.slack.wait_for_message("DUBEN")
    with app.services.db.unit_of_work() as session:
        assert len(session.scalars(select(Person)).all()) == 1
    assert len(app.slack.messages_to("DUBEN")) == 1


def test_a_double_click_on_accept_makes_one_pair_and_one_intro(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    request_mentor(app, "UANA", "UBEN", "Could you help me prepare my first conference talk this spring?")
    dm = mentor_request_dm(app, "UBEN")
    mark = app.slack.mark()
    app.user.click("UBEN", "find.accept", value=button_value(dm, "find.accept"), channel="DUBEN")
    assert app.user.resend().body == ""
    app.slack.wait_for_message("GANABEN")
    app.finish_work()
    with app.services.db.unit_of_work() as session:
        assert len(session.scalars(select(Pair)).all()) == 1
    intros = [c for c in app.slack.messages_to("GANABEN") if "Meet your mentoring pair" in c.text()]
    offers = [c for c in app.slack.messages_to("GANABEN") if "Three times you can both make" in c.text()]
    assert len(intros) == 1 and len(offers) == 1
    assert len([call for call in app.slack.calls[mark:] if call.method == "response_url"]) == 1


def test_a_find_delivered_twice_answers_once(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    mark = app.slack.mark()
    assert app.user.command("UANA", "find").body == ""
    assert app.user.resend().body == ""
    app.slack.wait_for("response_url", since=mark)
    app.finish_work()
    assert len([call for call in app.slack.calls[mark:] if call.method == "response_url"]) == 1
    with app.services.db.reading() as session:
        # The find's delivery is recorded by its job, after the ack, and only once.
        keys = session.scalars(select(Delivery.key).where(Delivery.key.like("trigger:%"))).all()
    assert len(keys) == len(set(keys))
