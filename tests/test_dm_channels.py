"""A person's DM with the bot is opened once: every later message to them reuses its kept channel."""

from __future__ import annotations

from tests.conftest import Running
from tests.steps import MENTEE_PROFILE, MENTOR_PROFILE, join, mentor_request_dm, request_mentor


def opened_for(app: Running, user_id: str) -> int:
    return len([c for c in app.slack.calls_to("conversations.open") if c.args.get("users") == user_id])


def test_two_dms_to_the_same_person_open_their_dm_once(app: Running) -> None:
    join(app, "UBEN", MENTOR_PROFILE)
    join(app, "UANA", MENTEE_PROFILE)
    request_mentor(app, "UANA", "UBEN", "I'd love help preparing my first conference talk, from outline to delivery.")
    mentor_request_dm(app, "UBEN")
    app.slack.wait_for_message("DUANA", 2)
    assert len(app.slack.messages_to("DUANA")) == 2, "the profile's confirmation, then the request on its way"
    assert len(app.slack.messages_to("DUBEN")) == 2, "the profile's confirmation, then the request"
    assert opened_for(app, "UANA") == 1 and opened_for(app, "UBEN") == 1
