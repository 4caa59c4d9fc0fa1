"""Every signed request is acknowledged: events, buttons, forms and menus the app does not handle."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest

from sandbox.slack_user import Reply
from tests.conftest import Running
from tests.steps import MENTEE_PROFILE, buttons, join


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message", "subtype": "message_changed", "channel": "C0GENERAL", "channel_type": "channel"},
        {"type": "member_joined_channel", "user": "UANA", "channel": "C0GENERAL"},
        {"type": "app_mention", "user": "UANA", "text": "<@UBOT> hello", "channel": "C0GENERAL", "ts": "1.2"},
        {"type": "reaction_added", "user": "UANA", "reaction": "tada", "item": {"type": "message", "ts": "1.2"}},
    ],
    ids=["message_changed", "member_joined_channel", "app_mention", "reaction_added"],
)
def test_events_the_app_does_not_handle_are_acknowledged(app: Running, event: dict[str, Any]) -> None:
    reply = app.user.event(event)
    assert reply.status == 200
    assert app.slack.messages_to("C0GENERAL") == []


def interaction(app: Running, payload: dict[str, Any]) -> Reply:
    base = {
        "user": {"id": "UANA", "username": "ana", "team_id": app.user.team_id},
        "team": {"id": app.user.team_id, "domain": "fake"},
        "api_app_id": "A0MENTOR",
        "trigger_id": f"trigger.{uuid.uuid4().hex}",
    }
    return app.user.post(urlencode({"payload": json.dumps({**base, **payload})}), "application/x-www-form-urlencoded")


def test_a_button_from_an_old_message_says_so_privately_and_offers_what_to_do_now(app: Running) -> None:
    join(app, "UANA", MENTEE_PROFILE)
    mark = app.slack.mark()
    reply = app.user.click("UANA", "pair.renamed_long_ago", value="7", channel="DUANA")
    assert reply.status == 200
    [answer] = app.slack.wait_for("response_url", since=mark)
    assert answer.args["replace_original"] is False
    assert "older message" in answer.text()
    assert "messages.find" in {b["action_id"] for b in buttons(answer.args["blocks"])}


def test_a_button_in_an_old_home_tab_answers_in_the_dm(app: Running) -> None:
    reply = app.user.click("UANA", "home.gone", view={"id": "V1", "type": "home", "blocks": []})
    assert reply.status == 200
    [answer] = app.slack.wait_for_message("DUANA")
    assert "older message" in answer.text() and "Join the program" in answer.text()


def test_an_unknown_form_closed_or_submitted_shortcut_and_menu_are_acknowledged(app: Running) -> None:
    view = {"id": "V9", "type": "modal", "callback_id": "gone.form", "state": {"values": {}}, "blocks": []}
    submitted = interaction(app, {"type": "view_submission", "view": view})
    assert submitted.status == 200
    assert submitted.json()["response_action"] == "update"
    assert "nothing in it was saved" in submitted.text()
    assert interaction(app, {"type": "view_closed", "view": view, "is_cleared": False}).status == 200
    assert interaction(app, {"type": "shortcut", "callback_id": "gone.shortcut"}).status == 200
    menu = interaction(
        app, {"type": "block_suggestion", "action_id": "gone.menu", "block_id": "b", "value": "py", "container": {}}
    )
    assert menu.status == 200 and menu.json() == {"options": []}
